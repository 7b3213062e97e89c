"""The quality score's formula: similarity points, severity caps, minor penalties, review."""

from __future__ import annotations

import pytest

from lingoflow.qa.score import (
    CRITICAL_CAP,
    MAJOR_CAP,
    REVIEW_THRESHOLD,
    needs_review,
    score,
    similarity_bounds,
    similarity_points,
)
from lingoflow.types import Finding

MINOR = Finding("whitespace", "minor", "Leading space.")
MAJOR = Finding("numbers", "major", "A number differs.")
CRITICAL = Finding("untranslated", "critical", "The translation is the source text, unchanged.")
FLOOR, GOOD = similarity_bounds("de")


@pytest.mark.parametrize(
    ("findings", "similarity", "expected"),
    [
        pytest.param((), None, 100.0, id="clean-no-signal"),
        pytest.param((MINOR,), None, 95.0, id="one-minor"),
        pytest.param((MINOR, MINOR, MINOR), None, 85.0, id="three-minors"),
        pytest.param((MAJOR,), None, MAJOR_CAP, id="major-capped"),
        pytest.param((CRITICAL,), None, CRITICAL_CAP, id="critical-capped"),
        pytest.param((MAJOR, CRITICAL), None, CRITICAL_CAP, id="worst-cap-wins"),
        pytest.param((), GOOD, 100.0, id="good-similarity"),
        pytest.param((), 1.0, 100.0, id="copy-like-similarity-alone"),
        pytest.param((CRITICAL,), 1.0, CRITICAL_CAP, id="copy-caught-by-its-check"),
        pytest.param((), FLOOR, 0.0, id="floor"),
        pytest.param((), FLOOR - 0.2, 0.0, id="below-floor-clipped"),
        pytest.param((), (FLOOR + GOOD) / 2, 50.0, id="midway"),
        pytest.param((MINOR,), (FLOOR + GOOD) / 2, 45.0, id="minor-below-midway"),
        pytest.param((MAJOR,), (FLOOR + GOOD) / 2, 50.0, id="cap-above-similarity"),
        pytest.param((MINOR,) * 30, None, 0.0, id="never-negative"),
    ],
)
def test_score_formula(
    findings: tuple[Finding, ...], similarity: float | None, expected: float
) -> None:
    assert score(findings, similarity, "de") == pytest.approx(expected)


def test_similarity_points_rise_with_similarity() -> None:
    values = [similarity_points(FLOOR + step / 100, "de") for step in range(0, 13)]
    assert values == sorted(values)
    assert values[0] == 0.0
    assert values[-1] == 100.0
    assert similarity_points(None, "de") == 100.0


def test_scripts_without_spaces_have_lower_bounds() -> None:
    # The model places CJK translations less close to English sources (calibrated on NTREX).
    assert similarity_bounds("ja") < similarity_bounds("de")
    assert similarity_bounds("zh") == similarity_bounds("ko")
    assert score((), similarity_bounds("ja")[1], "ja") == 100.0


@pytest.mark.parametrize(
    ("value", "findings", "threshold", "expected"),
    [
        pytest.param(100.0, (), REVIEW_THRESHOLD, False, id="clean"),
        pytest.param(95.0, (MINOR,), REVIEW_THRESHOLD, False, id="minor-only"),
        pytest.param(MAJOR_CAP, (MAJOR,), REVIEW_THRESHOLD, True, id="major-below-default"),
        pytest.param(REVIEW_THRESHOLD, (), REVIEW_THRESHOLD, False, id="at-threshold"),
        pytest.param(REVIEW_THRESHOLD - 0.1, (), REVIEW_THRESHOLD, True, id="just-below"),
        pytest.param(100.0, (CRITICAL,), 0.0, True, id="critical-always"),
        pytest.param(MAJOR_CAP, (MAJOR,), 40.0, False, id="lower-threshold"),
    ],
)
def test_needs_review(
    value: float, findings: tuple[Finding, ...], threshold: float, expected: bool
) -> None:
    assert needs_review(value, findings, threshold) is expected
