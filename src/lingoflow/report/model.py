"""The quality report as plain data: built from rows, rendered without knowing the database.

:func:`build_report` turns what a job left behind — one :class:`SegmentRow` per journal row,
the job's files and its review items — into a :class:`QualityReport`. The renderers
(:mod:`lingoflow.report.render`, :mod:`lingoflow.report.html`) only read that value.

Invariants:

- Scores are 0-100; segments without a score (cache, TM, copies, or runs without scoring)
  count as segments but not in the score statistics.
- Percentiles interpolate linearly between the closest ranks (numpy's default,
  ``statistics.quantiles(method="inclusive")``); one score is every percentile of itself.
- The histogram has :data:`BINS` bins of equal width over 0-100; a score of 100 falls in the
  last bin.
- Groups, checks and the backlog come in a stable order: languages and files by name, checks
  by count (most first) then name, the backlog by score (lowest first, unscored last) then id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, quantiles

__all__ = [
    "BINS",
    "SEVERITIES",
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
    "histogram",
    "summarize_scores",
]

BINS = 10
SEVERITIES = ("critical", "major", "minor")


@dataclass(frozen=True, slots=True)
class JobInfo:
    """What the job was asked to do and where it stands."""

    id: int
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime | None = None
    source: str = ""
    targets: tuple[str, ...] = ()
    engine: str = ""
    model: str = ""
    inputs: str = ""  # the input file or folder
    error: str = ""


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One translated segment of the job, as its journal keeps it."""

    target: str  # language code
    provenance: str
    model: str = ""
    score: float | None = None
    findings: tuple[tuple[str, str], ...] = ()  # (check, severity)
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    file: str = ""  # "" when the journal does not say which file


@dataclass(frozen=True, slots=True)
class FileRow:
    """One input file of the job, over all its target languages."""

    path: str
    status: str
    segments: int = 0
    findings: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One segment in the review queue."""

    id: int
    status: str  # pending, approved, edited, rejected
    target: str
    source_text: str
    text: str
    score: float | None = None
    checks: tuple[str, ...] = ()
    file: str = ""


@dataclass(frozen=True, slots=True)
class Billed:
    """What the usage records say the job's engine calls consumed and cost."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """Statistics of the scored segments of a group."""

    count: int = 0
    mean: float | None = None
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None
    below_threshold: int = 0


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Totals for one language, one file in one language, or the whole job (``""``: all)."""

    target: str
    file: str
    segments: int
    scores: ScoreSummary
    provenance: Mapping[str, int] = field(default_factory=dict)
    severities: Mapping[str, int] = field(default_factory=dict)  # findings per severity
    review_pending: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    models: tuple[str, ...] = ()

    @property
    def findings(self) -> int:
        """Findings of every severity."""
        return sum(self.severities.values())


@dataclass(frozen=True, slots=True)
class CheckCount:
    """How often one check fired, per target language."""

    check: str
    severity: str
    count: int
    by_target: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Everything the renderers show about one job."""

    job: JobInfo
    generated_at: datetime
    threshold: float | None
    total: GroupStats
    languages: tuple[GroupStats, ...]
    by_file: tuple[GroupStats, ...]  # per (file, language); empty without file data
    files: tuple[FileRow, ...]
    checks: tuple[CheckCount, ...]
    histogram: tuple[int, ...]
    review: Mapping[str, int]  # status -> items
    backlog: tuple[ReviewItem, ...]  # pending items, lowest score first
    billed: Billed = Billed()


def _percentiles(scores: Sequence[float]) -> tuple[float, float, float]:
    """Return the 10th, 50th and 90th percentiles of ``scores`` (not empty)."""
    if len(scores) == 1:
        return scores[0], scores[0], scores[0]
    cuts = quantiles(scores, n=10, method="inclusive")
    return cuts[0], cuts[4], cuts[8]


def summarize_scores(scores: Sequence[float], threshold: float | None = None) -> ScoreSummary:
    """Return the count, mean, percentiles and how many are below ``threshold``."""
    if not scores:
        return ScoreSummary()
    p10, p50, p90 = _percentiles(scores)
    below = sum(1 for s in scores if threshold is not None and s < threshold)
    return ScoreSummary(len(scores), fmean(scores), p10, p50, p90, below)


def histogram(scores: Iterable[float], bins: int = BINS) -> tuple[int, ...]:
    """Count ``scores`` (0-100) in ``bins`` equal bins; 100 goes in the last one."""
    counts = [0] * bins
    for value in scores:
        index = min(int(max(value, 0.0) * bins / 100), bins - 1)
        counts[index] += 1
    return tuple(counts)


def _group(
    target: str,
    file: str,
    rows: Sequence[SegmentRow],
    pending: int,
    threshold: float | None,
) -> GroupStats:
    """Sum ``rows`` into one group."""
    severities = Counter(severity for row in rows for _, severity in row.findings)
    return GroupStats(
        target=target,
        file=file,
        segments=len(rows),
        scores=summarize_scores([r.score for r in rows if r.score is not None], threshold),
        provenance=dict(sorted(Counter(r.provenance for r in rows).items())),
        severities={s: severities[s] for s in SEVERITIES if severities[s]},
        review_pending=pending,
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        cost=sum(r.cost for r in rows),
        models=tuple(sorted({r.model for r in rows if r.model})),
    )


def _checks(rows: Sequence[SegmentRow]) -> tuple[CheckCount, ...]:
    """Count findings by check, most frequent first."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in rows:
        for check, severity in row.findings:
            counts.setdefault((check, severity), Counter())[row.target] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1].total(), item[0]))
    return tuple(
        CheckCount(check, severity, by_target.total(), dict(sorted(by_target.items())))
        for (check, severity), by_target in ordered
    )


def _backlog_order(item: ReviewItem) -> tuple[bool, float, int]:
    return item.score is None, item.score or 0.0, item.id


def build_report(
    job: JobInfo,
    segments: Sequence[SegmentRow],
    files: Sequence[FileRow] = (),
    reviews: Sequence[ReviewItem] = (),
    *,
    threshold: float | None = None,
    billed: Billed | None = None,
    generated_at: datetime,
) -> QualityReport:
    """Summarise a job's segments, files and review items into a report."""
    pending = [r for r in reviews if r.status == "pending"]
    pending_by = Counter((r.target, r.file) for r in pending)
    pending_by_target = Counter(r.target for r in pending)
    by_target: dict[str, list[SegmentRow]] = {}
    by_file: dict[tuple[str, str], list[SegmentRow]] = {}
    for row in segments:
        by_target.setdefault(row.target, []).append(row)
        if row.file:
            by_file.setdefault((row.file, row.target), []).append(row)
    return QualityReport(
        job=job,
        generated_at=generated_at,
        threshold=threshold,
        total=_group("", "", segments, len(pending), threshold),
        languages=tuple(
            _group(t, "", rows, pending_by_target[t], threshold)
            for t, rows in sorted(by_target.items())
        ),
        by_file=tuple(
            _group(t, f, rows, pending_by[(t, f)], threshold)
            for (f, t), rows in sorted(by_file.items())
        ),
        files=tuple(sorted(files, key=lambda f: f.path)),
        checks=_checks(segments),
        histogram=histogram(r.score for r in segments if r.score is not None),
        review=dict(sorted(Counter(r.status for r in reviews).items())),
        backlog=tuple(sorted(pending, key=_backlog_order)),
        billed=billed or Billed(),
    )
