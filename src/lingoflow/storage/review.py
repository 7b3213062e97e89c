"""The review queue: flagged segments waiting for a person, and what that person decided.

A run adds a segment here when its quality score is below the review threshold or it has a
critical finding (see :mod:`lingoflow.qa.score`). An item keeps the source, the machine's
text, the findings (JSON), the score, the job and file it came from, and the translation
memory its decision goes to. :mod:`lingoflow.qa.review` turns decisions into TM entries.

Statuses: ``pending`` → ``approved`` (the machine text is right), ``edited`` (a person's
text replaces it) or ``rejected`` (wrong, and no replacement given).

Invariants:

- At most one *pending* item per (job, segment key): :meth:`ReviewStore.add_many` skips a
  segment already pending for the same job (no job counts as one job). A decided item does
  not block a new one: a rejected segment translated again and flagged again is queued again.
  Two concurrent runs without a job may both queue a segment (no unique index spans NULLs).
- :meth:`ReviewStore.decide` changes a pending item (or re-edits an approved or edited one)
  and records the final text, the note and ``decided_at``; other transitions raise
  :class:`~lingoflow.errors.ReviewError`.
- Rejecting evicts the segment's cached engine output and its journal row in the job, in
  the same transaction, so the next run asks the engine again instead of reusing the
  rejected text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lingoflow.errors import ReviewError, UnknownReviewItemError
from lingoflow.storage.cache import cache_table
from lingoflow.storage.db import Database, UTCDateTime, chunked, utcnow
from lingoflow.storage.jobs import journal_table
from lingoflow.types import Finding

__all__ = ["STATUSES", "ReviewItem", "ReviewStatus", "ReviewStore"]

ReviewStatus = Literal["pending", "approved", "edited", "rejected"]
STATUSES: tuple[ReviewStatus, ...] = ("pending", "approved", "edited", "rejected")
_BATCH = 500

_meta = sa.MetaData()
review_table = sa.Table(
    "review_items",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("segment_key", sa.String(64), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("machine_text", sa.Text, nullable=False),
    sa.Column("final_text", sa.Text, nullable=True),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("path", sa.Text, nullable=True),
    sa.Column("memory", sa.String(200), nullable=False),
    sa.Column("engine", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One flagged segment; ``id``, ``status`` and the timestamps are set by the store.

    ``segment_key`` is the pipeline's :func:`~lingoflow.signature.segment_key`; ``memory``
    is the translation memory an approval or edit writes to; ``final_text`` is the approved
    or edited translation (None while pending or when rejected).
    """

    segment_key: str
    source_lang: str
    target_lang: str
    source: str
    machine_text: str
    memory: str
    findings: tuple[Finding, ...] = ()
    score: float | None = None
    job_id: int | None = None
    path: str | None = None
    engine: str = ""
    model: str = ""
    id: int | None = None
    status: ReviewStatus = "pending"
    final_text: str | None = None
    note: str = ""
    created_at: datetime | None = None
    decided_at: datetime | None = None


def _findings_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        [{"check": f.check, "severity": f.severity, "message": f.message} for f in findings],
        ensure_ascii=False,
    )


def _row(item: ReviewItem, now: datetime) -> dict[str, Any]:
    """Return the table row for a new ``item``."""
    return {
        "job_id": item.job_id,
        "segment_key": item.segment_key,
        "source_lang": item.source_lang,
        "target_lang": item.target_lang,
        "source": item.source,
        "machine_text": item.machine_text,
        "final_text": None,
        "findings": _findings_json(item.findings),
        "score": item.score,
        "path": item.path,
        "memory": item.memory,
        "engine": item.engine,
        "model": item.model,
        "status": "pending",
        "note": "",
        "created_at": now,
        "decided_at": None,
    }


def _item(row: sa.Row[Any]) -> ReviewItem:
    """Return the item stored in ``row``."""
    return ReviewItem(
        segment_key=row.segment_key,
        source_lang=row.source_lang,
        target_lang=row.target_lang,
        source=row.source,
        machine_text=row.machine_text,
        memory=row.memory,
        findings=tuple(Finding(**f) for f in json.loads(row.findings)),
        score=row.score,
        job_id=row.job_id,
        path=row.path,
        engine=row.engine,
        model=row.model,
        id=row.id,
        status=row.status,
        final_text=row.final_text,
        note=row.note,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


def _pending_keys(conn: Connection, job_id: int | None, keys: Sequence[str]) -> set[str]:
    """Return the keys among ``keys`` already pending for ``job_id``."""
    c = review_table.c
    found: set[str] = set()
    for batch in chunked(sorted(set(keys)), _BATCH):
        query = sa.select(c.segment_key).where(
            c.job_id.is_not_distinct_from(job_id),
            c.status == "pending",
            c.segment_key.in_(batch),
        )
        found.update(conn.execute(query).scalars())
    return found


_ALLOWED: dict[ReviewStatus, tuple[str, ...]] = {
    "approved": ("pending",),
    "rejected": ("pending",),
    "edited": ("pending", "approved", "edited"),
}


class ReviewStore:
    """The review queue's items, with batched, de-duplicated adds."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def add_many(self, items: Sequence[ReviewItem]) -> int:
        """Queue ``items`` as pending, skipping any already pending for its job; return count."""
        if not items:
            return 0
        by_job: dict[int | None, dict[str, ReviewItem]] = {}
        for item in items:
            by_job.setdefault(item.job_id, {}).setdefault(item.segment_key, item)
        now, added = utcnow(), 0
        with self._db.write() as conn:
            for job_id, fresh in by_job.items():
                known = _pending_keys(conn, job_id, list(fresh))
                rows = [_row(item, now) for key, item in fresh.items() if key not in known]
                if rows:
                    conn.execute(sa.insert(review_table), rows)
                added += len(rows)
        return added

    def get(self, item_id: int) -> ReviewItem:
        """Return item ``item_id``; raise :class:`UnknownReviewItemError` when there is none."""
        with self._db.read() as conn:
            row = conn.execute(sa.select(review_table).where(review_table.c.id == item_id)).first()
        if row is None:
            raise UnknownReviewItemError(item_id)
        return _item(row)

    def items(
        self,
        *,
        job_id: int | None = None,
        status: ReviewStatus | None = None,
        limit: int | None = None,
    ) -> list[ReviewItem]:
        """Return the items (of one job, with one status), oldest first, at most ``limit``."""
        c = review_table.c
        query = sa.select(review_table).order_by(c.id).limit(limit)
        if job_id is not None:
            query = query.where(c.job_id == job_id)
        if status is not None:
            query = query.where(c.status == status)
        with self._db.read() as conn:
            return [_item(row) for row in conn.execute(query)]

    def counts(self, *, job_id: int | None = None) -> dict[str, int]:
        """Return the number of items per status (of one job), every status present."""
        c = review_table.c
        query = sa.select(c.status, sa.func.count()).group_by(c.status)
        if job_id is not None:
            query = query.where(c.job_id == job_id)
        with self._db.read() as conn:
            found = {status: int(n) for status, n in conn.execute(query)}
        return {status: found.get(status, 0) for status in STATUSES}

    def decide(
        self, item_id: int, status: ReviewStatus, *, final_text: str | None = None, note: str = ""
    ) -> ReviewItem:
        """Record a decision on item ``item_id`` and return the item as it is now."""
        if status == "pending" or status not in _ALLOWED:
            raise ReviewError(f"A decision is approved, edited or rejected, not {status!r}.")
        c = review_table.c
        values = {"status": status, "final_text": final_text, "note": note, "decided_at": utcnow()}
        with self._db.write() as conn:
            row = conn.execute(sa.select(review_table).where(c.id == item_id)).first()
            if row is None:
                raise UnknownReviewItemError(item_id)
            if row.status not in _ALLOWED[status]:
                raise ReviewError(
                    f"Review item {item_id} is already {row.status}; only "
                    f"{' or '.join(_ALLOWED[status])} items can be {status}."
                )
            conn.execute(sa.update(review_table).where(c.id == item_id).values(values))
            if status == "rejected":
                _evict(conn, row.segment_key, row.job_id)
        return self.get(item_id)


def _evict(conn: Connection, key: str, job_id: int | None) -> None:
    """Drop the cached engine output of ``key`` and its journal row in job ``job_id``."""
    conn.execute(sa.delete(cache_table).where(cache_table.c.key == key))
    if job_id is not None:
        j = journal_table.c
        conn.execute(sa.delete(journal_table).where(j.job_id == job_id, j.key == key))
