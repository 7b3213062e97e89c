"""Durable jobs: the runs of ``translate-file``/``translate-dir``, their files and journal.

A job row holds the normalised run arguments (``spec``, JSON; never secrets), its status and
the process running it. ``job_files`` holds each file's latest result; ``job_segments`` is
the per-segment journal: every segment the job settled, keyed by the pipeline's segment key
(:func:`lingoflow.signature.segment_key`), with the translation, where it came from, the
model, API key id, tokens, cost and findings, and a ``score`` left for quality estimation.

Invariants:

- One journal row per (job, segment key): writes upsert, so a segment translated again
  (after its signature changed) replaces the old row instead of adding one.
- Journal reads are batched like cache reads (``BATCH`` keys per query).
- :func:`upsert_journal` writes on a connection the caller owns, so the pipeline stores a
  segment's journal row, cache entry and usage record in one transaction.
- This module stores statuses as given; deciding that a ``running`` job whose process died is
  ``interrupted`` belongs to :mod:`lingoflow.jobs`, which can look at processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lingoflow.errors import UnknownJobError
from lingoflow.storage.cache import BATCH
from lingoflow.storage.db import Database, UTCDateTime, chunked, upsert, utcnow
from lingoflow.types import Finding, Usage

__all__ = [
    "Job",
    "JobFile",
    "JobStatus",
    "JobStore",
    "JournalEntry",
    "LanguageProgress",
    "upsert_journal",
]

JobStatus = Literal["running", "done", "failed", "paused", "cancelled", "interrupted"]

_meta = sa.MetaData()
jobs_table = sa.Table(
    "jobs",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("runner_pid", sa.Integer, nullable=True),
    sa.Column("runner_host", sa.String(255), nullable=True),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("totals", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
files_table = sa.Table(
    "job_files",
    _meta,
    sa.Column("job_id", sa.Integer, primary_key=True),
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("segments", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("input_tokens", sa.Integer, nullable=False),
    sa.Column("output_tokens", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
journal_table = sa.Table(
    "job_segments",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Integer, nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
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
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
_JOURNAL_UPDATED = [c.name for c in journal_table.columns if c.name not in ("id", "job_id", "key")]
_FILE_UPDATED = [c.name for c in files_table.columns if c.name not in ("job_id", "path")]


@dataclass(frozen=True, slots=True)
class Job:
    """One stored job: ``spec`` is its normalised run arguments, ``totals`` its plan.

    ``status`` is what was stored; a ``running`` job whose runner died is still ``running``
    here (see :func:`lingoflow.jobs.effective_status`).
    """

    id: int
    kind: str
    spec: Mapping[str, Any]
    status: str
    pid: int | None
    host: str | None
    error: str
    totals: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class JobFile:
    """One input file's latest result in a job; ``path`` is relative to the input folder."""

    path: str
    status: str
    error: str = ""
    segments: int = 0
    findings: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One settled segment of a job: its translation and how it was obtained.

    ``provenance`` is a :class:`~lingoflow.types.Provenance` value; ``usage`` and ``cost_usd``
    are what the engine calls for this segment cost (0 when it needed none).
    """

    key: str
    source_lang: str
    target_lang: str
    source: str
    text: str
    provenance: str
    model: str = ""
    key_id: str = ""
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    findings: tuple[Finding, ...] = ()
    score: float | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LanguageProgress:
    """The journal summed for one target language."""

    target_lang: str
    segments: int
    provenance: Mapping[str, int]
    input_tokens: int
    output_tokens: int
    cost_usd: float


def _findings_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        [{"check": f.check, "severity": f.severity, "message": f.message} for f in findings],
        ensure_ascii=False,
    )


def _journal_row(job_id: int, entry: JournalEntry, now: datetime) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "key": entry.key,
        "source_lang": entry.source_lang,
        "target_lang": entry.target_lang,
        "source": entry.source,
        "target": entry.text,
        "provenance": entry.provenance,
        "model": entry.model,
        "key_id": entry.key_id,
        "input_tokens": entry.usage.input_tokens,
        "output_tokens": entry.usage.output_tokens,
        "cost_usd": entry.cost_usd,
        "findings": _findings_json(entry.findings),
        "score": entry.score,
        "updated_at": entry.updated_at or now,
    }


def _journal_entry(row: sa.Row[Any]) -> JournalEntry:
    return JournalEntry(
        key=row.key,
        source_lang=row.source_lang,
        target_lang=row.target_lang,
        source=row.source,
        text=row.target,
        provenance=row.provenance,
        model=row.model,
        key_id=row.key_id,
        usage=Usage(row.input_tokens, row.output_tokens),
        cost_usd=row.cost_usd,
        findings=tuple(Finding(**f) for f in json.loads(row.findings)),
        score=row.score,
        updated_at=row.updated_at,
    )


def _job(row: sa.Row[Any]) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        spec=json.loads(row.spec),
        status=row.status,
        pid=row.runner_pid,
        host=row.runner_host,
        error=row.error,
        totals=json.loads(row.totals),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def upsert_journal(conn: Connection, job_id: int, entries: Sequence[JournalEntry]) -> None:
    """Write ``entries`` into job ``job_id``'s journal in the caller's transaction."""
    now = utcnow()
    rows = [_journal_row(job_id, e, now) for e in entries]
    for batch in chunked(rows, BATCH):
        upsert(conn, journal_table, batch, key=["job_id", "key"], update=_JOURNAL_UPDATED)


class JobStore:
    """Jobs, their files and their per-segment journal."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def create(
        self,
        kind: str,
        spec: Mapping[str, Any],
        *,
        pid: int | None = None,
        host: str | None = None,
        totals: Mapping[str, Any] | None = None,
    ) -> Job:
        """Store a new ``running`` job run by process ``pid`` on ``host``; return it."""
        now = utcnow()
        values = {
            "kind": kind,
            "spec": json.dumps(dict(spec), ensure_ascii=False, sort_keys=True),
            "status": "running",
            "runner_pid": pid,
            "runner_host": host,
            "error": "",
            "totals": json.dumps(dict(totals or {}), ensure_ascii=False, sort_keys=True),
            "created_at": now,
            "updated_at": now,
        }
        with self._db.write() as conn:
            job_id = conn.execute(
                sa.insert(jobs_table).values(values).returning(jobs_table.c.id)
            ).scalar_one()
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        """Return job ``job_id``; raise :class:`UnknownJobError` when there is none."""
        with self._db.read() as conn:
            row = conn.execute(sa.select(jobs_table).where(jobs_table.c.id == job_id)).first()
        if row is None:
            raise UnknownJobError(job_id)
        return _job(row)

    def recent(self, limit: int | None = None) -> list[Job]:
        """Return the jobs, newest first, at most ``limit`` of them."""
        query = sa.select(jobs_table).order_by(jobs_table.c.id.desc()).limit(limit)
        with self._db.read() as conn:
            return [_job(row) for row in conn.execute(query)]

    def status(self, job_id: int) -> str:
        """Return job ``job_id``'s stored status (one cheap query, for checks between chunks)."""
        query = sa.select(jobs_table.c.status).where(jobs_table.c.id == job_id)
        with self._db.read() as conn:
            status = conn.execute(query).scalar()
        if status is None:
            raise UnknownJobError(job_id)
        return str(status)

    def update(self, job_id: int, **values: Any) -> Job:
        """Change some of ``status``, ``error``, ``pid``, ``host``, ``spec``, ``totals``."""
        columns = {"pid": "runner_pid", "host": "runner_host"}
        row = {columns.get(name, name): value for name, value in values.items()}
        for name in ("spec", "totals"):
            if name in row:
                row[name] = json.dumps(dict(row[name]), ensure_ascii=False, sort_keys=True)
        unknown = set(row) - set(jobs_table.c.keys())
        if unknown:
            raise ValueError(f"Unknown job fields: {', '.join(sorted(unknown))}")
        row["updated_at"] = utcnow()
        query = sa.update(jobs_table).where(jobs_table.c.id == job_id).values(row)
        with self._db.write() as conn:
            if conn.execute(query).rowcount == 0:
                raise UnknownJobError(job_id)
        return self.get(job_id)

    def mark(
        self, job_id: int, status: JobStatus, error: str = "", *, unless: Iterable[str] = ()
    ) -> bool:
        """Set the status (and error) unless the stored status is in ``unless``; say if set."""
        c = jobs_table.c
        query = sa.update(jobs_table).where(c.id == job_id)
        skip = list(unless)
        if skip:
            query = query.where(c.status.not_in(skip))
        values = {"status": status, "error": error, "updated_at": utcnow()}
        with self._db.write() as conn:
            return bool(conn.execute(query.values(values)).rowcount)

    def record_file(self, job_id: int, result: JobFile) -> None:
        """Store the latest result of one file of the job."""
        row = {
            "job_id": job_id,
            "path": result.path,
            "status": result.status,
            "error": result.error,
            "segments": result.segments,
            "findings": result.findings,
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "updated_at": result.updated_at or utcnow(),
        }
        with self._db.write() as conn:
            upsert(conn, files_table, [row], key=["job_id", "path"], update=_FILE_UPDATED)

    def files(self, job_id: int) -> list[JobFile]:
        """Return the job's files in path order."""
        c = files_table.c
        query = sa.select(files_table).where(c.job_id == job_id).order_by(c.path)
        with self._db.read() as conn:
            return [
                JobFile(
                    r.path,
                    r.status,
                    r.error,
                    r.segments,
                    r.findings,
                    r.input_tokens,
                    r.output_tokens,
                    r.updated_at,
                )
                for r in conn.execute(query)
            ]

    def journal(self, job_id: int, keys: Iterable[str]) -> dict[str, JournalEntry]:
        """Return the journal entries of job ``job_id`` among ``keys``, by key."""
        c = journal_table.c
        found: dict[str, JournalEntry] = {}
        with self._db.read() as conn:
            for batch in chunked(sorted(set(keys)), BATCH):
                query = sa.select(journal_table).where(c.job_id == job_id, c.key.in_(batch))
                found.update((row.key, _journal_entry(row)) for row in conn.execute(query))
        return found

    def add_journal(self, job_id: int, entries: Sequence[JournalEntry]) -> None:
        """Write ``entries`` into the journal in one transaction."""
        if entries:
            with self._db.write() as conn:
                upsert_journal(conn, job_id, entries)

    def set_scores(self, job_id: int, scores: Mapping[str, float]) -> None:
        """Attach quality scores to journal entries, by segment key."""
        c = journal_table.c
        query = (
            sa.update(journal_table)
            .where(c.job_id == job_id, c.key == sa.bindparam("k"))
            .values(score=sa.bindparam("s"))
        )
        with self._db.write() as conn:
            if scores:
                conn.execute(query, [{"k": k, "s": s} for k, s in sorted(scores.items())])

    def progress(self, job_id: int) -> list[LanguageProgress]:
        """Sum the journal per target language (segments by provenance, tokens, cost)."""
        c = journal_table.c
        query = (
            sa.select(
                c.target_lang,
                c.provenance,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(c.input_tokens), 0),
                sa.func.coalesce(sa.func.sum(c.output_tokens), 0),
                sa.func.coalesce(sa.func.sum(c.cost_usd), 0.0),
            )
            .where(c.job_id == job_id)
            .group_by(c.target_lang, c.provenance)
            .order_by(c.target_lang, c.provenance)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        languages: dict[str, list[Any]] = {}
        for target, provenance, count, tokens_in, tokens_out, cost in rows:
            entry = languages.setdefault(target, [0, {}, 0, 0, 0.0])
            entry[0] += count
            entry[1][provenance] = count
            entry[2] += tokens_in
            entry[3] += tokens_out
            entry[4] += cost
        return [
            LanguageProgress(t, n, p, int(i), int(o), float(usd))
            for t, (n, p, i, o, usd) in languages.items()
        ]
