"""``--engine auto`` from the command line: the engine is chosen by stored evaluation results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lingoflow.evaluation import EvalResult
from lingoflow.storage import Storage
from lingoflow.storage.evals import EvalStore
from tests.cli.conftest import RunCLI

pytestmark = pytest.mark.apertium


def _stored(engine: str, model: str, chrf: float) -> EvalResult:
    return EvalResult(
        engine=engine,
        model=model,
        source="en",
        target="es",
        segments=50,
        bleu=chrf / 3,
        chrf=chrf,
        bleu_signature="nrefs:1|tok:13a",
        chrf_signature="nrefs:1|nc:6",
        seconds_per_segment=0.5,
        input_tokens=0,
        output_tokens=0,
        sources_hash="src",
        references_hash="ref",
        version="0.1.0",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(("apertium_chrf", "chosen"), [(49.1, "apertium"), (30.0, "local")])
def test_auto_takes_the_engine_with_the_best_stored_chrf(
    run_cli: RunCLI, tmp_path: Path, apertium_chrf: float, chosen: str
) -> None:
    url = f"sqlite:///{tmp_path / 'evals.db'}"
    with Storage.open(url) as storage:
        store = EvalStore(storage.database)
        store.add(_stored("apertium", "apertium eng-spa", apertium_chrf))
        store.add(_stored("local", "qwen2.5-0.5b", 43.2))
    # --dry-run builds the translator (and so routes) without translating anything.
    source = tmp_path / "note.txt"
    source.write_text("The house is red.\n", encoding="utf-8")
    result = run_cli(
        "translate-file",
        str(source),
        "--from",
        "en",
        "--to",
        "es",
        "--engine",
        "auto",
        "--db",
        url,
        "--dry-run",
    )
    assert result.returncode == 0, result.stderr
    assert f"chose {chosen}" in result.stderr
