"""The acceptance case of the foundation: translate offline, with no key, into three languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.conftest import RunCLI
from tests.engines.llama_server import require_llama_cpp, shared_home

SOURCE = "Hello, how can I help you today?"
SCRIPTS = {
    "ko": re.compile(r"[\uac00-\ud7a3]"),  # Hangul syllables
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),  # kana or kanji
    "es": re.compile(r"[a-záéíóúñ¿¡]", re.IGNORECASE),
}


@pytest.mark.model
def test_translate_offline_into_korean_japanese_and_spanish(
    run_cli: RunCLI, pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    require_llama_cpp()
    env = {"LINGOFLOW_HOME": str(shared_home(pytestconfig))}
    result = run_cli(
        "translate",
        SOURCE,
        "--to",
        "ko,ja,es",
        "--json",
        "--db",
        f"sqlite:///{tmp_path}/t.db",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["detected_source"]["language"] == "en"
    for item in data["translations"]:
        assert (item["engine"], item["model"]) == ("local", "qwen2.5-0.5b")
        assert item["text"].strip()
        assert item["text"] != SOURCE
        assert SCRIPTS[item["target"]].search(item["text"]), item
        assert item["usage"]["input_tokens"] > 0
        assert item["usage"]["output_tokens"] > 0
    assert [t["target"] for t in data["translations"]] == ["ko", "ja", "es"]
