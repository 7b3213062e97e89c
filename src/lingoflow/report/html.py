"""The quality report as one self-contained HTML page: headline numbers, charts, tables.

Invariants:

- One file with no external resource: the style sheet is inline and the charts are inline
  SVG (:mod:`lingoflow.report.charts`); no script runs.
- Every text from the database (file names, segments, error messages) goes through lxml,
  which escapes it; nothing is pasted into markup as a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree
from lxml import html as lxml_html
from lxml.builder import ElementMaker

from lingoflow.report.charts import checks_chart, histogram_chart, language_chart
from lingoflow.report.model import GroupStats, QualityReport
from lingoflow.report.render import (
    BACKLOG_ROWS,
    compact_findings,
    excerpt,
    fmt_score,
    language_name,
    summary_lines,
    title,
)

__all__ = ["render_html"]

H = ElementMaker(makeelement=lxml_html.html_parser.makeelement)

_STYLE = """
body { font-family: system-ui, sans-serif; color: #111827; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.meta { color: #4b5563; margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; }
.card { border: 1px solid #e5e7eb; border-radius: .5rem; padding: .6rem 1rem; min-width: 8rem; }
.card .value { font-size: 1.6rem; font-weight: 600; } .card .label { color: #4b5563; }
.card.warn .value { color: #b45309; } .card.bad .value { color: #dc2626; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr));
          gap: 1rem; align-items: start; }
figure { margin: 0; border: 1px solid #e5e7eb; border-radius: .5rem; padding: .6rem; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
svg.chart { width: 100%; max-width: 40rem; height: auto; }
.table { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .3rem .5rem; text-align: left;
         vertical-align: top; white-space: nowrap; } td.text { white-space: normal; }
th { background: #f9fafb; white-space: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #6b7280; font-style: italic; }
"""


def _card(value: str, label: str, tone: str = "") -> etree._Element:
    return H.div(
        H.div(value, {"class": "value"}),
        H.div(label, {"class": "label"}),
        {"class": f"card {tone}"},
    )


def _cards(report: QualityReport) -> etree._Element:
    total = report.total
    scores = total.scores
    critical = total.severities.get("critical", 0)
    return H.div(
        _card(str(total.segments), "segments"),
        _card(fmt_score(scores.mean), f"mean score ({scores.count} scored)"),
        _card(
            str(scores.below_threshold),
            "below the review threshold",
            "warn" if scores.below_threshold else "",
        ),
        _card(str(total.findings), f"findings ({critical} critical)", "bad" if critical else ""),
        _card(
            str(total.review_pending), "waiting for review", "warn" if total.review_pending else ""
        ),
        _card(f"${total.cost:.4f}", f"{total.input_tokens + total.output_tokens:,} tokens"),
        {"class": "cards"},
    )


def _cell(value: object) -> etree._Element:
    """Return one cell: numbers right-aligned with thousands separators, long text wrapped."""
    if isinstance(value, int):
        return H.td(f"{value:,}", {"class": "num"})
    text = str(value)
    return H.td(text, {"class": "text"}) if len(text) > 40 else H.td(text)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> etree._Element:
    body = [H.tr(*(_cell(value) for value in row)) for row in rows]
    head = H.thead(H.tr(*(H.th(h) for h in header)))
    return H.div(H.table(head, H.tbody(*body)), {"class": "table"})


def _group_row(group: GroupStats) -> list[object]:
    s = group.scores
    return [
        group.segments,
        s.count,
        fmt_score(s.mean),
        fmt_score(s.p10),
        fmt_score(s.p50),
        fmt_score(s.p90),
        s.below_threshold,
        compact_findings(group),
        group.review_pending,
        group.input_tokens,
        group.output_tokens,
        f"{group.cost:.4f}",
        ", ".join(group.models) or "-",
    ]


_GROUP_HEADER = [
    "Segments",
    "Scored",
    "Mean",
    "P10",
    "Median",
    "P90",
    "Below threshold",
    "Findings (crit/major/minor)",
    "Pending review",
    "Tokens in",
    "Tokens out",
    "Cost (USD)",
    "Models",
]


def _figure(caption: str, chart: etree._Element) -> etree._Element:
    return H.figure(H.figcaption(caption), chart)


def _charts(report: QualityReport) -> list[etree._Element]:
    scored = report.total.scores.count
    figures = []
    if scored:
        figures.append(
            _figure(
                f"Score distribution ({scored} scored segments)",
                histogram_chart(report.histogram, report.threshold),
            )
        )
        figures.append(
            _figure(
                "Scores per language (bar: 10th-90th percentile, line: median, dot: mean)",
                language_chart(report.languages),
            )
        )
    if report.checks:
        figures.append(_figure("Findings by check", checks_chart(report.checks)))
    note = "No scored segments: scores come from quality estimation during the run."
    return [
        *([] if scored else [H.p(note, {"class": "empty"})]),
        *([H.div(*figures, {"class": "charts"})] if figures else []),
    ]


def _sections(report: QualityReport) -> list[etree._Element]:
    out = [
        H.h2("Languages"),
        _table(
            ["Language", *_GROUP_HEADER],
            ([language_name(g.target), *_group_row(g)] for g in report.languages),
        ),
    ]
    if report.by_file:
        out += [
            H.h2("Files by language"),
            _table(
                ["File", "Language", *_GROUP_HEADER],
                ([g.file, g.target, *_group_row(g)] for g in report.by_file),
            ),
        ]
    if report.files:
        out += [
            H.h2("Files"),
            _table(
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
            ),
        ]
    out.append(H.h2("Findings by check"))
    out.append(
        _table(
            ["Check", "Severity", "Findings", "By language"],
            (
                [
                    c.check,
                    c.severity,
                    c.count,
                    ", ".join(f"{t} {n}" for t, n in c.by_target.items()),
                ]
                for c in report.checks
            ),
        )
        if report.checks
        else H.p("No findings.", {"class": "empty"})
    )
    return out + _backlog(report)


def _backlog(report: QualityReport) -> list[etree._Element]:
    out: list[etree._Element] = [H.h2(f"Review backlog ({len(report.backlog)} pending)")]
    if not report.backlog:
        return [*out, H.p("Nothing waits for review.", {"class": "empty"})]
    shown = report.backlog[:BACKLOG_ROWS]
    out.append(
        _table(
            ["ID", "Language", "File", "Score", "Checks", "Source", "Translation"],
            (
                [
                    str(i.id),
                    i.target,
                    i.file or "-",
                    fmt_score(i.score),
                    ", ".join(i.checks) or "-",
                    excerpt(i.source_text, 120),
                    excerpt(i.text, 120),
                ]
                for i in shown
            ),
        )
    )
    if len(report.backlog) > len(shown):
        more = len(report.backlog) - len(shown)
        out.append(H.p(f"…and {more} more: run lingoflow review list.", {"class": "empty"}))
    return out


def render_html(report: QualityReport) -> str:
    """Render ``report`` as one self-contained HTML page."""
    job = report.job
    meta = [H.p(line, {"class": "meta"}) for line in summary_lines(report)[:3]]
    made = (
        f"Job created {job.created_at:%Y-%m-%d %H:%M} UTC · report made "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    page = H.html(
        H.head(H.meta(charset="utf-8"), H.title(title(report)), H.style(_STYLE)),
        H.body(
            H.h1(title(report)),
            *meta,
            H.p(made, {"class": "meta"}),
            _cards(report),
            *_charts(report),
            *_sections(report),
        ),
        lang="en",
    )
    return lxml_html.tostring(page, doctype="<!DOCTYPE html>", encoding="unicode") + "\n"
