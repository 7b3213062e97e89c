"""``lingoflow tm``, run as a user runs it: SQLite in the tmp home, and PostgreSQL once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lingoflow.cli import tm as tm_cli
from lingoflow.storage import DEFAULT_MEMORY
from lingoflow.tmx import read_tmx
from tests.cli.conftest import RunCLI
from tests.storage.conftest import PG_SERVER, admin, postgres_unreachable

DATA = Path(__file__).parent / "data"
MEMORY = str(DATA / "memory.tmx")


def run_json(run_cli: RunCLI, *args: str) -> Any:
    """Run a command that prints JSON; return the data, failing with its stderr."""
    result = run_cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def units(path: Path | str) -> set[tuple[str | None, frozenset[tuple[str, str]]]]:
    """Return each unit of a TMX file as (source, its variants)."""
    return {(u.source, frozenset(u.variants.items())) for u in read_tmx(path)}


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Yield a PostgreSQL URL whose search path is a fresh schema, dropped afterwards."""
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"lf_cli_{uuid.uuid4().hex[:16]}"
    admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        admin(f'DROP SCHEMA "{schema}" CASCADE')


def test_the_cli_default_memory_is_the_stores() -> None:
    assert tm_cli.DEFAULT_MEMORY == DEFAULT_MEMORY


def test_tmx_import_stats_search_and_export(run_cli: RunCLI, tmp_path: Path) -> None:
    report = run_json(run_cli, "tm", "import", MEMORY, "--memory", "acme")
    assert (report["units"], report["entries"], report["unknown_languages"]) == (4, 5, {"tlh": 1})
    counts = {(p["source_lang"], p["target_lang"]): p["entries"] for p in report["memory_pairs"]}
    assert counts == {("en", "de"): 3, ("en", "fr"): 1, ("en", "ja"): 1}
    assert run_json(run_cli, "tm", "stats") == [
        {"memory": "acme", "entries": 5, "pairs": report["memory_pairs"]}
    ]

    hits = run_json(run_cli, "tm", "search", "CHANGES", "-m", "acme")
    assert {(h["target_lang"], h["source"]) for h in hits} == {
        ("de", "Click Save to keep your changes."),
        ("fr", "Click Save to keep your changes."),
        ("de", "Your changes were saved."),
    }
    fuzzy = run_json(
        run_cli,
        "tm",
        "search",
        "Click Save to keep the changes",
        "--fuzzy",
        "--from",
        "English",
        "--to",
        "de-DE",
        "-m",
        "acme",
    )
    assert [(m["target"], m["score"] > 0.8) for m in fuzzy] == [
        ("Klicken Sie auf Speichern, um Ihre Änderungen zu behalten.", True)
    ]
    assert run_cli("tm", "search", "zzz", "-m", "acme").stdout == "No matches in memory 'acme'.\n"

    exported = tmp_path / "acme.tmx"
    result = run_cli("tm", "export", str(exported), "--from", "en", "-m", "acme")
    assert result.stdout == f"Wrote 4 unit(s) of memory 'acme' to {exported}.\n"
    assert units(exported) == units(MEMORY)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["import", str(DATA / "malformed.tmx")],
            "malformed.tmx:8: malformed XML: Opening and ending tag mismatch",
            id="malformed-tmx",
        ),
        pytest.param(
            ["stats", "--db", "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x"],
            "Cannot open database postgresql+psycopg://nobody:***@127.0.0.1:1/x",
            id="unreachable-database",
        ),
        pytest.param(
            ["search", "Save", "--fuzzy", "--from", "en"],
            "--fuzzy needs the pair to search: add --from LANG --to LANG.",
            id="fuzzy-without-pair",
        ),
    ],
)
def test_bad_tm_input_is_one_clear_line(run_cli: RunCLI, args: list[str], expected: str) -> None:
    result = run_cli("tm", *args)
    assert result.returncode == 1
    assert expected in result.stderr
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.postgres
def test_glossary_and_tm_on_postgresql(run_cli: RunCLI, pg_url: str) -> None:
    glossary = str(DATA / "glossary.csv")
    imported = run_cli(
        "glossary", "import", glossary, "-n", "ui", "-f", "en", "-t", "es", "--db", pg_url
    )
    assert imported.returncode == 0, imported.stderr
    assert run_json(run_cli, "glossary", "list", "--db", pg_url)[0]["entries"] == 6
    assert run_json(run_cli, "tm", "import", MEMORY, "--db", pg_url)["entries"] == 5
    hits = run_json(run_cli, "tm", "search", "changes", "--db", pg_url)
    assert len(hits) == 3
    stats = run_json(run_cli, "tm", "stats", "--db", pg_url)
    assert [(s["memory"], s["entries"]) for s in stats] == [("default", 5)]
