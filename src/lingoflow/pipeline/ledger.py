"""The pipeline's books: what engine calls cost, where results are stored, what may be sent.

A :class:`Ledger` belongs to one :class:`~lingoflow.pipeline.run.Pipeline`. It prices every
engine output from the price table (a model without a price — local engines, self-hosted
servers — costs 0), stores it (:meth:`Ledger.store`: usage record, journal row with a job,
cache entry when clean — one transaction), and decides, before each bounded chunk of segments
goes to the engine, how many of them may go.

The gate (:meth:`Ledger.admit`):

- With a ``window``, at most that many segments are admitted and not yet stored at any time,
  across every call of the pipeline (files translate concurrently): a larger request gets a
  prefix, and waits while the window is full. This is what bounds the work a ``kill -9`` can
  lose. Without one, a call's segments go in one chunk (fastest for batch engines).
- With a job, a ``cancelled`` status stored by ``lingoflow jobs cancel`` (another process)
  stops the run with :class:`~lingoflow.errors.JobCancelledError`.
- With a budget, spent-so-far (the job's usage records, else what this ledger recorded) plus
  the estimated cost of the segments already admitted but not yet stored (reserved: files
  translate concurrently) plus that of the segments about to be sent must stay within it. The
  longest prefix of the chunk that fits is admitted. When not even one segment fits but
  reservations are what keeps it out, the gate waits for them to be released (what was in
  flight may cost less than reserved) and looks again; when nothing is in flight and not even
  one segment fits, :class:`~lingoflow.errors.BudgetExceededError` is raised and nothing more
  is sent. The estimate
  counts tokens generously (:func:`~lingoflow.pipeline.segment.approx_tokens` of the text,
  its terms, examples and domain; output = input x
  :data:`~lingoflow.pricing.OUTPUT_RATIO`), so the budget is not exceeded unless an engine
  bills well above that estimate.
- A stop is sticky: once raised, every later check of this ledger raises it again, so files
  translated concurrently with one pipeline all stop at their next chunk.

Nothing here reads the environment or touches the database except through the given
:class:`~lingoflow.storage.Storage`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from lingoflow.errors import BudgetExceededError, JobCancelledError, JobError
from lingoflow.pipeline.segment import approx_tokens
from lingoflow.pricing import (
    DEFAULT_PRICES,
    Price,
    cost_usd,
    estimated_output_tokens,
    format_usd,
    price_for,
)
from lingoflow.types import (
    EngineOutput,
    Example,
    Segment,
    SegmentResult,
    Term,
    TranslationRequest,
    Usage,
)

if TYPE_CHECKING:
    from lingoflow.signature import Signature
    from lingoflow.storage import Storage, UsageRecord

__all__ = ["Ledger", "Settled", "segment_input_tokens"]


@dataclass(frozen=True, slots=True)
class Settled:
    """One segment the engine settled: its key, source, result, last output and total usage."""

    key: str
    source: str
    result: SegmentResult
    output: EngineOutput
    usage: Usage


def segment_input_tokens(segment: Segment, request: TranslationRequest) -> int:
    """Estimate the input tokens of sending ``segment``: text, terms, examples and domain."""
    pairs: list[Term | Example] = [*segment.terms, *segment.examples]
    extra = sum(approx_tokens(p.source) + approx_tokens(p.target) for p in pairs)
    return approx_tokens(segment.text) + extra + approx_tokens(request.domain or "")


class Ledger:
    """Price engine calls, record them as usage, and gate what is sent on budget and status."""

    def __init__(
        self,
        engine: str,
        model: str,
        storage: Storage | None,
        *,
        job_id: int | None = None,
        budget: float | None = None,
        prices: Mapping[str, Price] | None = None,
        window: int | None = None,
    ) -> None:
        self.engine = engine
        self.model = model
        self.storage = storage
        self.job_id = job_id
        self.budget = budget
        self.window = max(1, window) if window else None  # None: no bound
        self.prices = DEFAULT_PRICES if prices is None else prices
        self.stopped: JobError | None = None
        self._local_spent = 0.0  # what this ledger recorded, for budgets without a job
        self._reserved = 0.0  # estimated cost of the segments admitted and not yet stored
        self._pending = 0
        self._waiters: list[asyncio.Future[None]] = []  # admits waiting for a release

    def cost(self, model: str, usage: Usage) -> float:
        """Return what ``usage`` on ``model`` costs in US dollars (0 without a price)."""
        price = price_for(model or self.model, self.prices)
        return cost_usd(price, usage.input_tokens, usage.output_tokens) if price else 0.0

    def usage_record(self, output: EngineOutput, pair: tuple[str, str]) -> UsageRecord:
        """Return the usage record of one engine call that produced ``output``."""
        from lingoflow.storage import UsageRecord  # SQLAlchemy only when storing

        return UsageRecord(
            engine=self.engine,
            model=output.model or self.model,
            source_lang=pair[0],
            target_lang=pair[1],
            usage=output.usage,
            cost_usd=self.cost(output.model, output.usage),
            key_id=output.key_id,
            job_id=self.job_id,
        )

    def spend(self, outputs: Sequence[EngineOutput]) -> float:
        """Count ``outputs`` as spent by this ledger; return their cost."""
        cost = sum(self.cost(o.model, o.usage) for o in outputs)
        self._local_spent += cost
        return cost

    def store(
        self,
        pair: tuple[str, str],
        calls: Sequence[EngineOutput],
        settled: Sequence[Settled] = (),
        signature: Signature | None = None,
    ) -> None:
        """Count ``calls`` and store them with the segments they ``settled``, in one transaction.

        Each settled segment gets its journal row (with a job) and, when clean (only minor
        findings) and ``signature`` is given, its cache entry.
        """
        self.spend(calls)
        if self.storage is None:
            return
        from lingoflow.storage import CachedTranslation, JournalEntry  # SQLAlchemy only here

        journal, cache = [], []
        for s in settled:
            result, model = s.result, s.output.model
            cost = self.cost(model, s.usage)
            journal.append(
                JournalEntry(
                    s.key,
                    pair[0],
                    pair[1],
                    s.source,
                    result.text,
                    result.provenance.value,
                    model,
                    s.output.key_id,
                    s.usage,
                    cost,
                    result.findings,
                )
            )
            if signature is not None and all(f.severity == "minor" for f in result.findings):
                cache.append(CachedTranslation(s.key, result.text, signature, model, s.usage))
        self.storage.record(
            job_id=self.job_id,
            journal=journal if self.job_id is not None else [],
            cache=cache,
            usage=[self.usage_record(o, pair) for o in calls],
        )

    def journal(
        self, pair: tuple[str, str], settled: Sequence[tuple[str, str, SegmentResult]]
    ) -> None:
        """Journal segments settled without the engine: (key, source, result) each."""
        if self.storage is None or self.job_id is None or not settled:
            return
        from lingoflow.storage import JournalEntry

        entries = [
            JournalEntry(key, pair[0], pair[1], source, r.text, r.provenance.value)
            for key, source, r in settled
        ]
        self.storage.jobs.add_journal(self.job_id, entries)

    def spent(self) -> float:
        """US dollars spent so far: the job's recorded usage, else what this ledger counted."""
        if self.storage is not None and self.job_id is not None:
            return self.storage.usage.spent(self.job_id)
        return self._local_spent

    @property
    def pending(self) -> int:
        """Segments admitted and not yet released: sent to the engine, output not yet stored."""
        return self._pending

    async def admit(
        self, segments: Sequence[Segment], request: TranslationRequest, *, whole: bool = False
    ) -> list[float]:
        """Admit a prefix of ``segments`` (at least one) to be sent now; return their costs.

        The prefix is as long as the window's free room and the budget allow. The returned
        estimated costs are reserved against the budget until :meth:`release`
        is called with them (as each output is stored), so pipelines translating files
        concurrently cannot together overrun it. When only those reservations keep a segment
        out, this waits for them to be released and looks again; when the budget itself is
        spent, it raises. ``whole`` admits all or none. Raises the ledger's stop (cancelled
        job, budget reached) instead of admitting nothing.
        """
        while True:
            if self.stopped is not None:
                raise self.stopped
            self._check_cancelled()
            admitted = self._fit(segments, request, whole=whole)
            if admitted is not None:
                return self._reserve(admitted)
            await self._released()

    def release(self, costs: Sequence[float]) -> None:
        """Release the reservations of segments whose outputs are stored (or never will be)."""
        self._pending -= len(costs)
        self._reserved = max(0.0, self._reserved - sum(costs))
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _fit(
        self, segments: Sequence[Segment], request: TranslationRequest, *, whole: bool
    ) -> list[float] | None:
        """The costs of the prefix that fits window and budget; None to wait for releases."""
        window = self.window or len(segments) + self._pending
        room = len(segments) if whole else min(len(segments), window - self._pending)
        if self._pending and (room <= 0 or self._pending + room > window):
            return None  # the window is full: wait until outputs are stored
        segments = segments[:room]
        price = price_for(self.model, self.prices) if self.budget is not None else None
        if price is None or self.budget is None or not segments:
            return [0.0] * len(segments)
        spent = self.spent()
        costs = [self._estimate(price, segment, request) for segment in segments]
        admitted, total = 0, spent + self._reserved
        for cost in costs:
            if total + cost > self.budget:
                break
            admitted, total = admitted + 1, total + cost
        if admitted and not (whole and admitted < len(costs)):
            return costs[:admitted]
        if self._pending:
            return None  # what is in flight may cost less than reserved: wait and look again
        needed = sum(costs) if whole else costs[0]
        self._stop(
            BudgetExceededError(
                f"Budget reached: spent {format_usd(spent)} of {format_usd(self.budget)}, "
                f"and the next segment{'s' if whole else ''} would cost about "
                f"{format_usd(needed)} more.",
                spent=spent,
                budget=self.budget,
                needed=needed,
            )
        )

    async def _released(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def _reserve(self, costs: list[float]) -> list[float]:
        self._pending += len(costs)
        self._reserved += sum(costs)
        return costs

    @staticmethod
    def _estimate(price: Price, segment: Segment, request: TranslationRequest) -> float:
        tokens = segment_input_tokens(segment, request)
        return cost_usd(price, tokens, estimated_output_tokens(tokens))

    def _check_cancelled(self) -> None:
        if self.storage is None or self.job_id is None:
            return
        if self.storage.jobs.status(self.job_id) == "cancelled":
            self._stop(JobCancelledError(f"Job {self.job_id} was cancelled."))

    def _stop(self, error: JobError) -> NoReturn:
        self.stopped = error
        raise error
