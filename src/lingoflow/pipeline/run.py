"""The translation pipeline: segment → protect → cache / TM → engine → restore → check → store.

:class:`Pipeline` translates texts for one :class:`~lingoflow.types.TranslationRequest`
(one language pair) with one engine, and returns, per text, the reassembled translation and a
:class:`~lingoflow.types.SegmentResult` for every segment saying where it came from and what
was found.

Invariants:

- Gaps between segments (whitespace, blank lines) come back byte-identical; protected spans
  (placeholders, tags, code, URLs, e-mails, do-not-translate terms) come back byte-identical
  or are reported as findings, never silently dropped.
- A segment is sent to the engine only if neither the cache (same key) nor the TM (exact
  source) has it; identical segments in one call are sent once.
- The engine gets only the glossary terms that occur in a segment and at most
  ``max_examples`` fuzzy TM matches above ``fuzzy_threshold``.
- A segment whose tokens came back lost or duplicated is retried once in the safer mode (the
  engine sees only the text between protected spans); the first attempt's findings are kept
  on the segment as minor notes.
- Only engine results whose tokens all came back are written to the cache. The TM is never
  written here: it holds approved translations only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from lingoflow.engines.base import Engine
from lingoflow.errors import LingoflowError
from lingoflow.glossary.matcher import TermMatch, TermMatcher, check_terms
from lingoflow.languages import Language
from lingoflow.pipeline.protect import (
    DntTerm,
    ProtectedText,
    RestoreResult,
    is_all_protected,
    protect,
    protected_pieces,
    restore,
)
from lingoflow.pipeline.segment import TextPiece, Unit, reassemble, segment_text
from lingoflow.signature import Signature, segment_key
from lingoflow.types import (
    EngineOutput,
    Example,
    Finding,
    GlossaryEntry,
    GlossarySelection,
    Provenance,
    Segment,
    SegmentResult,
    Term,
    TranslationRequest,
    Usage,
)

if TYPE_CHECKING:
    from lingoflow.storage import Storage

__all__ = ["Pipeline", "PipelineOptions", "TextResult"]

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """How the pipeline treats every text of a run."""

    glossary: GlossarySelection | None = None
    tm: str | None = None  # translation memory to consult (exact reuse + fuzzy examples)
    use_cache: bool = True
    cache_ttl: timedelta | None = None
    fuzzy_threshold: float = 0.75
    max_examples: int = 3
    unit: Unit = "sentence"


@dataclass(frozen=True, slots=True)
class TextResult:
    """One text translated: the reassembled translation, its segments and engine usage."""

    text: str
    model: str
    usage: Usage
    segments: tuple[SegmentResult, ...]


@dataclass(slots=True)
class _Work:
    """One segment on its way through the pipeline."""

    source: str
    key: str
    protected: ProtectedText
    matches: list[TermMatch] = field(default_factory=list)
    examples: tuple[Example, ...] = ()
    result: SegmentResult | None = None
    output: EngineOutput | None = None
    usage: Usage = field(default_factory=Usage)


class Pipeline:
    """Translate texts with one engine, reusing cache and TM from ``storage`` when given."""

    def __init__(
        self,
        engine: Engine,
        storage: Storage | None = None,
        options: PipelineOptions | None = None,
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.options = options or PipelineOptions()
        self._matchers: dict[tuple[str, str], TermMatcher] = {}

    async def translate(
        self,
        texts: Sequence[str],
        request: TranslationRequest,
        *,
        language: Language | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[TextResult]:
        """Translate ``texts``; ``language`` is their known or detected source language.

        ``language`` drives segmentation, glossary and TM look-ups even when ``request.source``
        is ``None`` (the engine detects the source itself).
        """
        source = request.source or language
        plans = [
            segment_text(
                text, source, unit=self.options.unit, max_tokens=self.engine.max_input_tokens
            )
            for text in texts
        ]
        sources = [p.text for plan in plans for p in plan if p.translatable]
        results = await self._translate_segments(sources, request, source)
        if progress:
            progress(len(sources))
        return self._assemble(plans, results, request)

    def _assemble(
        self,
        plans: Sequence[list[TextPiece]],
        results: Sequence[tuple[SegmentResult, Usage, str]],
        request: TranslationRequest,
    ) -> list[TextResult]:
        out: list[TextResult] = []
        position = 0
        for pieces in plans:
            count = sum(1 for p in pieces if p.translatable)
            chunk = results[position : position + count]
            position += count
            text = reassemble(pieces, [r.text for r, _, _ in chunk], target=request.target)
            usage = sum((u for _, u, _ in chunk), Usage())
            model = next((m for _, _, m in chunk if m), self.engine.model)
            out.append(TextResult(text, model, usage, tuple(r for r, _, _ in chunk)))
        return out

    async def _translate_segments(
        self, sources: Sequence[str], request: TranslationRequest, language: Language | None
    ) -> list[tuple[SegmentResult, Usage, str]]:
        signature = self.signature_for(request)
        pair = (language.code if language else "auto", request.target.code)
        dnt = self.dnt_terms(pair)
        works = [
            _Work(s, segment_key(s, pair[0], pair[1], signature), protect(s, dnt_terms=dnt))
            for s in sources
        ]
        self._match_terms(works, pair)
        pending = self._lookup(works, pair)
        outputs = await self._call_engine(pending, request, pair)
        self._store(outputs, signature)
        return [self._finish(work, pair) for work in works]

    def signature_for(self, request: TranslationRequest) -> Signature:
        """Return the signature results for ``request`` are cached and keyed under."""
        glossary = self.options.glossary.version if self.options.glossary else ""
        options = {
            "domain": request.domain,
            "formality": request.formality,
            "unit": self.options.unit,
            "tm": self.options.tm,
        }
        return Signature.create(self.engine.name, self.engine.model, options, glossary)

    def _entries(self, pair: tuple[str, str]) -> tuple[GlossaryEntry, ...]:
        return self.options.glossary.for_pair(*pair) if self.options.glossary else ()

    def dnt_terms(self, pair: tuple[str, str]) -> list[DntTerm]:
        """Return the glossary's do-not-translate terms for ``pair``, for protection."""
        return [
            DntTerm(e.source, case_sensitive=e.case_sensitive)
            for e in self._entries(pair)
            if e.do_not_translate
        ]

    def _match_terms(self, works: Sequence[_Work], pair: tuple[str, str]) -> None:
        entries = [e for e in self._entries(pair) if not e.do_not_translate]
        if not entries:
            return
        if pair not in self._matchers:
            self._matchers[pair] = TermMatcher(entries)
        matcher = self._matchers[pair]
        for work in works:
            work.matches = matcher.match(work.source)

    def _lookup(self, works: Sequence[_Work], pair: tuple[str, str]) -> list[_Work]:
        """Settle what needs no engine (copy, cache, TM exact); return the rest."""
        pending: list[_Work] = []
        for work in works:
            if is_all_protected(work.protected):
                work.result = SegmentResult(work.source, work.source, Provenance.COPY)
            else:
                pending.append(work)
        # Approved TM entries win over cached engine output, even one cached earlier.
        pending = self._from_tm(pending, pair)
        return self._from_cache(pending)

    def _from_cache(self, works: list[_Work]) -> list[_Work]:
        if not (self.storage and self.options.use_cache and works):
            return works
        hits = self.storage.cache.get_many([w.key for w in works], self.options.cache_ttl)
        for work in works:
            if work.key in hits:
                work.result = SegmentResult(work.source, hits[work.key].text, Provenance.CACHE)
        return [w for w in works if w.result is None]

    def _from_tm(self, works: list[_Work], pair: tuple[str, str]) -> list[_Work]:
        memory = self.options.tm
        if not (self.storage and memory and works and pair[0] != "auto"):
            return works
        hits = self.storage.tm.exact(memory, pair[0], pair[1], [w.source for w in works])
        for work in works:
            if work.source in hits:
                work.result = SegmentResult(work.source, hits[work.source], Provenance.TM_EXACT)
        return [w for w in works if w.result is None]

    def _examples(self, works: Sequence[_Work], pair: tuple[str, str]) -> list[tuple[Example, ...]]:
        memory = self.options.tm
        if not (self.storage and memory and self.engine.supports_examples and pair[0] != "auto"):
            return [() for _ in works]
        found = self.storage.tm.fuzzy_many(
            memory,
            pair[0],
            pair[1],
            [w.source for w in works],
            limit=self.options.max_examples,
            threshold=self.options.fuzzy_threshold,
        )
        return [tuple(m.example for m in matches) for matches in found]

    async def _call_engine(
        self, works: list[_Work], request: TranslationRequest, pair: tuple[str, str]
    ) -> list[_Work]:
        """Translate each distinct pending segment once; retry lost tokens in safe mode."""
        unique: dict[str, _Work] = {}
        for work in works:
            unique.setdefault(work.key, work)
        first = list(unique.values())
        for work, examples in zip(first, self._examples(first, pair), strict=True):
            work.examples = examples
        segments = [
            Segment(
                w.protected.text,
                _terms(w.matches, for_engine=True) if self.engine.supports_terms else (),
                w.examples,
            )
            for w in first
        ]
        outputs = await self.engine.translate_batch(segments, request)
        for work, output in zip(first, outputs, strict=True):
            work.output, work.usage = output, output.usage
        restored = [restore(o.text, w.protected) for o, w in zip(outputs, first, strict=True)]
        retried = await self._retry_unsafe(first, restored, request, pair)
        for work, result in zip(first, restored, strict=True):
            work.result = retried.get(work.key) or _engine_result(work, result)
        for work in works:  # duplicates share the first copy's result
            if work.result is None:
                twin = unique[work.key]
                work.result = twin.result
        return first

    async def _retry_unsafe(
        self,
        works: Sequence[_Work],
        restored: Sequence[RestoreResult],
        request: TranslationRequest,
        pair: tuple[str, str],
    ) -> dict[str, SegmentResult]:
        failed = [(w, r) for w, r in zip(works, restored, strict=True) if not r.ok]
        if not failed:
            return {}
        plans = [protected_pieces(w.protected) for w, _ in failed]
        texts = [p.text for plan in plans for p in plan if p.translatable]
        matcher = self._matchers.get(pair) if self.engine.supports_terms else None
        segments = [
            Segment(t, _terms(matcher.match(t), for_engine=True) if matcher else ()) for t in texts
        ]
        outputs = await self.engine.translate_batch(segments, request)
        results: dict[str, SegmentResult] = {}
        position = 0
        for (work, first), plan in zip(failed, plans, strict=True):
            count = sum(1 for p in plan if p.translatable)
            chunk = outputs[position : position + count]
            position += count
            work.usage = sum((o.usage for o in chunk), work.usage)
            notes = tuple(
                Finding(f"placeholder-{f.kind}", "minor", f"{f.message} (fixed by a safe retry)")
                for f in first.findings
            )
            text = reassemble(plan, [o.text for o in chunk])
            results[work.key] = SegmentResult(
                work.source, text, Provenance.ENGINE, notes, examples=len(work.examples)
            )
        return results

    def _store(self, works: Sequence[_Work], signature: Signature) -> None:
        if not (self.storage and works):
            return
        from lingoflow.storage import CachedTranslation  # SQLAlchemy only when storing

        entries = [
            CachedTranslation(w.key, w.result.text, signature, w.output.model, w.usage)
            for w in works
            if w.result is not None
            and w.output is not None
            and not any(f.severity != "minor" for f in w.result.findings)
        ]
        if entries:
            self.storage.cache.put_many(entries)

    def _finish(self, work: _Work, pair: tuple[str, str]) -> tuple[SegmentResult, Usage, str]:
        result = work.result
        if result is None:  # every work is settled by _lookup or _call_engine
            raise LingoflowError(f"Internal error: segment {work.source[:40]!r} was not settled.")
        term_findings = tuple(
            Finding(f"term-{f.kind.value}", "major", f.message)
            for f in check_terms(work.matches, result.text, pair[1])
        )
        terms = _terms(work.matches)
        result = SegmentResult(
            result.source,
            result.text,
            result.provenance,
            result.findings + term_findings,
            terms,
            result.examples,
        )
        model = work.output.model if work.output else ""
        return result, work.usage, model


def _terms(matches: Sequence[TermMatch], *, for_engine: bool = False) -> tuple[Term, ...]:
    """The distinct terms of ``matches`` in order: each is billed once, not per occurrence.

    ``for_engine`` leaves out identity terms (target equal to source, ignoring case: names,
    product names): Qwen-MT bills every term as input tokens, and such a term only restates
    the source. They still count as matched: :func:`check_terms` verifies that the
    translation keeps them, and :attr:`SegmentResult.terms` lists them.
    """
    terms = dict.fromkeys(m.term for m in matches)
    if for_engine:
        return tuple(t for t in terms if t.source.casefold() != t.target.casefold())
    return tuple(terms)


def _engine_result(work: _Work, restored: RestoreResult) -> SegmentResult:
    findings = tuple(
        Finding(
            f"placeholder-{f.kind}",
            "minor" if f.minor else "critical",
            f.message,
        )
        for f in restored.findings
    )
    return SegmentResult(
        work.source, restored.text, Provenance.ENGINE, findings, examples=len(work.examples)
    )
