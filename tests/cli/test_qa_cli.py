"""``lingoflow qa`` run as a user would: table, JSON, exit codes and errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import RunCLI

DATA = Path(__file__).parents[1] / "qa" / "data" / "bilingual"
TSV = str(DATA / "ntrex-en-de.tsv")


def test_table_and_summary_exit_1_on_critical(run_cli: RunCLI) -> None:
    result = run_cli("qa", TSV, "--from", "en", "--to", "de")
    assert result.returncode == 1, result.stderr
    for text in ("line/id", "numbers", "wrong-language", "untranslated", "critical"):
        assert text in result.stdout
    assert "6 pair(s) checked (en→de, tsv); 4 finding(s): 3 critical, 1 major" in result.stdout


def test_json_with_only_and_glossary_exit_0_without_critical(run_cli: RunCLI) -> None:
    result = run_cli(
        "qa", TSV, "--from", "en", "--to", "de", "--only", "numbers,glossary",
        "--glossary", str(DATA / "glossary.csv"), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == {
        "by_severity": {"critical": 0, "major": 3, "minor": 0},
        "by_check": {"glossary": 2, "numbers": 1},
    }
    assert [(f["line"], f["check"]) for f in report["findings"]] == [
        (4, "numbers"),
        (5, "glossary"),
        (7, "glossary"),
    ]
    assert report["critical"] is False


def test_empty_file_has_nothing_to_check(run_cli: RunCLI, tmp_path: Path) -> None:
    empty = tmp_path / "empty.po"
    empty.write_text('msgid ""\nmsgstr ""\n"Language: de\\n"\n\nmsgid "Hello"\nmsgstr ""\n')
    result = run_cli("qa", str(empty), "--from", "en", "--to", "de")
    assert result.returncode == 0, result.stderr
    assert "nothing to check (1 untranslated skipped)" in result.stdout


def test_bad_input_is_one_error_line(run_cli: RunCLI, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("one\teins\ntwo zwei\n", encoding="utf-8")
    result = run_cli("qa", str(bad), "--from", "en", "--to", "de")
    assert result.returncode == 1
    assert "bad.tsv, line 2:" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("qa", TSV, "--from", "en", "--to", "de", "--skip", "nope")
    assert result.returncode == 1
    assert "Unknown QA check(s) nope" in result.stderr
    result = run_cli("qa", str(tmp_path / "x.csv"), "--from", "en", "--to", "de")
    assert result.returncode == 1
    assert "unsupported file type '.csv'" in result.stderr
