"""Quality reports: statistics, the three renderings, and gathering from a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles

import pytest
from lxml import html as lxml_html

from lingoflow.errors import InputError, UnknownJobError
from lingoflow.qa.score import REVIEW_THRESHOLD
from lingoflow.report import (
    FileRow,
    JobInfo,
    QualityReport,
    ReviewItem,
    SegmentRow,
    build_report,
    load_report,
    render,
)
from lingoflow.report.model import histogram, summarize_scores
from lingoflow.storage import JobFile, JournalEntry, Storage
from lingoflow.storage.review import ReviewItem as StoredItem
from lingoflow.storage.review import ReviewStore
from lingoflow.storage.usage import UsageRecord
from lingoflow.types import Finding, Usage

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
JOB = JobInfo(3, "tree", "done", NOW, None, "en", ("es", "de"), "local", "", "/in → /out")
LOST = ("placeholder-lost", "critical")
NUMBER = ("number-mismatch", "major")
SPACE = ("double-space", "minor")


def seg(target: str, score: float | None, *findings: tuple[str, str], file: str = "") -> SegmentRow:
    """A segment translated by the engine: 10 tokens in, 12 out, $0.001."""
    return SegmentRow(target, "engine", "qwen2.5-0.5b", score, findings, 10, 12, 0.001, file)


SEGMENTS = [
    seg("es", 90.0, file="a.md"),
    seg("es", 40.0, LOST, NUMBER, file="a.md"),
    seg("es", 70.0, SPACE, file="b <script>.md"),
    seg("es", None),  # a copy or an unscored segment
    seg("de", 100.0, file="a.md"),
    seg("de", 55.0, NUMBER, file="a.md"),
]
REVIEWS = [
    ReviewItem(
        7, "pending", "es", "Keep {name} & <b>this</b>", "Guarda", 40.0, ("placeholder-lost",)
    ),
    ReviewItem(8, "pending", "de", "Two", "Zwei", None),
    ReviewItem(9, "approved", "de", "Three", "Drei", 55.0),
    ReviewItem(5, "pending", "de", "One", "Eins", 20.0, file="a.md"),
]
FILES = [FileRow("b <script>.md", "done", 1, 1), FileRow("a.md", "failed", 5, 3, error="boom")]


@pytest.fixture
def report() -> QualityReport:
    return build_report(JOB, SEGMENTS, FILES, REVIEWS, threshold=60, generated_at=NOW)


def test_scores_are_summarised_like_the_statistics_module() -> None:
    scores = [40.0, 70.0, 90.0, 12.5, 99.0]
    summary = summarize_scores(scores, threshold=60)
    cuts = quantiles(scores, n=10, method="inclusive")
    assert (summary.p10, summary.p50, summary.p90) == (cuts[0], cuts[4], cuts[8])
    assert summary.mean == pytest.approx(62.3)
    assert summary.below_threshold == 2
    assert summarize_scores([77.0]).p10 == 77.0  # one score is every percentile of itself
    assert summarize_scores([]).mean is None


def test_the_histogram_has_ten_bins_and_100_falls_in_the_last() -> None:
    assert histogram([0, 9.99, 10, 59.9, 60, 100]) == (2, 1, 0, 0, 0, 1, 1, 0, 0, 1)


def test_groups_per_language_and_per_file(report: QualityReport) -> None:
    assert report.total.segments == 6
    assert report.total.scores.count == 5
    assert report.total.scores.below_threshold == 2
    assert report.total.severities == {"critical": 1, "major": 2, "minor": 1}
    assert report.total.input_tokens == 60
    assert report.total.cost == pytest.approx(0.006)
    de, es = report.languages
    assert (de.target, de.segments, de.scores.mean, de.review_pending) == ("de", 2, 77.5, 2)
    assert (es.target, es.segments, es.scores.count, es.review_pending) == ("es", 4, 3, 1)
    assert [(g.file, g.target, g.segments) for g in report.by_file] == [
        ("a.md", "de", 2),
        ("a.md", "es", 2),
        ("b <script>.md", "es", 1),
    ]
    assert report.by_file[0].review_pending == 1  # item 5 names a.md


def test_checks_come_most_frequent_first_with_their_languages(report: QualityReport) -> None:
    assert [(c.check, c.severity, c.count) for c in report.checks] == [
        ("number-mismatch", "major", 2),
        ("double-space", "minor", 1),
        ("placeholder-lost", "critical", 1),
    ]
    assert report.checks[0].by_target == {"de": 1, "es": 1}


def test_the_backlog_is_pending_items_lowest_score_first(report: QualityReport) -> None:
    assert [item.id for item in report.backlog] == [5, 7, 8]
    assert report.review == {"approved": 1, "pending": 3}


def test_markdown_has_every_section_and_escapes_cells(report: QualityReport) -> None:
    text = render(report, "md")
    for heading in (
        "# Quality report: job 3 (tree)",
        "## Languages",
        "## Files by language",
        "## Files",
        "## Score distribution",
        "## Findings by check",
        "## Review backlog",
    ):
        assert f"\n{heading}\n" in f"\n{text}"
    assert "| Spanish (es) | 4 | 3 | 66.7 |" in text
    assert "| b \\<script\\>.md | es | 1 |" in text
    assert "Keep {name} & \\<b\\>this\\</b\\>" in text
    assert "- Review queue: 3 pending (approved 1)" in text


def test_json_is_complete_and_parses(report: QualityReport) -> None:
    data = json.loads(render(report, "json"))
    assert data["job"]["created_at"] == "2026-03-01T12:00:00+00:00"
    assert data["total"]["findings"] == 4
    assert [g["target"] for g in data["languages"]] == ["de", "es"]
    assert data["histogram"][4] == {"from": 40, "to": 50, "segments": 1}
    assert [item["id"] for item in data["backlog"]] == [5, 7, 8]


def test_html_is_one_page_with_charts_drawn_from_the_counts(report: QualityReport) -> None:
    page = render(report, "html")
    assert page.startswith("<!DOCTYPE html>")
    doc = lxml_html.fromstring(page)
    assert not doc.xpath("//script | //link | //img | //*[@src]")  # self-contained, no script
    charts = doc.xpath("//svg")
    assert len(charts) == 3
    histogram_bars = [int(r.get("data-count")) for r in charts[0].xpath(".//rect[@data-count]")]
    assert histogram_bars == list(report.histogram)
    heights = [float(r.get("height")) for r in charts[0].xpath(".//rect[@data-count]")]
    assert heights[5] == pytest.approx(heights[4])  # one segment each in 40-50 and 50-60
    assert heights[9] == pytest.approx(2 * heights[4])  # 90 and 100
    assert heights[0] == 0
    check_bars = charts[2].xpath(".//rect[@data-count]")
    assert check_bars[0].findtext("title") == "number-mismatch (major): 2 findings"
    assert [b.get("fill") for b in check_bars] == ["#f59e0b", "#9ca3af", "#dc2626"]
    # text from documents is escaped, never markup
    assert not doc.xpath("//b")
    assert "b <script>.md" in doc.text_content()


def test_findings_are_charted_without_scores() -> None:
    unscored = build_report(JOB, [seg("es", None, LOST)], generated_at=NOW)
    doc = lxml_html.fromstring(render(unscored, "html"))
    assert [svg.get("aria-label") for svg in doc.xpath("//svg")] == ["Findings by check"]
    assert "No scored segments" in doc.text_content()


def test_a_job_without_scores_or_findings_still_renders() -> None:
    empty = build_report(JOB, [seg("es", None)], generated_at=NOW)
    assert "No scored segments." in render(empty, "md")
    doc = lxml_html.fromstring(render(empty, "html"))
    assert not doc.xpath("//svg")
    assert "No scored segments" in doc.text_content()
    assert "Nothing waits for review." in doc.text_content()


def test_an_unknown_format_is_refused(report: QualityReport) -> None:
    with pytest.raises(InputError, match="Unknown report format 'pdf': use one of md, html"):
        render(report, "pdf")


# Gathering from a real database.


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(home=tmp_path) as opened:
        yield opened


def entry(key: str, target: str, score: float | None, *findings: Finding) -> JournalEntry:
    return JournalEntry(
        key=key,
        source_lang="en",
        target_lang=target,
        source=f"source {key}",
        text=f"text {key}",
        provenance="engine",
        model="qwen-mt-flash",
        usage=Usage(100, 120),
        cost_usd=0.25,
        findings=findings,
        score=score,
    )


def make_job(storage: Storage) -> int:
    spec = {
        "kind": "tree",
        "path": "/in",
        "out": "/out",
        "targets": ["es", "ja"],
        "source": "en",
        "engine": "qwen-mt",
        "model": "qwen-mt-flash",
    }
    job = storage.jobs.create("tree", spec)
    lost = Finding("placeholder-lost", "critical", "A placeholder is missing.")
    copy = Finding("untranslated", "critical", "The translation is the source.")
    storage.jobs.add_journal(
        job.id,
        [entry("k1", "es", 92.0), entry("k2", "es", 35.0, lost), entry("k3", "ja", None)],
    )
    storage.jobs.record_file(job.id, JobFile("guide.md", "done", 3, 1, 300, 360))
    records = [
        UsageRecord("qwen-mt", "qwen-mt-flash", "en", "es", Usage(100, 120), 0.25, job_id=job.id)
    ] * 4
    storage.usage.add_many(records)
    queue = ReviewStore(storage.database)
    queue.add_many(
        [
            StoredItem(
                "k2",
                "en",
                "es",
                "source k2",
                "text k2",
                "reviewed",
                (lost,),
                35.0,
                job.id,
                "guide.md",
            ),
            StoredItem("k3", "en", "ja", "source k3", "text k3", "reviewed", (copy,), 20.0, job.id),
            StoredItem("k5", "en", "ja", "source k5", "text k5", "reviewed", (), 10.0),
        ]
    )
    (edited,) = queue.items(job_id=job.id, status="pending")[1:]
    queue.decide(edited.id or 0, "edited", final_text="edited k3")
    storage.jobs.mark(job.id, "done")
    return job.id


def test_load_report_reads_the_job_its_journal_files_and_usage(storage: Storage) -> None:
    job_id = make_job(storage)
    storage.jobs.create("file", {"targets": ["fr"]})  # a newer job: not the one asked for
    report = load_report(storage, job_id, now=NOW)
    assert report.job.id == job_id
    assert (report.job.status, report.job.inputs, report.job.targets) == (
        "done",
        "/in → /out",
        ("es", "ja"),
    )
    assert report.total.segments == 3
    assert report.total.scores.count == 2
    assert report.total.cost == pytest.approx(0.75)
    # k2's finding is in its journal row and its review item: counted once; k3's only in
    # its review item (the run's QA findings go to the queue): counted too
    assert [(c.check, c.count) for c in report.checks] == [
        ("placeholder-lost", 1),
        ("untranslated", 1),
    ]
    assert [f.path for f in report.files] == ["guide.md"]
    assert (report.billed.calls, report.billed.cost) == (4, pytest.approx(1.0))
    assert report.total.models == ("qwen-mt-flash",)
    assert report.threshold == REVIEW_THRESHOLD
    assert report.review == {"edited": 1, "pending": 1}  # the item of no job is not counted
    (pending,) = report.backlog
    assert (pending.target, pending.file, pending.checks) == (
        "es",
        "guide.md",
        ("placeholder-lost",),
    )
    assert report.languages[0].review_pending == 1


def test_without_an_id_the_most_recent_job_is_reported(storage: Storage) -> None:
    make_job(storage)
    newest = storage.jobs.create("file", {"targets": ["fr"], "path": "/doc.md"})
    report = load_report(storage, now=NOW)
    assert report.job.id == newest.id
    assert report.total.segments == 0


def test_no_job_or_an_unknown_job_is_a_clear_error(storage: Storage) -> None:
    with pytest.raises(InputError, match="No jobs yet"):
        load_report(storage)
    with pytest.raises(UnknownJobError, match="Unknown job 42"):
        load_report(storage, 42)
