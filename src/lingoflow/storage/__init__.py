"""Storage: the only place with SQL — cache, translation memory, glossaries, jobs and usage.

One :class:`Database` (SQLite by default, PostgreSQL by URL) migrated on open; one store class
per aggregate on top of it. :class:`Storage` opens the database and builds every store.

>>> storage = Storage.open(home=tmp_path)                       # doctest: +SKIP
>>> storage.cache.get_many(keys)                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lingoflow.storage.cache import _UPDATED as _CACHE_UPDATED
from lingoflow.storage.cache import CachedTranslation, CacheStats, TranslationCache
from lingoflow.storage.cache import _row as _cache_row
from lingoflow.storage.cache import cache_table as _cache_table
from lingoflow.storage.db import Database, PairCount, StorageError, upsert, utcnow
from lingoflow.storage.glossaries import GlossaryInfo, GlossaryStore, UnknownGlossaryError
from lingoflow.storage.jobs import (
    Job,
    JobFile,
    JobStatus,
    JobStore,
    JournalEntry,
    LanguageProgress,
    upsert_journal,
)
from lingoflow.storage.review import ReviewItem, ReviewStatus, ReviewStore
from lingoflow.storage.tm import (
    DEFAULT_MEMORY,
    MemoryStats,
    TmEntry,
    TmMatch,
    TranslationMemory,
    normalize,
)
from lingoflow.storage.usage import (
    UsageGroup,
    UsageRecord,
    UsageStore,
    UsageTotal,
    insert_usage,
)

__all__ = [
    "DEFAULT_MEMORY",
    "CacheStats",
    "CachedTranslation",
    "Database",
    "GlossaryInfo",
    "GlossaryStore",
    "Job",
    "JobFile",
    "JobStatus",
    "JobStore",
    "JournalEntry",
    "LanguageProgress",
    "MemoryStats",
    "PairCount",
    "ReviewItem",
    "ReviewStatus",
    "ReviewStore",
    "Storage",
    "StorageError",
    "TmEntry",
    "TmMatch",
    "TranslationCache",
    "TranslationMemory",
    "UnknownGlossaryError",
    "UsageGroup",
    "UsageRecord",
    "UsageStore",
    "UsageTotal",
    "normalize",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """Every store over one open database."""

    database: Database
    cache: TranslationCache
    tm: TranslationMemory
    glossaries: GlossaryStore
    jobs: JobStore
    usage: UsageStore
    review: ReviewStore

    @classmethod
    def open(cls, url: str | None = None, *, home: str | Path | None = None) -> Storage:
        """Open the database at ``url`` (default: SQLite in ``home``) and build the stores."""
        database = Database.open(url, home=home)
        return cls(
            database,
            TranslationCache(database),
            TranslationMemory(database),
            GlossaryStore(database),
            JobStore(database),
            UsageStore(database),
            ReviewStore(database),
        )

    def record(
        self,
        *,
        job_id: int | None = None,
        journal: Sequence[JournalEntry] = (),
        cache: Sequence[CachedTranslation] = (),
        usage: Sequence[UsageRecord] = (),
    ) -> None:
        """Store what engine calls produced — journal rows, cache entries, usage — atomically.

        One short transaction, so a process killed at any moment leaves either all of a
        segment's rows or none of them. ``journal`` needs ``job_id``.
        """
        if job_id is None and journal:
            raise ValueError("Journal entries belong to a job: pass job_id.")
        if not (journal or cache or usage):
            return
        with self.database.write() as conn:
            if job_id is not None and journal:
                upsert_journal(conn, job_id, journal)
            if cache:
                now = utcnow()
                rows = [_cache_row(entry, now) for entry in cache]
                upsert(conn, _cache_table, rows, key=["key"], update=_CACHE_UPDATED)
            insert_usage(conn, usage)

    def close(self) -> None:
        """Close the database's connections."""
        self.database.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
