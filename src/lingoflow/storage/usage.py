"""Usage records: what every engine call consumed and cost, for reports and budgets.

One row per engine call (a segment's first attempt and each piece of a safe retry are calls
of their own): when, which job (if any), engine, model, API key *id* (never the secret),
language pair, tokens in and out, and the cost in US dollars from the price table in force
when the call was made.

Invariants:

- Rows are only added, never changed: a record is a bill already run up. Costs are stored,
  not recomputed, so a later price change does not rewrite history.
- ``job_id`` is a plain column, not a foreign key: usage outlives the jobs it was spent on.
- :func:`insert_usage` writes on a connection the caller owns, so the pipeline can store a
  segment's journal row, cache entry and usage in one transaction
  (:meth:`lingoflow.storage.Storage.record`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lingoflow.storage.db import Database, UTCDateTime, utcnow
from lingoflow.types import Usage

__all__ = ["UsageGroup", "UsageRecord", "UsageStore", "UsageTotal", "insert_usage"]

UsageGroup = Literal["model", "language", "job", "key"]
"""How :meth:`UsageStore.totals` groups records: by model, language pair, job or API key id."""

_meta = sa.MetaData()
usage_table = sa.Table(
    "usage_records",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("engine", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("key_id", sa.String(200), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
    sa.Column("input_tokens", sa.Integer, nullable=False),
    sa.Column("output_tokens", sa.Integer, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False),
)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One engine call's consumption; ``key_id`` names the API key, ``""`` when none."""

    engine: str
    model: str
    source_lang: str
    target_lang: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    key_id: str = ""
    job_id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UsageTotal:
    """Records summed over one group (``group`` is ``""`` for the grand total)."""

    group: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "group": self.group,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
        }


def _row(record: UsageRecord, now: datetime) -> dict[str, Any]:
    return {
        "created_at": record.created_at or now,
        "job_id": record.job_id,
        "engine": record.engine,
        "model": record.model,
        "key_id": record.key_id,
        "source_lang": record.source_lang,
        "target_lang": record.target_lang,
        "input_tokens": record.usage.input_tokens,
        "output_tokens": record.usage.output_tokens,
        "cost_usd": record.cost_usd,
    }


def insert_usage(conn: Connection, records: Sequence[UsageRecord]) -> None:
    """Add ``records`` in the caller's transaction."""
    if records:
        now = utcnow()
        conn.execute(sa.insert(usage_table), [_row(r, now) for r in records])


def _group_column(by: UsageGroup) -> sa.ColumnElement[Any]:
    c = usage_table.c
    if by == "model":
        return c.model
    if by == "key":
        return c.key_id
    if by == "job":
        return sa.func.coalesce(sa.cast(c.job_id, sa.String), "")
    return c.source_lang + "→" + c.target_lang


class UsageStore:
    """Engine calls' tokens and costs: added per call, summed by job, model, pair or key."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def add_many(self, records: Iterable[UsageRecord]) -> None:
        """Store ``records`` in one transaction."""
        rows = list(records)
        with self._db.write() as conn:
            insert_usage(conn, rows)

    def spent(self, job_id: int) -> float:
        """Return the US dollars spent so far on job ``job_id``."""
        c = usage_table.c
        query = sa.select(sa.func.coalesce(sa.func.sum(c.cost_usd), 0.0)).where(c.job_id == job_id)
        with self._db.read() as conn:
            return float(conn.execute(query).scalar_one())

    def totals(
        self,
        *,
        since: datetime | None = None,
        by: UsageGroup | None = None,
        job_id: int | None = None,
    ) -> list[UsageTotal]:
        """Sum the records (made at or after ``since``, of ``job_id`` if given) per group.

        Without ``by`` the result is one grand total (with zero calls when nothing matched);
        with it, one total per group, the most expensive first.
        """
        c = usage_table.c
        group = _group_column(by) if by else sa.literal("")
        cost = sa.func.coalesce(sa.func.sum(c.cost_usd), 0.0).label("cost")
        query = sa.select(
            group.label("grouped"),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(c.input_tokens), 0),
            sa.func.coalesce(sa.func.sum(c.output_tokens), 0),
            cost,
        )
        if since is not None:
            query = query.where(c.created_at >= since)
        if job_id is not None:
            query = query.where(c.job_id == job_id)
        if by:
            query = query.group_by(group).order_by(cost.desc(), group)
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [UsageTotal(str(g), int(n), int(i), int(o), float(usd)) for g, n, i, o, usd in rows]
