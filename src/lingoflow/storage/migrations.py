"""The database schema's history as plain, ordered migration functions.

Each migration is a function ``mNNN_what(conn)`` registered with :func:`migration`, in the
spirit of simonw/llm's ``migrations.py``. :func:`migrate` runs the ones whose names are not yet
in the ``_migrations`` table, in order, recording each; :meth:`Database.migrate
<lingoflow.storage.db.Database.migrate>` calls it on every open inside one locked
transaction, so concurrent openers apply each migration exactly once.

Invariants:

- Migrations are append-only: never edit or reorder a released one; add ``m002_...``.
- A migration describes tables as they were at that step, on its own ``MetaData`` — never
  with the stores' current ``Table`` objects, which move on with later migrations.
- DDL goes through SQLAlchemy Core so that one function serves SQLite and PostgreSQL; both
  run DDL inside the transaction, so a failed migration leaves nothing behind.
- Names recorded by a newer lingoflow and unknown here are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["MIGRATIONS", "Migration", "migrate", "migration"]

Migration = Callable[[Connection], None]
MIGRATIONS: list[Migration] = []
"""Every migration, in the order it must run."""

_meta = sa.MetaData()
_migrations = sa.Table(
    "_migrations",
    _meta,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the migrations not yet recorded, in order; return the names applied now.

    The caller holds the migration lock and owns the transaction.
    """
    _migrations.create(conn, checkfirst=True)
    applied = set(conn.execute(sa.select(_migrations.c.name)).scalars())
    done: list[str] = []
    for fn in migrations:
        if fn.__name__ in applied:
            continue
        fn(conn)
        now = datetime.now(UTC)
        conn.execute(sa.insert(_migrations).values(name=fn.__name__, applied_at=now))
        done.append(fn.__name__)
    return done


def _timestamps() -> list[sa.Column[datetime]]:
    """Return fresh created/updated columns (a Column belongs to one table only)."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _pair() -> list[sa.Column[str]]:
    """Return fresh source/target language columns (Qwen-MT codes)."""
    return [
        sa.Column("source_lang", sa.String(16), nullable=False),
        sa.Column("target_lang", sa.String(16), nullable=False),
    ]


def _cache_table(meta: sa.MetaData) -> sa.Table:
    """Describe the translation cache as created by m001."""
    return sa.Table(
        "translation_cache",
        meta,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("target_text", sa.Text, nullable=False),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def _tm_tables(meta: sa.MetaData) -> None:
    """Describe the translation memory tables as created by m001."""
    sa.Table(
        "tm_pairs",
        meta,
        sa.Column("memory", sa.String(200), primary_key=True),
        sa.Column("source_lang", sa.String(16), primary_key=True),
        sa.Column("target_lang", sa.String(16), primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "tm_entries",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("memory", sa.String(200), nullable=False),
        *_pair(),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("signature", sa.Text, nullable=True),
        *_timestamps(),
        sa.UniqueConstraint("memory", "source_lang", "target_lang", "source_hash"),
        sa.ForeignKeyConstraint(
            ["memory", "source_lang", "target_lang"],
            ["tm_pairs.memory", "tm_pairs.source_lang", "tm_pairs.target_lang"],
        ),
    )


def _glossary_tables(meta: sa.MetaData) -> None:
    """Describe the glossary tables as created by m001."""
    sa.Table(
        "glossaries",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        *_timestamps(),
    )
    sa.Table(
        "glossary_entries",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "glossary_id",
            sa.Integer,
            sa.ForeignKey("glossaries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *_pair(),
        sa.Column("term_key", sa.String(64), nullable=False),
        sa.Column("case_sensitive", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("do_not_translate", sa.Boolean, nullable=False),
        sa.UniqueConstraint(
            "glossary_id", "source_lang", "target_lang", "term_key", "case_sensitive"
        ),
    )


@migration
def m001_initial(conn: Connection) -> None:
    """Create the translation cache, translation memory and glossary tables."""
    meta = sa.MetaData()
    _cache_table(meta)
    _tm_tables(meta)
    _glossary_tables(meta)
    meta.create_all(conn)


@migration
def m002_eval_results(conn: Connection) -> None:
    """Create the table of engine evaluations (BLEU and chrF on a test set)."""
    meta = sa.MetaData()
    sa.Table(
        "eval_results",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        *_pair(),
        sa.Column("segments", sa.Integer, nullable=False),
        sa.Column("bleu", sa.Float, nullable=False),
        sa.Column("chrf", sa.Float, nullable=False),
        sa.Column("bleu_signature", sa.Text, nullable=False),
        sa.Column("chrf_signature", sa.Text, nullable=False),
        sa.Column("seconds_per_segment", sa.Float, nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("sources_hash", sa.String(64), nullable=False),
        sa.Column("references_hash", sa.String(64), nullable=False),
        sa.Column("lingoflow_version", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    meta.create_all(conn)


@migration
def m003_jobs(conn: Connection) -> None:
    """Create durable jobs, their files, the per-segment journal and the usage records."""
    meta = sa.MetaData()
    sa.Table(
        "jobs",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("runner_pid", sa.Integer, nullable=True),
        sa.Column("runner_host", sa.String(255), nullable=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("totals", sa.Text, nullable=False),
        *_timestamps(),
    )
    sa.Table(
        "job_files",
        meta,
        sa.Column(
            "job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("segments", sa.Integer, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "job_segments",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(64), nullable=False),
        *_pair(),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("provenance", sa.String(20), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(200), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("job_id", "key"),
    )
    sa.Table(
        "usage_records",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("job_id", sa.Integer, nullable=True, index=True),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(200), nullable=False),
        *_pair(),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
    )
    meta.create_all(conn)


@migration
def m004_review(conn: Connection) -> None:
    """Create the review queue: flagged segments, their findings, score and decision."""
    meta = sa.MetaData()
    sa.Table(
        "review_items",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.Integer, nullable=True),
        sa.Column("segment_key", sa.String(64), nullable=False),
        *_pair(),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_review_items_job_key", "job_id", "segment_key"),
        sa.Index("ix_review_items_status", "status"),
    )
    meta.create_all(conn)
