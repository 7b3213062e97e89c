"""The QA options of a run from the command line: checks skipped, threshold, similarity mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import RunCLI
from tests.fakes.dashscope import FakeDashScope


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


def _env(fake: FakeDashScope) -> dict[str, str]:
    return {"DASHSCOPE_API_KEY": fake.api_key, "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url}


def test_translate_json_carries_scores_and_skipped_checks_stay_silent(
    run_cli: RunCLI, fake: FakeDashScope
) -> None:
    # The fake "translates" into "[German] The weather is lovely today.": English text.
    args = ["translate", "The weather is lovely today.", "--from", "en", "--to", "de"]
    args += ["--engine", "qwen-mt", "--json", "--no-cache"]  # cached segments are not re-checked
    checked = run_cli(*args, env=_env(fake))
    skipped = run_cli(*args, "--skip-checks", "wrong-language,untranslated", env=_env(fake))

    assert checked.returncode == 0, checked.stderr
    assert skipped.returncode == 0, skipped.stderr
    (first,) = json.loads(checked.stdout)["translations"][0]["segments"]
    (second,) = json.loads(skipped.stdout)["translations"][0]["segments"]
    assert "wrong-language" in {f["check"] for f in first["findings"]}
    assert first["score"] <= 20  # a critical finding caps it
    assert not {"wrong-language", "untranslated"} & {f["check"] for f in second["findings"]}
    assert second["score"] > first["score"]


def test_a_job_keeps_its_qa_options_for_resume(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path
) -> None:
    document = tmp_path / "note.txt"
    document.write_text("The weather is lovely today.\n", encoding="utf-8")
    result = run_cli(
        "translate-file", str(document), "--from", "en", "--to", "de", "--engine", "qwen-mt",
        "--skip-checks", "wrong-language", "--review-threshold", "75", "--similarity", "off",
        "--json", env=_env(fake),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    shown = run_cli("jobs", "show", str(job), "--json", env=_env(fake))
    assert shown.returncode == 0, shown.stderr
    spec = json.loads(shown.stdout)["spec"]
    assert (spec["skip_checks"], spec["review_threshold"], spec["similarity"]) == (
        ["wrong-language"],
        75,
        "off",
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--skip-checks", "spelling"], "Unknown QA check(s) spelling"),
        (["--similarity", "maybe"], "auto, on or off"),
    ],
)
def test_bad_qa_options_are_one_line(
    run_cli: RunCLI, fake: FakeDashScope, option: list[str], message: str
) -> None:
    result = run_cli("translate", "Hello", "--to", "de", "--engine", "qwen-mt", *option)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
