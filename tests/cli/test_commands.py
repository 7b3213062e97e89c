"""The CLI's commands, run as a user runs them (a real subprocess)."""

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


def _qwen_env(fake: FakeDashScope) -> dict[str, str]:
    return {"DASHSCOPE_API_KEY": fake.api_key, "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url}


def test_translate_into_several_languages_as_json(run_cli: RunCLI, fake: FakeDashScope) -> None:
    result = run_cli(
        "translate",
        "Hello, how can I help you today?",
        "--to",
        "ko,ja,es",
        "--engine",
        "qwen-mt",
        "--model",
        "plus",
        "--json",
        env=_qwen_env(fake),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["detected_source"]["language"] == "en"
    assert [t["target"] for t in data["translations"]] == ["ko", "ja", "es"]
    first = data["translations"][0]
    assert first["text"] == "[Korean] Hello, how can I help you today?"
    assert (first["engine"], first["model"], first["source"]) == ("qwen-mt", "qwen-mt-plus", "en")
    assert first["usage"]["input_tokens"] > 0
    assert first["usage"]["output_tokens"] > 0


def test_translate_reads_standard_input_and_prints_plain_text(
    run_cli: RunCLI, fake: FakeDashScope
) -> None:
    result = run_cli(
        "translate",
        "--to",
        "de",
        "--from",
        "en",
        "--engine",
        "qwen-mt",
        stdin="Good morning.\n",
        env=_qwen_env(fake),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[German] Good morning.\n"


def test_upstream_rejection_of_the_key_is_explained(run_cli: RunCLI, fake: FakeDashScope) -> None:
    env = {**_qwen_env(fake), "DASHSCOPE_API_KEY": "sk-wrong"}
    result = run_cli("translate", "Hello", "--to", "de", "--engine", "qwen-mt", env=env)
    assert result.returncode == 1
    assert "HTTP 401" in result.stderr
    assert "DASHSCOPE_API_KEY" in result.stderr
    assert "sk-wrong" not in result.stderr


@pytest.mark.parametrize("failure", ["rate_limit", "server_error"])
def test_one_upstream_failure_is_retried(
    run_cli: RunCLI, fake: FakeDashScope, failure: str
) -> None:
    fake.reset()
    fake.inject(failure, times=1, retry_after=0)  # type: ignore[arg-type]
    result = run_cli("translate", "Hello", "--to", "de", "--engine", "qwen-mt", env=_qwen_env(fake))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[German] Hello\n"
    assert len(fake.requests) == 2  # the failed request and its retry


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        pytest.param("rate_limit", "HTTP 429", id="429"),
        pytest.param("server_error", "HTTP 500", id="500"),
    ],
)
def test_upstream_errors_say_what_happened_when_retries_run_out(
    run_cli: RunCLI, fake: FakeDashScope, failure: str, expected: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[engines.qwen-mt]\nretries = 1\nbackoff = 0\n", encoding="utf-8")
    fake.reset()
    fake.inject(failure, times=2, retry_after=0)  # type: ignore[arg-type]
    env = {**_qwen_env(fake), "LINGOFLOW_CONFIG": str(config)}
    result = run_cli("translate", "Hello", "--to", "de", "--engine", "qwen-mt", env=env)
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(fake.requests) == 2


def test_languages_json_lists_the_92_with_engines(run_cli: RunCLI) -> None:
    result = run_cli("languages", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 92
    korean = next(r for r in rows if r["code"] == "ko")
    assert korean == {
        "name": "Korean",
        "code": "ko",
        "bcp47": "ko",
        "autonym": "한국어",
        "engines": korean["engines"],
    }
    assert "local" in korean["engines"]
    assert "qwen-mt" not in korean["engines"]


def test_detect_prints_language_and_confidence(run_cli: RunCLI) -> None:
    result = run_cli("detect", "Dies ist ein ganz normaler deutscher Satz.", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "de"
    assert 0.5 < data["confidence"] <= 1.0


def test_engines_say_why_qwen_mt_is_unusable_without_a_key(run_cli: RunCLI) -> None:
    result = run_cli("engines", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["qwen-mt"]["usable"] is False
    assert "DASHSCOPE_API_KEY" in rows["qwen-mt"]["detail"]
    assert rows["openai"]["usable"] is False
    assert rows["local"]["default"] is True


def test_engines_with_a_key_make_qwen_mt_usable(run_cli: RunCLI, fake: FakeDashScope) -> None:
    result = run_cli("engines", "--json", env=_qwen_env(fake))
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["qwen-mt"]["usable"] is True
    assert rows["qwen-mt"]["model"] == "qwen-mt-flash"
