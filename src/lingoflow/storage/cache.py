"""The translation cache: engine results by segment key, so nothing is paid for twice.

The key is :func:`lingoflow.signature.segment_key` of (source text, languages, signature): the
same key that identifies a segment for job resumption and idempotent tasks.

Invariants:

- One row per key. :meth:`TranslationCache.put` and :meth:`~TranslationCache.put_many`
  upsert: concurrent writers of the same key neither fail nor lose entries (the last write
  wins and refreshes ``created_at``).
- Lookups are batched: :meth:`~TranslationCache.get_many` reads up to ``BATCH`` keys per
  query, so a pipeline run over thousands of segments costs a handful of queries.
- ``max_age`` is a time-to-live checked at read time against ``created_at``; expired rows stay
  until :meth:`~TranslationCache.clear` removes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lingoflow.signature import Signature
from lingoflow.storage.db import Database, UTCDateTime, chunked, upsert, utcnow
from lingoflow.types import Usage

__all__ = ["BATCH", "CacheStats", "CachedTranslation", "TranslationCache"]

BATCH = 2000
"""Keys per query in batch lookups (well under SQLite's and PostgreSQL's parameter limits)."""

_meta = sa.MetaData()
cache_table = sa.Table(
    "translation_cache",
    _meta,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("target_text", sa.Text, nullable=False),
    sa.Column("engine", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("input_tokens", sa.Integer, nullable=False),
    sa.Column("output_tokens", sa.Integer, nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
_UPDATED = [c.name for c in cache_table.columns if c.name != "key"]


@dataclass(frozen=True, slots=True)
class CachedTranslation:
    """One cached engine result; ``model`` is the model that answered (may differ from the
    signature's requested model, e.g. an alias resolved by the provider)."""

    key: str
    text: str
    signature: Signature
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    created_at: datetime | None = None

    @property
    def engine(self) -> str:
        """The engine that produced the translation."""
        return self.signature.engine


@dataclass(frozen=True, slots=True)
class CacheStats:
    """What the cache holds: entries, tokens they cost, and their age range."""

    entries: int
    input_tokens: int
    output_tokens: int
    oldest: datetime | None
    newest: datetime | None


def _row(entry: CachedTranslation, now: datetime) -> dict[str, Any]:
    """Return the table row for ``entry``."""
    return {
        "key": entry.key,
        "target_text": entry.text,
        "engine": entry.signature.engine,
        "model": entry.model or entry.signature.model,
        "input_tokens": entry.usage.input_tokens,
        "output_tokens": entry.usage.output_tokens,
        "signature": entry.signature.to_json(),
        "created_at": entry.created_at or now,
    }


def _entry(row: sa.Row[Any]) -> CachedTranslation:
    """Return the cached translation stored in ``row``."""
    return CachedTranslation(
        key=row.key,
        text=row.target_text,
        signature=Signature.from_json(row.signature),
        model=row.model,
        usage=Usage(row.input_tokens, row.output_tokens),
        created_at=row.created_at,
    )


class TranslationCache:
    """Engine results by segment key, with batch lookups, upserts and a time-to-live."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def get(self, key: str, max_age: timedelta | None = None) -> CachedTranslation | None:
        """Return the entry for ``key``, or None when missing or older than ``max_age``."""
        return self.get_many([key], max_age).get(key)

    def get_many(
        self, keys: Iterable[str], max_age: timedelta | None = None
    ) -> dict[str, CachedTranslation]:
        """Return the fresh entries among ``keys``, by key; missing keys are absent."""
        wanted = sorted(set(keys))
        found: dict[str, CachedTranslation] = {}
        with self._db.read() as conn:
            for batch in chunked(wanted, BATCH):
                query = sa.select(cache_table).where(cache_table.c.key.in_(batch))
                if max_age is not None:
                    query = query.where(cache_table.c.created_at >= utcnow() - max_age)
                found.update((row.key, _entry(row)) for row in conn.execute(query))
        return found

    def put(self, entry: CachedTranslation) -> None:
        """Store ``entry``, replacing any entry with the same key."""
        self.put_many([entry])

    def put_many(self, entries: Iterable[CachedTranslation]) -> int:
        """Store ``entries`` (the last of duplicate keys wins); return how many were given."""
        now = utcnow()
        rows = [_row(entry, now) for entry in entries]
        with self._db.write() as conn:
            for batch in chunked(rows, BATCH):
                upsert(conn, cache_table, batch, key=["key"], update=_UPDATED)
        return len(rows)

    def delete(self, keys: Sequence[str]) -> int:
        """Delete the entries for ``keys``; return how many existed."""
        deleted = 0
        with self._db.write() as conn:
            for batch in chunked(sorted(set(keys)), BATCH):
                result = conn.execute(sa.delete(cache_table).where(cache_table.c.key.in_(batch)))
                deleted += result.rowcount
        return deleted

    def clear(self, older_than: timedelta | None = None) -> int:
        """Delete every entry, or those older than ``older_than``; return how many."""
        query = sa.delete(cache_table)
        if older_than is not None:
            query = query.where(cache_table.c.created_at < utcnow() - older_than)
        with self._db.write() as conn:
            return conn.execute(query).rowcount

    def stats(self) -> CacheStats:
        """Return how many entries the cache holds, the tokens they cost and their ages."""
        c = cache_table.c
        query = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(c.input_tokens), 0),
            sa.func.coalesce(sa.func.sum(c.output_tokens), 0),
            sa.func.min(c.created_at),
            sa.func.max(c.created_at),
        )
        with self._db.read() as conn:
            count, tokens_in, tokens_out, oldest, newest = conn.execute(query).one()
        # min/max keep the column's type, so the timestamps come back aware.
        return CacheStats(count, int(tokens_in), int(tokens_out), oldest, newest)
