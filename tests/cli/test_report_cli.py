"""``lingoflow report`` in a subprocess, over a real SQLite file a test fills through the stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from lingoflow.storage import JobFile, JournalEntry, Storage
from lingoflow.storage.review import ReviewItem, ReviewStore
from lingoflow.types import Finding, Usage
from tests.cli.conftest import RunCLI

LOST = Finding("placeholder-lost", "critical", "The placeholder {name} is missing.")


def fill(db: Path) -> int:
    """Store a finished two-language job and return its id."""
    with Storage.open(f"sqlite:///{db}") as storage:
        spec = {
            "kind": "tree",
            "path": "/docs",
            "out": "/out",
            "targets": ["es", "de"],
            "source": "en",
            "engine": "local",
            "model": "qwen2.5-0.5b",
        }
        job = storage.jobs.create("tree", spec)
        entries = [
            JournalEntry(
                f"k{i}",
                "en",
                target,
                f"Source {i}",
                f"Target {i}",
                "engine",
                "qwen2.5-0.5b",
                usage=Usage(20, 25),
                score=score,
                findings=(LOST,) if score < 50 else (),
            )
            for i, (target, score) in enumerate(
                [("es", 95.0), ("es", 81.0), ("es", 30.0), ("de", 77.0), ("de", 64.0)]
            )
        ]
        storage.jobs.add_journal(job.id, entries)
        storage.jobs.record_file(job.id, JobFile("guide.md", "translated", 5, 1, 100, 125))
        flagged = ReviewItem(
            "k2", "en", "es", "Source 2", "Target 2", "reviewed", (LOST,), 30.0, job.id, "guide.md"
        )
        ReviewStore(storage.database).add_many([flagged])
        storage.jobs.mark(job.id, "done")
        return job.id


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "jobs.db"
    fill(path)
    return path


def test_markdown_on_standard_output(run_cli: RunCLI, db: Path) -> None:
    result = run_cli("report", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Quality report: job 1 (tree)\n")
    assert "- Segments: 5 (engine 5)" in out
    assert "| Spanish (es) | 3 | 3 | 68.7 |" in out
    assert "| placeholder-lost | critical | 1 | es 1 |" in out
    assert "| 1 | es | guide.md | 30.0 | placeholder-lost | Source 2 | Target 2 |" in out


def test_html_file_with_inline_charts(run_cli: RunCLI, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = run_cli(
        "report", "1", "--format", "html", "-o", str(target), "--db", f"sqlite:///{db}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    doc = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    assert doc.findtext(".//h1") == "Quality report: job 1 (tree)"
    assert len(doc.xpath("//svg")) == 3


def test_json(run_cli: RunCLI, db: Path) -> None:
    result = run_cli("report", "--format", "json", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["job"]["id"] == 1
    assert [g["target"] for g in data["languages"]] == ["de", "es"]
    assert data["total"]["input_tokens"] == 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["42"], "Unknown job 42", id="unknown-job"),
        pytest.param(["--format", "pdf"], "Unknown report format 'pdf'", id="bad-format"),
        pytest.param(["-o", "/nonexistent/dir/r.md"], "Cannot write /nonexistent", id="output"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    run_cli: RunCLI, db: Path, args: list[str], message: str
) -> None:
    result = run_cli("report", *args, "--db", f"sqlite:///{db}")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_job_yet_says_what_to_do(run_cli: RunCLI, tmp_path: Path) -> None:
    result = run_cli("report", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 1
    assert "No jobs yet" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.apertium
def test_a_real_translate_file_job_is_reported(run_cli: RunCLI, tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Hello world. This is a small house.\n\nZorblax quintifer mazzle.\n")
    run = run_cli("translate-file", str(doc), "--engine", "apertium", "--from", "en", "--to", "es")
    assert run.returncode == 0, run.stderr
    result = run_cli("report", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["job"]["engine"] == "apertium"
    assert data["total"]["segments"] == 3
    assert data["total"]["models"] == ["apertium eng-spa"]
    assert [f["path"] for f in data["files"]] == ["doc.txt"]
    # Apertium leaves the nonsense line as it is: the run's QA flags it for review
    (flagged,) = data["backlog"]
    assert flagged["source_text"] == "Zorblax quintifer mazzle."
    assert set(flagged["checks"]) <= {c["check"] for c in data["checks"]}
    assert data["total"]["scores"]["count"] == 3
