"""The quality score of one translated segment, 0 to 100, and when a segment goes to review.

The score combines the rule checks (:mod:`lingoflow.qa`) with the reference-free similarity
of :mod:`lingoflow.qa.similarity`, when it is on. The formula (signature :data:`SIGNATURE`):

1. ``base`` = the similarity ``s`` (cosine, multilingual-e5-small) mapped linearly from
   [floor, good] to [0, 100] and clipped; 100 without the signal. The bounds depend on the
   target language (:func:`similarity_bounds`): :data:`SIM_BOUNDS` for most languages,
   :data:`SIM_BOUNDS_CJK` for Chinese, Japanese and Korean, whose translations the model
   places less close to their sources.
2. ``score = base - MINOR_PENALTY * (number of minor findings)``.
3. Any major finding caps the score at :data:`MAJOR_CAP`; any critical finding at
   :data:`CRITICAL_CAP` (the untranslated and wrong-language checks are critical, so a copy
   of the source — similarity 1.0 — still scores at most 20).
4. Clip to [0, 100] and round to one decimal.

A segment needs review (:func:`needs_review`) when its score is below the threshold
(:data:`REVIEW_THRESHOLD` unless configured) or it has a critical finding. With the default
threshold every major or critical finding sends a segment to review, and so does a
similarity below ``floor + 0.6 * (good - floor)`` (0.84; 0.81 for CJK).

Calibration: the bounds come from NTREX dev lines 501-1,000, English sources with their human
translations (true), the translation of another line (misaligned output), and the first half
and first fifth of the translation (omissions), 30 lines into each of de, es, fr, ja, zh, ko
and 20 into each of ru, ar, hi, th, vi, tr. ``good`` sits near the 10th percentile of the
true pairs (good 0.88 against 0.89; CJK 0.85 against 0.84) and ``floor`` near the median of
the misaligned ones (0.78 against 0.77; CJK 0.75 against 0.76). Thai and Vietnamese sit
between the groups (true p10 0.865) and use the default bounds. ``bench/qa_score.py`` prints
the result (20 lines per language into de, es, fr, ja, zh, ko, and a sample of the held-out
labelled set, NTREX lines 1-500): 2.5% of true pairs are sent to review (1.7% by the rules
alone), 98% of misaligned ones (49% by the rules alone), every first fifth, 40% of first
halves (halves overlap the true pairs' similarity), and every copy; on the labelled set 0.6%
of clean pairs and every defect of a major or critical check (the rules catch those alone;
minor defects are not meant for review).
"""

from __future__ import annotations

from collections.abc import Iterable

from lingoflow.types import Finding

__all__ = [
    "CRITICAL_CAP",
    "MAJOR_CAP",
    "MINOR_PENALTY",
    "REVIEW_THRESHOLD",
    "SIGNATURE",
    "SIM_BOUNDS",
    "SIM_BOUNDS_CJK",
    "needs_review",
    "score",
    "similarity_bounds",
    "similarity_points",
]

SIGNATURE = "lingoflow-qa-score/1"
"""Names this formula and its constants; changes whenever either changes."""
SIM_BOUNDS = (0.78, 0.88)
"""(floor, good): similarity giving 0 points and 100 points, for most target languages."""
SIM_BOUNDS_CJK = (0.75, 0.85)
"""(floor, good) for Chinese, Japanese and Korean targets."""
_CJK = frozenset({"zh", "zh_tw", "yue", "ja", "ko"})
MINOR_PENALTY = 5.0
"""Points taken off per minor finding."""
MAJOR_CAP = 50.0
"""Highest score of a segment with a major finding."""
CRITICAL_CAP = 20.0
"""Highest score of a segment with a critical finding."""
REVIEW_THRESHOLD = 60.0
"""Segments scoring below this go to the review queue (critical findings always do)."""


def similarity_bounds(target: str) -> tuple[float, float]:
    """Return the (floor, good) similarity bounds for a target language (Qwen-MT code)."""
    return SIM_BOUNDS_CJK if target in _CJK else SIM_BOUNDS


def similarity_points(similarity: float | None, target: str = "") -> float:
    """Return the similarity's contribution, 0 to 100 (100 when there is no signal)."""
    if similarity is None:
        return 100.0
    floor, good = similarity_bounds(target)
    share = (similarity - floor) / (good - floor)
    return 100.0 * min(1.0, max(0.0, share))


def score(findings: Iterable[Finding], similarity: float | None = None, target: str = "") -> float:
    """Return the segment's quality score, 0 to 100 (see the module docstring).

    ``target`` is the target language's code, which picks the similarity bounds.
    """
    severities = [f.severity for f in findings]
    value = similarity_points(similarity, target) - MINOR_PENALTY * severities.count("minor")
    if "major" in severities:
        value = min(value, MAJOR_CAP)
    if "critical" in severities:
        value = min(value, CRITICAL_CAP)
    return round(min(100.0, max(0.0, value)), 1)


def needs_review(
    value: float, findings: Iterable[Finding], threshold: float = REVIEW_THRESHOLD
) -> bool:
    """Tell whether a segment with this score and these findings goes to review."""
    return value < threshold or any(f.severity == "critical" for f in findings)
