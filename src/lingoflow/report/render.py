"""The quality report as Markdown and JSON (the HTML page is :mod:`lingoflow.report.html`).

Invariants:

- Renderers read a :class:`~lingoflow.report.model.QualityReport` and nothing else.
- The JSON is complete (every group, check and pending review item) with ISO 8601 UTC times;
  the Markdown shows at most :data:`BACKLOG_ROWS` backlog items, lowest score first, and says
  how many more there are.
- Markdown table cells escape ``|`` and fold line breaks, so a segment cannot break a table.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from lingoflow.errors import UnknownLanguageError
from lingoflow.languages import resolve
from lingoflow.report.model import BINS, SEVERITIES, GroupStats, QualityReport, ScoreSummary

__all__ = [
    "BACKLOG_ROWS",
    "as_json",
    "compact_findings",
    "excerpt",
    "fmt_score",
    "language_name",
    "render_json",
    "render_markdown",
    "severity_counts",
    "summary_lines",
    "title",
]

BACKLOG_ROWS = 20
"""Pending review items listed in the Markdown and HTML reports (JSON lists all)."""


def language_name(code: str) -> str:
    """Return ``English (en)`` for a code lingoflow knows, else the code."""
    try:
        return f"{resolve(code).name} ({code})"
    except UnknownLanguageError:
        return code


def fmt_score(value: float | None) -> str:
    """Format a score with one decimal, or a dash when there is none."""
    return "-" if value is None else f"{value:.1f}"


def excerpt(text: str, width: int = 80) -> str:
    """Return ``text`` on one line, cut to ``width`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def compact_findings(group: GroupStats) -> str:
    """Say ``3 (1/0/2)``: findings, then critical/major/minor, for table cells."""
    if not group.findings:
        return "0"
    return f"{group.findings} ({'/'.join(str(group.severities.get(s, 0)) for s in SEVERITIES)})"


def severity_counts(group: GroupStats) -> str:
    """Say ``3 (critical 1, minor 2)`` for a group's findings."""
    if not group.findings:
        return "0"
    parts = ", ".join(f"{s} {group.severities[s]}" for s in SEVERITIES if s in group.severities)
    return f"{group.findings} ({parts})"


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def as_json(report: QualityReport) -> dict[str, Any]:
    """Return ``report`` as JSON-ready data (times still datetimes; see :func:`render_json`)."""
    data = dataclasses.asdict(report)
    groups = [report.total, *report.languages, *report.by_file]
    dicts = [data["total"], *data["languages"], *data["by_file"]]
    for group, values in zip(groups, dicts, strict=True):
        values["findings"] = group.findings
    data["histogram"] = [
        {"from": i * 100 // BINS, "to": (i + 1) * 100 // BINS, "segments": n}
        for i, n in enumerate(report.histogram)
    ]
    return data


def render_json(report: QualityReport) -> str:
    """Render ``report`` as indented UTF-8 JSON."""
    return json.dumps(as_json(report), ensure_ascii=False, indent=2, default=_iso) + "\n"


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|<>`*[]"})


def _cell(value: object) -> str:
    """Return ``value`` on one line with the characters Markdown would act on escaped."""
    return " ".join(str(value).split()).translate(_MARKDOWN_SPECIAL)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _score_cells(scores: ScoreSummary) -> list[str]:
    return [
        str(scores.count),
        fmt_score(scores.mean),
        fmt_score(scores.p10),
        fmt_score(scores.p50),
        fmt_score(scores.p90),
        str(scores.below_threshold),
    ]


_GROUP_HEADER = ["Segments", "Scored", "Mean", "P10", "Median", "P90", "Below threshold"]
_COST_HEADER = [
    "Findings (crit/major/minor)",
    "Pending review",
    "Tokens in",
    "Tokens out",
    "Cost (USD)",
    "Models",
]


def _group_cells(group: GroupStats) -> list[str]:
    return [
        str(group.segments),
        *_score_cells(group.scores),
        compact_findings(group),
        str(group.review_pending),
        f"{group.input_tokens:,}",
        f"{group.output_tokens:,}",
        f"{group.cost:.4f}",
        ", ".join(group.models) or "-",
    ]


def summary_lines(report: QualityReport) -> list[str]:
    """Return the report's headline facts, one per line, without markup."""
    job, total, billed = report.job, report.total, report.billed
    scores = total.scores
    origin = ", ".join(f"{k} {v}" for k, v in total.provenance.items()) or "none"
    threshold = "" if report.threshold is None else f" (review threshold {report.threshold:g})"
    decided = ", ".join(f"{k} {v}" for k, v in report.review.items() if k != "pending")
    lines = [
        f"Status: {job.status}" + (f" — {job.error}" if job.error else ""),
        f"Languages: {job.source or 'auto'} → {', '.join(job.targets) or '-'}",
        f"Engine: {job.engine or '-'} ({', '.join(total.models) or job.model or '-'})",
        f"Segments: {total.segments} ({origin})",
        f"Scores: {scores.count} scored, mean {fmt_score(scores.mean)}, median "
        f"{fmt_score(scores.p50)}, {scores.below_threshold} below the threshold{threshold}",
        f"Findings: {severity_counts(total)}",
        f"Review queue: {total.review_pending} pending" + (f" ({decided})" if decided else ""),
        f"Tokens: {total.input_tokens:,} in / {total.output_tokens:,} out; cost ${total.cost:.4f}",
        f"Billed: {billed.calls} engine calls, {billed.input_tokens:,} in / "
        f"{billed.output_tokens:,} out tokens, ${billed.cost:.4f}",
    ]
    if job.inputs:
        lines.insert(0, f"Input: {job.inputs}")
    return lines


def title(report: QualityReport) -> str:
    """Return the report's title."""
    job = report.job
    return f"Quality report: job {job.id} ({job.kind})"


def render_markdown(report: QualityReport) -> str:
    """Render ``report`` as a Markdown document."""
    job = report.job
    out = [f"# {title(report)}", ""]
    out += [f"- {line}" for line in summary_lines(report)]
    out += [
        f"- Created {job.created_at:%Y-%m-%d %H:%M} UTC; report made "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        "## Languages",
        "",
    ]
    out += _table(
        ["Language", *_GROUP_HEADER, *_COST_HEADER],
        ([language_name(g.target), *_group_cells(g)] for g in report.languages),
    )
    if report.by_file:
        out += ["## Files by language", ""]
        out += _table(
            ["File", "Language", *_GROUP_HEADER, *_COST_HEADER],
            ([g.file, g.target, *_group_cells(g)] for g in report.by_file),
        )
    if report.files:
        out += ["## Files", ""]
        out += _table(
            ["File", "Status", "Segments", "Findings", "Tokens in", "Tokens out", "Error"],
            (
                [
                    f.path,
                    f.status,
                    f.segments,
                    f.findings,
                    f.input_tokens,
                    f.output_tokens,
                    f.error or "-",
                ]
                for f in report.files
            ),
        )
    out += _markdown_histogram(report) + _markdown_checks(report) + _markdown_backlog(report)
    return "\n".join(out).rstrip() + "\n"


def _markdown_histogram(report: QualityReport) -> list[str]:
    out = ["## Score distribution", ""]
    if not any(report.histogram):
        return [*out, "No scored segments.", ""]
    peak = max(report.histogram)
    rows = (
        [f"{i * 100 // BINS}-{(i + 1) * 100 // BINS}", n, "█" * round(20 * n / peak)]
        for i, n in enumerate(report.histogram)
    )
    return out + _table(["Score", "Segments", ""], rows)


def _markdown_checks(report: QualityReport) -> list[str]:
    out = ["## Findings by check", ""]
    if not report.checks:
        return [*out, "No findings.", ""]
    rows = (
        [c.check, c.severity, c.count, ", ".join(f"{t} {n}" for t, n in c.by_target.items())]
        for c in report.checks
    )
    return out + _table(["Check", "Severity", "Findings", "By language"], rows)


def _markdown_backlog(report: QualityReport) -> list[str]:
    out = ["## Review backlog", ""]
    if not report.backlog:
        return [*out, "Nothing waits for review.", ""]
    shown = report.backlog[:BACKLOG_ROWS]
    out += _table(
        ["ID", "Language", "File", "Score", "Checks", "Source", "Translation"],
        (
            [
                i.id,
                i.target,
                i.file or "-",
                fmt_score(i.score),
                ", ".join(i.checks) or "-",
                excerpt(i.source_text, 60),
                excerpt(i.text, 60),
            ]
            for i in shown
        ),
    )
    if len(report.backlog) > len(shown):
        out += [f"…and {len(report.backlog) - len(shown)} more: `lingoflow review list`.", ""]
    return out
