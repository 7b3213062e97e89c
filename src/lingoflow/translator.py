"""The library's front door: translate texts into one or many languages with one engine.

``Translator`` is async at the core (``atranslate*``) with a thin sync facade
(``translate*``) that runs the same coroutine with ``asyncio.run``. The CLI and, later, the
HTTP service are thin layers over it.

Invariants: one :class:`~lingoflow.types.Translation` per (text, target), in input order;
empty texts are returned empty without an engine call; a text whose source language equals
the target is returned unchanged; the engine instance (and so its connection pool or loaded
model) is reused for every call. Each text goes through :class:`~lingoflow.pipeline.run.Pipeline`
(segmentation, protected spans, glossary, cache and TM).

Quality: after the pipeline returns, the segments the engine made are checked with the
registered QA checks and scored (:class:`~lingoflow.qa.assess.Assessor`; the findings and
score land on each :class:`~lingoflow.types.SegmentResult`, and :attr:`Translator.quality`
counts them over the translator's life). With storage, segments that need review go to the
review queue (one pending item per segment key and job), the job's journal gets their
scores, and a translator given no TM consults :data:`~lingoflow.qa.review.REVIEW_MEMORY`,
where approved and edited review items go, so the next run writes the reviewed text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

from lingoflow.detection import detect
from lingoflow.engines.base import Engine, EngineConfig
from lingoflow.engines.registry import create_engine
from lingoflow.errors import InputError, UnsupportedLanguagePairError
from lingoflow.languages import Language, resolve, resolve_source
from lingoflow.pipeline.run import Pipeline, PipelineOptions, TextResult
from lingoflow.qa.assess import Assessor, QualityOptions, QualitySummary
from lingoflow.qa.review import REVIEW_MEMORY
from lingoflow.signature import segment_key
from lingoflow.types import Detection, Provenance, SegmentResult, Translation, TranslationRequest

if TYPE_CHECKING:
    from lingoflow.storage import Storage
    from lingoflow.storage.review import ReviewItem

__all__ = ["LanguageLike", "Translator"]

LanguageLike = str | Language
ProgressCallback = Callable[[int], None]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Call:
    """What one ``atranslate_multi`` call passes to each target's column."""

    domain: str | None
    formality: str | None
    progress: ProgressCallback | None
    path: str | None


@dataclass(frozen=True, slots=True)
class SourceLanguage:
    """The source language of one text: given, detected, or unknown (``language`` None)."""

    language: Language | None
    detection: Detection | None = None


class Translator:
    """Translate texts with one engine; reuse one instance for many calls.

    ``storage`` enables the cache, translation memory, job journal and review queue;
    ``options`` sets the glossary, TM, cache use and segmentation unit (see
    :class:`~lingoflow.pipeline.run.PipelineOptions`); with storage and no TM, the TM is
    :data:`~lingoflow.qa.review.REVIEW_MEMORY`. ``quality`` sets the QA checks, the
    similarity signal and the review threshold (see :class:`~lingoflow.qa.assess.QualityOptions`);
    an unknown check name raises :class:`~lingoflow.errors.ConfigurationError` here.

    >>> with Translator("local") as t:                      # doctest: +SKIP
    ...     print(t.translate("Hello", to="es").text)
    """

    def __init__(
        self,
        engine: str | Engine = "local",
        config: EngineConfig | None = None,
        *,
        storage: Storage | None = None,
        options: PipelineOptions | None = None,
        quality: QualityOptions | None = None,
    ) -> None:
        self.engine = engine if isinstance(engine, Engine) else create_engine(engine, config)
        options = options or PipelineOptions()
        if storage is not None and options.tm is None:
            options = replace(options, tm=REVIEW_MEMORY)
        self.assessor = Assessor(quality, engine=self.engine.name)
        self.pipeline = Pipeline(self.engine, storage, options)

    @property
    def quality(self) -> QualitySummary:
        """What QA found over every call so far: checked segments, findings, review."""
        return self.assessor.summary

    async def atranslate(
        self,
        text: str,
        to: LanguageLike,
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
    ) -> Translation:
        """Translate one text into one language."""
        if not text.strip():
            raise InputError("Nothing to translate: the text is empty.")
        result = await self.atranslate_multi(
            [text], [to], source=source, domain=domain, formality=formality
        )
        return result[0][0]

    async def atranslate_batch(
        self,
        texts: Sequence[str],
        to: LanguageLike,
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
    ) -> list[Translation]:
        """Translate many texts into one language; one result per text, in order."""
        result = await self.atranslate_multi(
            texts, [to], source=source, domain=domain, formality=formality
        )
        return [row[0] for row in result]

    async def atranslate_multi(
        self,
        texts: Sequence[str],
        targets: Sequence[LanguageLike],
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
        progress: ProgressCallback | None = None,
        path: str | None = None,
    ) -> list[list[Translation]]:
        """Translate every text into every target: ``result[i][j]`` is text i in target j.

        ``progress`` is called with the number of segments finished after each engine batch.
        ``path`` names the file the texts come from, for the review queue.
        """
        target_langs = _unique([_as_language(t) for t in targets])
        sources = self.sources_for(texts, source)
        rows: list[list[Translation]] = [[] for _ in texts]
        for target in target_langs:
            column = await self._translate_column(
                texts, sources, target, _Call(domain, formality, progress, path)
            )
            for row, translation in zip(rows, column, strict=True):
                row.append(translation)
        return rows

    def translate(
        self,
        text: str,
        to: LanguageLike,
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
    ) -> Translation:
        """Translate one text into one language (blocking)."""
        return self._run(
            self.atranslate(text, to, source=source, domain=domain, formality=formality)
        )

    def translate_batch(
        self,
        texts: Sequence[str],
        to: LanguageLike,
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
    ) -> list[Translation]:
        """Translate many texts into one language (blocking)."""
        return self._run(
            self.atranslate_batch(texts, to, source=source, domain=domain, formality=formality)
        )

    def translate_multi(
        self,
        texts: Sequence[str],
        targets: Sequence[LanguageLike],
        *,
        source: LanguageLike = "auto",
        domain: str | None = None,
        formality: str | None = None,
        progress: ProgressCallback | None = None,
        path: str | None = None,
    ) -> list[list[Translation]]:
        """Translate every text into every target (blocking); see ``atranslate_multi``."""
        return self._run(
            self.atranslate_multi(
                texts,
                targets,
                source=source,
                domain=domain,
                formality=formality,
                progress=progress,
                path=path,
            )
        )

    async def aclose(self) -> None:
        """Release the engine's connections, subprocesses or model."""
        await self.engine.aclose()

    def close(self) -> None:
        """Release the engine's resources (blocking)."""
        asyncio.run(self.aclose())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, coro: Awaitable[_T]) -> _T:
        async def wrapped() -> _T:
            try:
                return await coro
            finally:
                # Connection pools are bound to the event loop asyncio.run creates; close them
                # before it ends so the next blocking call starts clean.
                await self.engine.aclose()

        return asyncio.run(wrapped())

    def sources_for(self, texts: Sequence[str], source: LanguageLike) -> list[SourceLanguage]:
        """Return each text's source language: the given one, or detected when ``auto``."""
        given = source if isinstance(source, Language) else resolve_source(source)
        if given is not None:
            return [SourceLanguage(given) for _ in texts]
        return [_detect_source(text) for text in texts]

    async def _translate_column(
        self,
        texts: Sequence[str],
        sources: Sequence[SourceLanguage],
        target: Language,
        call: _Call,
    ) -> list[Translation]:
        results: list[Translation | None] = [None] * len(texts)
        groups = group_by_source(texts, sources, target, self.engine.needs_source)
        for (sent, language), indexes in groups.items():
            self.check_pair(sent, target)
            request = TranslationRequest(target, sent, call.domain, call.formality)
            done = await self.pipeline.translate(
                [texts[i] for i in indexes], request, language=language, progress=call.progress
            )
            if language is not None:
                done = await self._assess(done, request, language, call.path)
            for i, result in zip(indexes, done, strict=True):
                results[i] = self._result(texts[i], sources[i], target, result)
        for i, text in enumerate(texts):
            if results[i] is None:  # empty, or already in the target language
                results[i] = self._result(text, sources[i], target, None)
        return [r for r in results if r is not None]

    async def _assess(
        self,
        done: Sequence[TextResult],
        request: TranslationRequest,
        language: Language,
        path: str | None,
    ) -> list[TextResult]:
        """Check and score the engine's segments; queue the flagged ones; journal the scores.

        Texts whose source language is unknown are not checked (the checks need it).
        """
        segments = [s for result in done for s in result.segments]
        assessed = await self.assessor.assess(segments, language, request.target)
        flagged = [s for s in dict.fromkeys(assessed) if self.assessor.flagged(s)]
        self.assessor.summary.add(assessed, len(flagged))
        self._store_quality(assessed, flagged, request, language, path)
        out: list[TextResult] = []
        position = 0
        for result in done:
            count = len(result.segments)
            out.append(replace(result, segments=tuple(assessed[position : position + count])))
            position += count
        return out

    def _store_quality(
        self,
        assessed: Sequence[SegmentResult],
        flagged: Sequence[SegmentResult],
        request: TranslationRequest,
        language: Language,
        path: str | None,
    ) -> None:
        """Queue ``flagged`` for review and put the scores into the job's journal."""
        storage, options = self.pipeline.storage, self.pipeline.options
        if storage is None:
            return
        signature = self.pipeline.signature_for(request)
        pair = (language.code, request.target.code)

        def key(segment: SegmentResult) -> str:
            return segment_key(segment.source, *pair, signature)

        if options.job_id is not None:
            scores = {key(s): s.score for s in assessed if s.score is not None}
            storage.jobs.set_scores(options.job_id, scores)
        if flagged and self.assessor.options.review:
            items = [self._review_item(s, key(s), pair, path) for s in flagged]
            self.assessor.summary.queued += storage.review.add_many(items)

    def _review_item(
        self, segment: SegmentResult, key: str, pair: tuple[str, str], path: str | None
    ) -> ReviewItem:
        from lingoflow.storage.review import ReviewItem  # SQLAlchemy only with storage

        options = self.pipeline.options
        return ReviewItem(
            segment_key=key,
            source_lang=pair[0],
            target_lang=pair[1],
            source=segment.source,
            machine_text=segment.text,
            memory=options.tm or REVIEW_MEMORY,
            findings=segment.findings,
            score=segment.score,
            job_id=options.job_id,
            path=path,
            engine=self.engine.name,
            model=self.engine.model,
        )

    def check_pair(self, source: Language | None, target: Language) -> None:
        """Raise ``UnsupportedLanguagePairError`` if the engine cannot do this pair."""
        if source is None and self.engine.needs_source:
            raise UnsupportedLanguagePairError(
                f"Engine {self.engine.name!r} needs the source language: pass --from LANG."
            )
        if not self.engine.supports_pair(source, target):
            pair = f"{source.name if source else 'auto'} → {target.name}"
            raise UnsupportedLanguagePairError(
                f"Engine {self.engine.name!r} cannot translate {pair}. "
                "Run `lingoflow engines` to see what each engine supports, or pick another."
            )

    def _result(
        self, source_text: str, source: SourceLanguage, target: Language, done: TextResult | None
    ) -> Translation:
        language = source.language or target
        if done is None:
            return Translation(
                source_text,
                source_text,
                language,
                target,
                self.engine.name,
                self.engine.model,
                provenance=Provenance.COPY,
                detected=source.detection,
            )
        return Translation(
            source_text=source_text,
            text=done.text,
            source=language,
            target=target,
            engine=self.engine.name,
            model=done.model,
            usage=done.usage,
            provenance=_overall_provenance(done),
            detected=source.detection,
            segments=done.segments,
        )


def _overall_provenance(done: TextResult) -> Provenance:
    """One provenance for a whole text: the segments' common one, else ``engine``."""
    kinds = {segment.provenance for segment in done.segments}
    return kinds.pop() if len(kinds) == 1 else Provenance.ENGINE


def _as_language(value: LanguageLike) -> Language:
    return value if isinstance(value, Language) else resolve(value)


def _unique(languages: Sequence[Language]) -> list[Language]:
    return list(dict.fromkeys(languages))


def _detect_source(text: str) -> SourceLanguage:
    if not text.strip():
        return SourceLanguage(None)
    try:
        detection = detect(text)
    except InputError:  # nothing detectable (digits, punctuation): let the engine decide
        return SourceLanguage(None)
    return SourceLanguage(detection.language, detection)


def group_by_source(
    texts: Sequence[str], sources: Sequence[SourceLanguage], target: Language, needs_source: bool
) -> dict[tuple[Language | None, Language | None], list[int]]:
    """Indexes of the texts to translate, grouped by (source sent to the engine, language).

    A detected language is only sent to engines that cannot work without one: the others get
    ``auto`` (``None``), so a wrong guess on a short text does not mislead them. The language
    itself still drives segmentation, glossary and TM look-ups.
    """
    groups: dict[tuple[Language | None, Language | None], list[int]] = {}
    for i, (text, src) in enumerate(zip(texts, sources, strict=True)):
        if not text.strip() or (src.language == target and src.detection is None):
            continue
        sent = src.language if src.detection is None or needs_source else None
        groups.setdefault((sent, src.language), []).append(i)
    return groups
