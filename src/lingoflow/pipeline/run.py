"""The translation pipeline: segment → protect → TM / journal / cache → engine → restore → store.

:class:`Pipeline` translates texts for one :class:`~lingoflow.types.TranslationRequest`
(one language pair) with one engine, and returns, per text, the reassembled translation and a
:class:`~lingoflow.types.SegmentResult` for every segment saying where it came from and what
was found.

Invariants:

- Gaps between segments (whitespace, blank lines) come back byte-identical; protected spans
  (placeholders, tags, code, URLs, e-mails, do-not-translate terms) come back byte-identical
  or are reported as findings, never silently dropped.
- Look-up order: copy (nothing to translate) → TM exact (approved translations win, so an
  approved review edit lands in the next run) → the job's journal (``job_id``) → cache →
  engine. A segment is sent to the engine only if none of them has it; identical segments in
  one call are sent once. A journal or cache hit reports provenance ``cache``.
- The engine gets only the glossary terms that occur in a segment and at most
  ``max_examples`` fuzzy TM matches above ``fuzzy_threshold``.
- Segments go to the engine in chunks admitted by the
  :class:`~lingoflow.pipeline.ledger.Ledger`: with a job or a budget, at most ``chunk_size``
  (default: four times the engine's concurrency) are sent and not yet stored at any time,
  across concurrent calls (files translate concurrently); before each chunk it checks the
  job's status (cancelled) and the budget, and admits only what fits. Without either, a
  call's segments go in one chunk, as batch engines (Apertium) prefer.
- Each engine output is stored as it arrives from :meth:`Engine.translate_each
  <lingoflow.engines.base.Engine.translate_each>`, in one short transaction: its journal row
  (with a job), its cache entry (clean results only) and its usage record. A process killed at
  any moment (``kill -9``) therefore loses only segments whose output it had not yet received:
  those in flight, plus, with an engine that yields only after a whole batch (the default
  ``translate_each``), the rest of their chunk — for a job, never more than ``chunk_size``.
- A segment whose tokens came back lost or duplicated is retried once in the safer mode (the
  engine sees only the text between protected spans); the first attempt's findings are kept
  on the segment as minor notes. Its first attempt's usage is recorded when it arrives; the
  segment is stored once the retry settles it.
- Only engine results whose tokens all came back are written to the cache; the journal keeps
  every segment a job settled, so a resume never pays twice. The TM is never written here: it
  holds approved translations only. Every engine call is recorded as usage when storage is
  given (cost 0 for models without a price).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from lingoflow.engines.base import Engine
from lingoflow.errors import LingoflowError
from lingoflow.glossary.matcher import TermMatch, TermMatcher, check_terms
from lingoflow.languages import Language
from lingoflow.pipeline.ledger import Ledger, Settled
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
from lingoflow.pricing import Price
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
    from lingoflow.errors import JobError
    from lingoflow.storage import Storage

__all__ = ["Pipeline", "PipelineOptions", "TextResult"]

ProgressCallback = Callable[[int], None]
_T = TypeVar("_T")


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
    job_id: int | None = None  # journal every settled segment under this job (resumable runs)
    budget: float | None = None  # USD the job (else this pipeline) may spend; checked per chunk
    prices: Mapping[str, Price] | None = None  # price table for usage costs; None: defaults
    chunk_size: int = 0  # most segments sent, not stored; 0: 4 x concurrency with a job/budget


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
    journaled: bool = False  # settled from (so already in) the job's journal


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
        self.ledger = Ledger(
            engine.name,
            engine.model,
            storage,
            job_id=self.options.job_id,
            budget=self.options.budget,
            prices=self.options.prices,
            window=self._window(),
        )
        self._matchers: dict[tuple[str, str], TermMatcher] = {}

    def _window(self) -> int | None:
        """Most segments sent and not yet stored: bounded for jobs and budgets, else none."""
        if self.options.chunk_size:
            return self.options.chunk_size
        if self.options.job_id is None and self.options.budget is None:
            return None
        return 4 * max(1, self.engine.config.concurrency)

    @property
    def stopped(self) -> JobError | None:
        """The budget or cancellation stop this pipeline raised, if any (it stays raised)."""
        return self.ledger.stopped

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
        self._journal_settled(works, pair)
        await self._call_engine(pending, request, pair, signature)
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
        """Settle what needs no engine (copy, TM exact, journal, cache); return the rest."""
        pending: list[_Work] = []
        for work in works:
            if is_all_protected(work.protected):
                work.result = SegmentResult(work.source, work.source, Provenance.COPY)
            else:
                pending.append(work)
        # Approved TM entries win over cached engine output, even one cached earlier.
        pending = self._from_tm(pending, pair)
        return self._from_cache(self._from_journal(pending))

    def _from_journal(self, works: list[_Work]) -> list[_Work]:
        job = self.options.job_id
        if not (self.storage and job is not None and works):
            return works
        hits = self.storage.jobs.journal(job, [w.key for w in works])
        for work in works:
            entry = hits.get(work.key)
            if entry is not None:
                work.result = SegmentResult(
                    work.source, entry.text, Provenance.CACHE, entry.findings
                )
                work.journaled = True
        return [w for w in works if w.result is None]

    def _journal_settled(self, works: Sequence[_Work], pair: tuple[str, str]) -> None:
        """Journal the segments settled without the engine (copy, TM, cache), once per key."""
        settled = {
            w.key: (w.key, w.source, w.result)
            for w in works
            if w.result is not None and not w.journaled
        }
        self.ledger.journal(pair, list(settled.values()))

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
        self,
        works: list[_Work],
        request: TranslationRequest,
        pair: tuple[str, str],
        signature: Signature,
    ) -> None:
        """Translate each distinct pending segment once, chunk by chunk, storing as they come."""
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
        position = 0
        while position < len(first):
            ask = segments[position : position + (self.ledger.window or len(segments))]
            costs = await self.ledger.admit(ask, request)
            end = position + len(costs)
            sending = (first[position:end], segments[position:end])
            await self._send(*sending, costs, request, pair, signature)
            position = end
        for work in works:  # duplicates share the first copy's result
            if work.result is None:
                work.result = unique[work.key].result

    async def _send(
        self,
        works: Sequence[_Work],
        segments: Sequence[Segment],
        costs: list[float],
        request: TranslationRequest,
        pair: tuple[str, str],
        signature: Signature,
    ) -> None:
        """Send one admitted chunk; store outputs as they arrive, then retry damaged ones."""
        damaged: list[tuple[_Work, RestoreResult]] = []
        unsettled = dict(enumerate(costs))  # reservations to release, by index
        try:
            arrivals = _bursts(self.engine.translate_each(segments, request))
            async with aclosing(arrivals):
                async for burst in arrivals:
                    settled: list[Settled] = []
                    for index, output in burst:
                        work = works[index]
                        work.output, work.usage = output, output.usage
                        restored = restore(output.text, work.protected)
                        if restored.ok:
                            work.result = _engine_result(work, restored)
                            settled.append(_settled(work))
                        else:  # paid now, stored now; the retry settles it
                            damaged.append((work, restored))
                    self.ledger.store(pair, [o for _, o in burst], settled, signature)
                    self.ledger.release([unsettled.pop(i) for i, _ in burst])
        finally:
            self.ledger.release(list(unsettled.values()))
        if damaged:
            await self._retry_unsafe(damaged, request, pair, signature)

    async def _retry_unsafe(
        self,
        failed: Sequence[tuple[_Work, RestoreResult]],
        request: TranslationRequest,
        pair: tuple[str, str],
        signature: Signature,
    ) -> None:
        plans = [protected_pieces(w.protected) for w, _ in failed]
        texts = [p.text for plan in plans for p in plan if p.translatable]
        matcher = self._matchers.get(pair) if self.engine.supports_terms else None
        segments = [
            Segment(t, _terms(matcher.match(t), for_engine=True) if matcher else ()) for t in texts
        ]
        costs = await self.ledger.admit(segments, request, whole=True)
        try:
            outputs = await self.engine.translate_batch(segments, request)
        finally:
            self.ledger.release(costs)
        position = 0
        settled: list[Settled] = []
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
            work.result = SegmentResult(
                work.source, text, Provenance.ENGINE, notes, examples=len(work.examples)
            )
            settled.append(_settled(work))
        self.ledger.store(pair, outputs, settled, signature)

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


def _settled(work: _Work) -> Settled:
    """What the ledger stores for a segment the engine settled."""
    if work.result is None or work.output is None:
        raise LingoflowError(f"Internal error: segment {work.source[:40]!r} was not settled.")
    return Settled(work.key, work.source, work.result, work.output, work.usage)


async def _bursts(items: AsyncIterator[_T]) -> AsyncGenerator[list[_T], None]:
    """Yield ``items`` in bursts: every item that arrived since the previous burst was taken.

    A burst is taken as soon as one item is there, so nothing waits on a timer; whatever
    arrived meanwhile (a whole batch from a default ``translate_each``, outputs that finished
    while the last burst was being stored) goes into one transaction instead of one each.
    The source's error is raised after the items it yielded.
    """
    queue: asyncio.Queue[tuple[_T] | None] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in items:
                queue.put_nowait((item,))
        finally:
            queue.put_nowait(None)

    task = asyncio.ensure_future(pump())
    try:
        ended = False
        while not ended:
            burst = [await queue.get()]
            while not queue.empty():
                burst.append(queue.get_nowait())
            ended = burst[-1] is None
            found = [box[0] for box in burst if box is not None]
            if found:
                yield found
        await task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
