"""``lingoflow review`` as a user runs it: a flagged segment from a real run, edited, re-run."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.storage import ReviewItem, Storage
from lingoflow.types import Finding
from tests.cli.conftest import RunCLI
from tests.fakes.dashscope import FakeDashScope
from tests.qa.conftest import LINES, real

GOOD = {real(line, "en"): real(line, "de") for line in LINES}
BAD = real(LINES[1], "en")
FIXED = GOOD[BAD]
COPY = Finding("untranslated", "critical", "The translation is the source text, unchanged.")


def copies_one(text: str, options: Mapping[str, Any]) -> str:
    """Translate the NTREX lines as their translators did, but leave ``BAD`` in English."""
    return text if text == BAD else GOOD.get(text, f"[{options['target_lang']}] {text}")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope(translate=copies_one) as server:
        yield server


@pytest.fixture
def env(fake: FakeDashScope, tmp_path: Path) -> dict[str, str]:
    fake.reset()
    return {
        "DASHSCOPE_API_KEY": fake.api_key,
        "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url,
        "LINGOFLOW_HOME": str(tmp_path / "home"),
    }


def translate_file(run_cli: RunCLI, env: dict[str, str], path: Path) -> None:
    args = ["translate-file", str(path), "--to", "de", "--from", "en", "--engine", "qwen-mt"]
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stderr


def queue(run_cli: RunCLI, env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    result = run_cli("review", "list", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    items: list[dict[str, Any]] = json.loads(result.stdout)
    return items


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "news.txt"
    path.write_text("\n\n".join(GOOD) + "\n", encoding="utf-8")
    return path


def test_a_flagged_segment_is_queued_edited_and_written_by_the_next_run(
    run_cli: RunCLI, env: dict[str, str], document: Path, fake: FakeDashScope
) -> None:
    translate_file(run_cli, env, document)
    output = document.with_name("news_de.txt")
    assert BAD in output.read_text(encoding="utf-8")

    (item,) = queue(run_cli, env)
    assert (item["source"], item["machine_text"], item["status"]) == (BAD, BAD, "pending")
    assert item["score"] <= 20
    assert "untranslated" in {f["check"] for f in item["findings"]}
    assert item["job"] is not None
    assert item["memory"] == "reviewed"

    shown = run_cli("review", "show", str(item["id"]), env=env)
    assert shown.returncode == 0, shown.stderr
    assert f"source:      {BAD}" in shown.stdout
    assert "untranslated" in shown.stdout

    edited = run_cli("review", "edit", str(item["id"]), "--text", FIXED, env=env)
    assert edited.returncode == 0, edited.stderr
    assert "edited" in edited.stdout
    assert queue(run_cli, env) == []

    fake.reset()
    translate_file(run_cli, env, document)
    text = output.read_text(encoding="utf-8")
    assert FIXED in text
    assert BAD not in text
    assert fake.requests == []  # everything else comes from the cache, the edit from the TM
    (done,) = queue(run_cli, env, "--status", "all")
    assert (done["status"], done["final_text"]) == ("edited", FIXED)


def seed(env: dict[str, str], *sources: str) -> Storage:
    """Queue ``sources`` (with the machine text left in English) in the CLI's database."""
    storage = Storage.open(home=env["LINGOFLOW_HOME"])
    storage.review.add_many(
        [
            ReviewItem(f"key-{i}", "en", "de", text, text, "reviewed", findings=(COPY,), score=20.0)
            for i, text in enumerate(sources)
        ]
    )
    return storage


def run_library(fake: FakeDashScope, storage: Storage, text: str) -> str:
    """Translate ``text`` in this process with the CLI's database, as a second run would."""
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    with Translator("qwen-mt", config, storage=storage) as translator:
        return translator.translate(text, to="de", source="en").text


def test_approve_and_reject_decide_what_the_next_run_does(
    run_cli: RunCLI, env: dict[str, str], fake: FakeDashScope
) -> None:
    with Storage.open(home=env["LINGOFLOW_HOME"]) as storage:
        assert run_library(fake, storage, BAD) == BAD
        (item,) = storage.review.items()
        result = run_cli("review", "reject", str(item.id), "--note", "English", env=env)
        assert result.returncode == 0, result.stderr
        assert "translates it again" in result.stdout

        fake.reset()
        assert run_library(fake, storage, BAD) == BAD
        assert len(fake.requests) == 1  # the rejected output was not reused
        (again,) = storage.review.items(status="pending")
        result = run_cli("review", "approve", str(again.id), env=env)
        assert result.returncode == 0, result.stderr

        fake.reset()
        assert run_library(fake, storage, BAD) == BAD  # approved as it is: from the TM now
        assert fake.requests == []
        assert [i.status for i in storage.review.items()] == ["rejected", "approved"]
        again_result = run_cli("review", "approve", str(again.id), env=env)
    assert again_result.returncode == 1
    assert "already approved" in again_result.stderr


def test_edit_with_an_editor(run_cli: RunCLI, env: dict[str, str], tmp_path: Path) -> None:
    seed(env, BAD).close()
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "{FIXED}" > "$1"\n', encoding="utf-8")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)

    result = run_cli("review", "edit", "1", "--editor", env={**env, "EDITOR": str(editor)})

    assert result.returncode == 0, result.stderr
    (done,) = queue(run_cli, env, "--status", "edited")
    assert done["final_text"] == FIXED


def test_an_empty_queue_says_so_and_succeeds(run_cli: RunCLI, env: dict[str, str]) -> None:
    result = run_cli("review", "list", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The review queue has no pending items."
    result = run_cli("review", "list", "--status", "all", "--job", "4", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The review queue has no items for job 4."


def test_the_table_lists_pending_items(run_cli: RunCLI, env: dict[str, str]) -> None:
    seed(env, BAD, "Second sentence.").close()
    result = run_cli("review", "list", env={**env, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "untranslated" in result.stdout
    assert "Second sentence." in result.stdout
    assert "en→de" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["show", "9"], "Unknown review item 9.", id="show-unknown"),
        pytest.param(["edit", "9", "--text", "x"], "Unknown review item 9.", id="edit-unknown"),
        pytest.param(["edit", "9"], "--text TEXT or --editor", id="edit-without-text"),
        pytest.param(["list", "--status", "done"], "--status must be", id="bad-status"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    run_cli: RunCLI, env: dict[str, str], args: list[str], message: str
) -> None:
    result = run_cli("review", *args, env=env)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
