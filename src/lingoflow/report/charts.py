"""Small inline SVG charts for the HTML report, built as lxml elements.

Three charts, each a function returning one ``<svg>`` element that scales with the page
(``viewBox``, no fixed pixel size): the score histogram, findings by check, and each
language's score range. They are drawn here rather than with a plotting library: three
bar-like charts are a few dozen lines of rectangles and labels, while matplotlib would add a
stack of dependencies and about a second of import time to every report, and its SVG embeds
font outlines. lxml (already a dependency) escapes every label, so text from a user's
documents cannot inject markup.

Invariants:

- Bar lengths are proportional to counts, from a zero baseline; every bar carries a
  ``<title>`` (a tooltip in browsers) and a ``data-count`` attribute with its exact value.
- Colours come from :data:`COLORS`; bars of the histogram below the review threshold and
  findings by severity use the warning colours, so the eye goes to what needs work.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree
from lxml.builder import ElementMaker

from lingoflow.report.model import BINS, CheckCount, GroupStats

__all__ = ["COLORS", "checks_chart", "histogram_chart", "language_chart"]

COLORS = {
    "ok": "#3b82f6",
    "low": "#f59e0b",
    "critical": "#dc2626",
    "major": "#f59e0b",
    "minor": "#9ca3af",
    "axis": "#6b7280",
    "grid": "#e5e7eb",
    "text": "#111827",
}

S = ElementMaker()  # no namespace: the HTML parser puts <svg> content in SVG's own
_FONT = {"font-family": "system-ui, sans-serif", "font-size": "12", "fill": COLORS["text"]}


def _svg(width: int, height: int, label: str, *children: etree._Element) -> etree._Element:
    return S.svg(
        *children,
        viewBox=f"0 0 {width} {height}",
        role="img",
        **{"aria-label": label, "class": "chart", "preserveAspectRatio": "xMinYMin meet"},
    )


def _text(x: float, y: float, text: str, anchor: str = "start", **extra: str) -> etree._Element:
    return S.text(text, x=f"{x:.1f}", y=f"{y:.1f}", **{"text-anchor": anchor, **_FONT, **extra})


def _bar(
    x: float, y: float, w: float, h: float, color: str, tip: str, count: int
) -> etree._Element:
    return S.rect(
        S.title(tip),
        x=f"{x:.1f}",
        y=f"{y:.1f}",
        width=f"{max(w, 0):.1f}",
        height=f"{max(h, 0):.1f}",
        fill=color,
        **{"data-count": str(count)},
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str, **extra: str) -> etree._Element:
    return S.line(
        x1=f"{x1:.1f}", y1=f"{y1:.1f}", x2=f"{x2:.1f}", y2=f"{y2:.1f}", stroke=color, **extra
    )


def histogram_chart(counts: Sequence[int], threshold: float | None) -> etree._Element:
    """Draw the score distribution: one bar per bin, bins below ``threshold`` highlighted."""
    width, height, left, bottom, top = 560, 250, 40, 40, 34
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max(counts, default=0) or 1
    step = plot_w / len(counts)
    parts = [
        _line(left, top + plot_h, left + plot_w, top + plot_h, COLORS["axis"]),
        _text(left - 6, top + 4, str(peak), "end"),
        _text(left - 6, top + plot_h, "0", "end"),
        _text(left + plot_w / 2, height - 6, "score (0-100)", "middle"),
    ]
    for i, count in enumerate(counts):
        low, high = i * 100 // BINS, (i + 1) * 100 // BINS
        below = threshold is not None and high <= threshold
        h = plot_h * count / peak
        x = left + i * step + 2
        tip = f"score {low}-{high}: {count} segment{'s' * (count != 1)}"
        parts.append(
            _bar(x, top + plot_h - h, step - 4, h, COLORS["low" if below else "ok"], tip, count)
        )
        if count:
            parts.append(_text(x + (step - 4) / 2, top + plot_h - h - 4, str(count), "middle"))
        parts.append(_text(x + (step - 4) / 2, top + plot_h + 16, f"{low}", "middle"))
    if threshold is not None:
        x = left + plot_w * threshold / 100
        parts.append(
            _line(x, 16, x, top + plot_h, COLORS["critical"], **{"stroke-dasharray": "4 3"})
        )
        label = f"review below {threshold:g}"
        parts.append(_text(x - 4, 12, label, "end", fill=COLORS["critical"]))
    return _svg(width, height, "Histogram of segment scores", *parts)


def checks_chart(checks: Sequence[CheckCount]) -> etree._Element:
    """Draw findings by check: one horizontal bar per check, coloured by severity."""
    row, left, right, top = 24, 190, 50, 10
    width = 560
    height = top + row * len(checks) + 30
    plot_w = width - left - right
    peak = max((c.count for c in checks), default=0) or 1
    parts: list[etree._Element] = []
    for i, c in enumerate(checks):
        y = top + i * row
        w = plot_w * c.count / peak
        tip = f"{c.check} ({c.severity}): {c.count} finding{'s' * (c.count != 1)}"
        parts.append(_text(left - 8, y + row / 2 + 4, c.check, "end"))
        parts.append(
            _bar(left, y + 3, w, row - 6, COLORS.get(c.severity, COLORS["minor"]), tip, c.count)
        )
        parts.append(_text(left + w + 6, y + row / 2 + 4, str(c.count)))
    legend_y = top + row * len(checks) + 18
    for j, severity in enumerate(("critical", "major", "minor")):
        x = left + j * 110
        parts.append(
            S.rect(x=f"{x}", y=f"{legend_y - 10}", width="12", height="12", fill=COLORS[severity])
        )
        parts.append(_text(x + 18, legend_y, severity))
    return _svg(width, height, "Findings by check", *parts)


def language_chart(languages: Sequence[GroupStats]) -> etree._Element:
    """Draw each language's scores: the 10th-90th percentile range, median tick, mean dot."""
    scored = [g for g in languages if g.scores.count]
    row, left, right, top = 28, 120, 20, 10
    width = 560
    height = top + row * len(scored) + 34
    plot_w = width - left - right

    def x(score: float) -> float:
        return left + plot_w * score / 100

    parts: list[etree._Element] = []
    for tick in range(0, 101, 20):
        parts.append(_line(x(tick), top, x(tick), top + row * len(scored), COLORS["grid"]))
        parts.append(_text(x(tick), top + row * len(scored) + 16, str(tick), "middle"))
    for i, g in enumerate(scored):
        s = g.scores
        p10, p50, p90, mean = (v or 0.0 for v in (s.p10, s.p50, s.p90, s.mean))  # all set
        y = top + i * row + row / 2
        tip = (
            f"{g.target}: {s.count} scored, mean {mean:.1f}, "
            f"P10 {p10:.1f}, median {p50:.1f}, P90 {p90:.1f}"
        )
        parts.append(_text(left - 8, y + 4, g.target, "end"))
        parts.append(_bar(x(p10), y - 6, x(p90) - x(p10), 12, COLORS["ok"], tip, s.count))
        parts.append(_line(x(p50), y - 9, x(p50), y + 9, COLORS["text"], **{"stroke-width": "2"}))
        parts.append(S.circle(cx=f"{x(mean):.1f}", cy=f"{y:.1f}", r="4", fill=COLORS["low"]))
    return _svg(width, height, "Score range per language", *parts)
