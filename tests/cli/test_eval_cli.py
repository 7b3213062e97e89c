"""``lingoflow eval``, run as a user runs it: scores equal sacrebleu's, results are stored."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import RunCLI
from tests.fakes.dashscope import FakeDashScope

DATA = Path(__file__).parents[1] / "data" / "eval"
SRC, REF = DATA / "ntrex-eng.txt", DATA / "ntrex-spa.txt"
SCORE_LINE = re.compile(r"^\s*(BLEU|chrF2)\|(\S+) = (\d+\.\d)$", re.MULTILINE)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


def _qwen_env(fake: FakeDashScope) -> dict[str, str]:
    return {"DASHSCOPE_API_KEY": fake.api_key, "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url}


def _sacrebleu(hypotheses: Path, *options: str) -> list[float]:
    """Return sacrebleu's own BLEU and chrF for ``hypotheses`` against the NTREX reference."""
    command = [sys.executable, "-m", "sacrebleu", str(REF), "-i", str(hypotheses)]
    proc = subprocess.run(
        [*command, "-m", "bleu", "chrf", "-b", *options],
        capture_output=True,
        text=True,
        check=True,
    )
    scores: list[float] = json.loads(proc.stdout)
    return scores


@pytest.mark.apertium
def test_printed_scores_equal_sacrebleus_command(run_cli: RunCLI, tmp_path: Path) -> None:
    hyp = tmp_path / "hyp.txt"
    args = ["--engine", "apertium", "--from", "en", "--to", "es", "--src", str(SRC)]
    result = run_cli("eval", *args, "--ref", str(REF), "--output", str(hyp))
    assert result.returncode == 0, result.stderr
    printed = SCORE_LINE.findall(result.stdout)
    assert [name for name, _, _ in printed] == ["BLEU", "chrF2"]
    assert [float(score) for _, _, score in printed] == _sacrebleu(hyp)
    assert "tok:13a" in printed[0][1]
    assert "20 segments" in result.stdout
    assert len(hyp.read_text(encoding="utf-8").splitlines()) == 20

    stored = run_cli("eval", "--history", "--json")
    [row] = json.loads(stored.stdout)
    assert [round(row["bleu"], 4), round(row["chrf"], 4)] == _sacrebleu(hyp, "-w", "4")
    assert row["bleu_signature"] == f"BLEU|{printed[0][1]}"


def test_results_are_stored_and_listed(run_cli: RunCLI, fake: FakeDashScope) -> None:
    env = _qwen_env(fake)
    args = ["--engine", "qwen-mt", "--from", "en", "--to", "es", "--src", str(SRC)]
    first = run_cli("eval", *args, "--ref", str(REF), "--limit", "3", "--json", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert (data["engine"], data["source"], data["target"], data["segments"]) == (
        "qwen-mt",
        "en",
        "es",
        3,
    )
    assert data["input_tokens"] > 0
    assert data["output_tokens"] > 0
    assert data["chrf_signature"].startswith("chrF2|nrefs:1|")
    second = run_cli("eval", *args, "--ref", str(REF), "--limit", "2", env=env)
    assert second.returncode == 0, second.stderr

    history = run_cli("eval", "--history", "--json")
    assert [r["segments"] for r in json.loads(history.stdout)] == [2, 3]
    listed = run_cli("eval", "--history")
    assert listed.stdout.count("qwen-mt (qwen-mt") == 2
    assert len(SCORE_LINE.findall(listed.stdout)) == 4


def test_empty_history_says_so(run_cli: RunCLI) -> None:
    result = run_cli("eval", "--history")
    assert result.returncode == 0
    assert "No evaluations stored yet" in result.stdout


@pytest.mark.parametrize(
    ("src", "ref", "message"),
    [
        pytest.param(
            "a\nb\nc\n",
            "x\ny\n",
            "The reference has 2 lines but the source has 3",
            id="reference-shorter",
        ),
        pytest.param("a\n\nc\n", "x\ny\nz\n", "misaligned at line 2", id="misaligned"),
        pytest.param("", "x\n", "source file .* is empty", id="empty"),
    ],
)
def test_bad_test_sets_fail_before_translating(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path, src: str, ref: str, message: str
) -> None:
    (tmp_path / "src.txt").write_text(src, encoding="utf-8")
    (tmp_path / "ref.txt").write_text(ref, encoding="utf-8")
    before = len(fake.requests)
    result = run_cli(
        "eval",
        *("--engine", "qwen-mt", "--from", "en", "--to", "es"),
        *("--src", str(tmp_path / "src.txt"), "--ref", str(tmp_path / "ref.txt")),
        env=_qwen_env(fake),
    )
    assert result.returncode == 1
    assert re.search(message, " ".join(result.stderr.split()))
    assert "Traceback" not in result.stderr
    assert len(fake.requests) == before


def test_missing_options_are_explained(run_cli: RunCLI) -> None:
    result = run_cli("eval", "--from", "en", "--to", "es")
    assert result.returncode == 1
    assert "needs --from, --to, --src and --ref" in result.stderr


@pytest.mark.apertium
def test_engine_that_cannot_do_the_pair_is_refused(run_cli: RunCLI) -> None:
    args = ["--engine", "apertium", "--from", "en", "--to", "ko", "--src", str(SRC)]
    result = run_cli("eval", *args, "--ref", str(REF))
    assert result.returncode == 1
    assert "cannot translate English → Korean" in " ".join(result.stderr.split())
    assert json.loads(run_cli("eval", "--history", "--json").stdout) == []


def test_engine_that_cannot_run_here_is_refused_in_one_line(run_cli: RunCLI) -> None:
    args = ["--engine", "qwen-mt", "--from", "en", "--to", "es", "--src", str(SRC)]
    result = run_cli("eval", *args, "--ref", str(REF))  # run_cli drops DASHSCOPE_API_KEY
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: Engine 'qwen-mt' cannot run here: no API key: set DASHSCOPE_API_KEY"
    )
    assert json.loads(run_cli("eval", "--history", "--json").stdout) == []
