"""Evaluation results: every ``lingoflow eval`` run, to compare engines and track quality.

Invariants:

- Rows are only added, never changed: a result is a measurement made at ``created_at``.
- :meth:`EvalStore.history` returns the newest first, ties broken by insertion order.
- Hypotheses are not stored; the test set is identified by the hashes of its lines.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lingoflow.evaluation import EvalResult
from lingoflow.storage.db import Database, UTCDateTime

__all__ = ["EvalStore"]

_meta = sa.MetaData()
evals_table = sa.Table(
    "eval_results",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("engine", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
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
    sa.Column("created_at", UTCDateTime, nullable=False),
)


def _row(result: EvalResult) -> dict[str, Any]:
    """Return the table row for ``result``."""
    return {
        "engine": result.engine,
        "model": result.model,
        "source_lang": result.source,
        "target_lang": result.target,
        "segments": result.segments,
        "bleu": result.bleu,
        "chrf": result.chrf,
        "bleu_signature": result.bleu_signature,
        "chrf_signature": result.chrf_signature,
        "seconds_per_segment": result.seconds_per_segment,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "sources_hash": result.sources_hash,
        "references_hash": result.references_hash,
        "lingoflow_version": result.version,
        "created_at": result.created_at,
    }


def _result(row: sa.Row[Any]) -> EvalResult:
    """Return the evaluation result stored in ``row``."""
    return EvalResult(
        engine=row.engine,
        model=row.model,
        source=row.source_lang,
        target=row.target_lang,
        segments=row.segments,
        bleu=row.bleu,
        chrf=row.chrf,
        bleu_signature=row.bleu_signature,
        chrf_signature=row.chrf_signature,
        seconds_per_segment=row.seconds_per_segment,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        sources_hash=row.sources_hash,
        references_hash=row.references_hash,
        version=row.lingoflow_version,
        created_at=row.created_at,
    )


class EvalStore:
    """Stored evaluation results, newest first."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def add(self, result: EvalResult) -> None:
        """Store ``result``."""
        with self._db.write() as conn:
            conn.execute(sa.insert(evals_table).values(_row(result)))

    def history(self, limit: int | None = None) -> list[EvalResult]:
        """Return the stored results, newest first, at most ``limit`` of them."""
        c = evals_table.c
        query = sa.select(evals_table).order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        with self._db.read() as conn:
            return [_result(row) for row in conn.execute(query)]
