"""Quality reports of translation jobs: gathered into plain data, rendered as Markdown, HTML, JSON.

:func:`load_report` reads one job (the most recent by default) from storage into a
:class:`QualityReport`; :func:`render` turns it into text in one of :data:`FORMATS`.

>>> report = load_report(storage)                       # doctest: +SKIP
>>> Path("report.html").write_text(render(report, "html"))  # doctest: +SKIP

The package is split by concept: ``model`` (the data and the statistics), ``gather`` (from
the stores), ``render`` (Markdown and JSON), ``html`` and ``charts`` (the page and its SVG).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from lingoflow.errors import InputError
from lingoflow.report.gather import load_report
from lingoflow.report.model import (
    Billed,
    CheckCount,
    FileRow,
    GroupStats,
    JobInfo,
    QualityReport,
    ReviewItem,
    ScoreSummary,
    SegmentRow,
    build_report,
)

__all__ = [
    "FORMATS",
    "Billed",
    "CheckCount",
    "FileRow",
    "GroupStats",
    "JobInfo",
    "QualityReport",
    "ReviewItem",
    "ScoreSummary",
    "SegmentRow",
    "build_report",
    "load_report",
    "render",
    "renderer",
]

Format = Literal["md", "html", "json"]
FORMATS: tuple[Format, ...] = ("md", "html", "json")


def renderer(fmt: str) -> Callable[[QualityReport], str]:
    """Return the function rendering a report as ``md``, ``html`` or ``json``."""
    if fmt == "md":
        from lingoflow.report.render import render_markdown

        return render_markdown
    if fmt == "json":
        from lingoflow.report.render import render_json

        return render_json
    if fmt == "html":
        from lingoflow.report.html import render_html

        return render_html
    raise InputError(f"Unknown report format {fmt!r}: use one of {', '.join(FORMATS)}.")


def render(report: QualityReport, fmt: str) -> str:
    """Render ``report`` as ``md``, ``html`` or ``json``."""
    return renderer(fmt)(report)
