"""``translate-file`` and ``translate-dir`` run as a user runs them, against the fake server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import RunCLI
from tests.fakes.dashscope import FakeDashScope

TREE = Path(__file__).parents[1] / "data" / "tree"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


def _env(fake: FakeDashScope) -> dict[str, str]:
    return {"DASHSCOPE_API_KEY": fake.api_key, "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url}


def test_translate_dir_reports_a_bad_file_and_writes_the_rest(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path
) -> None:
    src = Path(shutil.copytree(TREE, tmp_path / "src"))
    (src / "locales" / "broken.json").write_text('{"title": ', encoding="utf-8")
    out = tmp_path / "out"
    args = ["translate-dir", str(src), "--to", "de,es", "--out", str(out), "--from", "en"]

    result = run_cli(*args, "--engine", "qwen-mt", env=_env(fake))

    assert result.returncode == 1, result.stderr
    assert "failed: locales/broken.json" in result.stderr
    assert "files failed" in result.stdout
    assert "files translated" in result.stdout
    assert "[German]" in (out / "de" / "docs" / "guide" / "intro.md").read_text()
    assert "[Spanish]" in (out / "es" / "locales" / "en.json").read_text()
    assert (out / "es" / "media" / "logo.png").is_file()
    assert not (out / "de" / "locales" / "broken.json").exists()

    refused = run_cli("translate-dir", str(src), "--to", "de", "--out", str(src / "out"))
    assert refused.returncode == 1
    assert "inside the input folder" in refused.stderr


def test_translate_file_writes_next_to_the_input(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path
) -> None:
    path = tmp_path / "drama.srt"
    shutil.copy(TREE / "media" / "subs" / "drama.srt", path)

    result = run_cli(
        "translate-file", str(path), "--to", "de,ja", "--engine", "qwen-mt", env=_env(fake)
    )

    assert result.returncode == 0, result.stderr
    assert "[German] Where were you last night?" in (tmp_path / "drama_de.srt").read_text()
    assert "[Japanese]" in (tmp_path / "drama_ja.srt").read_text()


def test_translate_dir_dry_run_calls_no_engine_writes_nothing_and_uses_config_prices(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path
) -> None:
    src = Path(shutil.copytree(TREE, tmp_path / "src"))
    out = tmp_path / "out"
    config = tmp_path / "config.toml"
    config.write_text("[prices.qwen-mt-plus]\ninput = 1000000\noutput = 0\n", encoding="utf-8")
    env = {**_env(fake), "LINGOFLOW_CONFIG": str(config)}
    args = ["translate-dir", str(src), "--to", "de,es", "--out", str(out), "--from", "en"]
    fake.reset()

    result = run_cli(*args, "--engine", "qwen-mt", "--dry-run", "--json", env=env)

    assert result.returncode == 0, result.stderr
    assert fake.requests == []
    assert not out.exists()
    data = json.loads(result.stdout)
    assert data["dry_run"] is True
    assert [t["target"] for t in data["targets"]] == ["de", "es"]
    for target in data["targets"]:
        assert target["files"] == 7
        assert target["segments"] > 0
        assert target["cached"] == 0
        plus = target["cost_usd"]["qwen-mt-plus"]
        assert plus["usd"] == pytest.approx(target["engine_tokens_estimate"])
        assert set(target["cost_usd"]) == {
            "qwen-mt-plus",
            "qwen-mt-flash",
            "qwen-mt-turbo",
            "qwen-mt-lite",
        }

    table = run_cli(*args, "--engine", "qwen-mt", "--dry-run", env=env)
    assert table.returncode == 0, table.stderr
    assert "Dry run estimate" in table.stdout
    assert "cost qwen-mt-flash" in table.stdout
    assert fake.requests == []
    assert not out.exists()


def test_translate_file_dry_run_after_a_real_run_reports_the_cache(
    run_cli: RunCLI, fake: FakeDashScope, tmp_path: Path
) -> None:
    path = tmp_path / "drama.srt"
    shutil.copy(TREE / "media" / "subs" / "drama.srt", path)
    args = ["translate-file", str(path), "--to", "de", "--from", "en", "--engine", "qwen-mt"]
    assert run_cli(*args, env=_env(fake)).returncode == 0
    fake.reset()

    result = run_cli(*args, "--dry-run", "--json", env=_env(fake))

    assert result.returncode == 0, result.stderr
    assert fake.requests == []
    (target,) = json.loads(result.stdout)["targets"]
    assert target["cached"] > 0
    assert target["cached"] + target["copied"] == target["segments"]
    assert target["engine_segments"] == 0
    assert all(cost["usd"] == 0 for cost in target["cost_usd"].values())
