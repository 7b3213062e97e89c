"""The evaluation results store, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lingoflow.evaluation import EvalResult
from lingoflow.storage import Database
from lingoflow.storage.evals import EvalStore

RESULT = EvalResult(
    engine="qwen-mt",
    model="qwen-mt-plus",
    source="en",
    target="es",
    segments=20,
    bleu=23.456789,
    chrf=51.25,
    bleu_signature="nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
    chrf_signature="nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0",
    seconds_per_segment=0.125,
    input_tokens=300,
    output_tokens=320,
    sources_hash="a" * 64,
    references_hash="b" * 64,
    version="0.1.0",
    created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
)


def test_results_round_trip_newest_first(database: Database) -> None:
    store = EvalStore(database)
    later = replace(RESULT, engine="apertium", created_at=RESULT.created_at + timedelta(hours=1))
    store.add(RESULT)
    store.add(later)
    assert store.history() == [later, RESULT]
    assert store.history(limit=1) == [later]


def test_empty_history(database: Database) -> None:
    assert EvalStore(database).history() == []


def test_migration_is_recorded(database: Database) -> None:
    with database.read() as conn:
        names = set(conn.execute(sa.text("SELECT name FROM _migrations")).scalars())
    assert {"m001_initial", "m002_eval_results"} <= names
