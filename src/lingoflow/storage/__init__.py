"""Storage: the only place with SQL — translation cache, translation memory and glossaries.

One :class:`Database` (SQLite by default, PostgreSQL by URL) migrated on open; one store class
per aggregate on top of it. :class:`Storage` opens the database and builds every store.

>>> storage = Storage.open(home=tmp_path)                       # doctest: +SKIP
>>> storage.cache.get_many(keys)                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lingoflow.storage.cache import CachedTranslation, CacheStats, TranslationCache
from lingoflow.storage.db import Database, PairCount, StorageError
from lingoflow.storage.glossaries import GlossaryInfo, GlossaryStore, UnknownGlossaryError
from lingoflow.storage.tm import (
    DEFAULT_MEMORY,
    MemoryStats,
    TmEntry,
    TmMatch,
    TranslationMemory,
    normalize,
)

__all__ = [
    "DEFAULT_MEMORY",
    "CacheStats",
    "CachedTranslation",
    "Database",
    "GlossaryInfo",
    "GlossaryStore",
    "MemoryStats",
    "PairCount",
    "Storage",
    "StorageError",
    "TmEntry",
    "TmMatch",
    "TranslationCache",
    "TranslationMemory",
    "UnknownGlossaryError",
    "normalize",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """Every store over one open database."""

    database: Database
    cache: TranslationCache
    tm: TranslationMemory
    glossaries: GlossaryStore

    @classmethod
    def open(cls, url: str | None = None, *, home: str | Path | None = None) -> Storage:
        """Open the database at ``url`` (default: SQLite in ``home``) and build the stores."""
        database = Database.open(url, home=home)
        return cls(
            database,
            TranslationCache(database),
            TranslationMemory(database),
            GlossaryStore(database),
        )

    def close(self) -> None:
        """Close the database's connections."""
        self.database.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
