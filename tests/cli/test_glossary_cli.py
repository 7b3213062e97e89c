"""``lingoflow glossary``, run as a user runs it, on a real SQLite file in the tmp home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import RunCLI

DATA = Path(__file__).parent / "data"


def run_json(run_cli: RunCLI, *args: str) -> Any:
    """Run a command that prints JSON; return the data, failing with its stderr."""
    result = run_cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_csv_glossary_round_trips_and_is_deleted(run_cli: RunCLI, tmp_path: Path) -> None:
    imported = run_cli(
        "glossary", "import", str(DATA / "glossary.csv"), "-n", "ui", "-f", "en", "-t", "es"
    )
    assert imported.returncode == 0, imported.stderr
    assert "en→es: 6 entries imported, 1 skipped, 1 warning(s)" in imported.stdout
    assert "version 1" in imported.stdout
    assert "line 7: skipped: no en or no es term" in imported.stderr
    listed = run_json(run_cli, "glossary", "list")
    pairs = [{"source_lang": "en", "target_lang": "es", "entries": 6}]
    assert listed == [{"name": "ui", "version": 1, "entries": 6, "pairs": pairs}]

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert run_cli("glossary", "export", "ui", str(first)).returncode == 0
    again = run_cli("glossary", "import", str(first), "-n", "copy", "-f", "en", "-t", "es")
    assert again.returncode == 0, again.stderr
    assert run_cli("glossary", "export", "copy", str(second), "--from", "en").returncode == 0
    assert second.read_bytes() == first.read_bytes()
    assert "Kubernetes,Kubernetes,Product name.,false,true" in first.read_text(encoding="utf-8")

    assert run_cli("glossary", "delete", "ui").returncode == 0
    assert [g["name"] for g in run_json(run_cli, "glossary", "list")] == ["copy"]


def test_tbx_glossary_with_two_targets_round_trips(run_cli: RunCLI, tmp_path: Path) -> None:
    tbx = str(DATA / "glossary.tbx")
    report = run_json(
        run_cli, "glossary", "import", tbx, "-n", "ms", "-f", "en-US", "-t", "de,zh-Hant"
    )
    assert report["version"] == 1
    assert [(p["target_lang"], p["imported"], p["skipped"]) for p in report["pairs"]] == [
        ("de", 5, 1),
        ("zh_tw", 3, 0),
    ]
    first, second = tmp_path / "first.tbx", tmp_path / "second.tbx"
    assert run_cli("glossary", "export", "ms", str(first)).returncode == 0
    again = run_json(
        run_cli, "glossary", "import", str(first), "-n", "ms", "-f", "en", "-t", "de,zh_tw", "--add"
    )
    assert again["version"] == 2
    assert run_cli("glossary", "export", "ms", str(second), "--format", "TBX").returncode == 0
    assert second.read_bytes() == first.read_bytes()
    listed = run_cli("glossary", "list")
    assert "en→de (5), en→zh_tw (3)" in listed.stdout


def test_listing_no_glossaries_says_how_to_import_one(run_cli: RunCLI) -> None:
    result = run_cli("glossary", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No glossaries yet; import one with `lingoflow glossary import")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["import", str(DATA / "malformed.csv"), "-n", "x", "-f", "en", "-t", "es"],
            "malformed.csv, line 4: 4 cells but the header has 3",
            id="malformed-file",
        ),
        pytest.param(
            ["import", str(DATA / "glossary.csv"), "-n", "x", "-f", "en", "-t", "fr"],
            "has no en→fr terms; it has: en→es",
            id="wrong-pair",
        ),
        pytest.param(
            ["import", str(DATA / "conflicts.csv"), "-n", "x", "-f", "en", "-t", "es"],
            "'server' → 'servidor' (line 2) vs 'camarero' (line 4). Fix the file, or pass "
            "--keep-first",
            id="conflicting-duplicates",
        ),
        pytest.param(
            ["delete", "nope"],
            "Unknown glossary 'nope'. Run `lingoflow glossary list`",
            id="delete-unknown",
        ),
    ],
)
def test_bad_glossary_input_is_one_clear_line(
    run_cli: RunCLI, args: list[str], expected: str
) -> None:
    result = run_cli("glossary", *args)
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_keep_first_imports_conflicting_duplicates_with_warnings(
    run_cli: RunCLI, tmp_path: Path
) -> None:
    conflicts = str(DATA / "conflicts.csv")
    result = run_cli(
        "glossary", "import", conflicts, "-n", "c", "-f", "en", "-t", "es", "--keep-first"
    )
    assert result.returncode == 0, result.stderr
    assert "en→es: 2 entries imported, 0 skipped, 2 warning(s)" in result.stdout
    assert "warning: line 4: conflict, kept the first: 'server' → 'servidor'" in result.stderr
    assert "warning: line 5: duplicate of line 3 dropped: 'file'" in result.stderr
    out = tmp_path / "c.yaml"
    assert run_cli("glossary", "export", "c", str(out)).returncode == 0
    assert "servidor" in out.read_text(encoding="utf-8")
    assert "camarero" not in out.read_text(encoding="utf-8")
