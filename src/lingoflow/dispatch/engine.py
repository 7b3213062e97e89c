"""``DispatchingEngine``: one remote engine made concurrent, rate-limited, retried and pooled.

It wraps one inner engine instance per pool member (see :mod:`lingoflow.dispatch.pool`) and
splits every batch into one call per segment, run concurrently. Each attempt of a segment:

1. waits for a slot of the adaptive concurrency limit (:mod:`~lingoflow.dispatch.adaptive`);
2. takes the least-loaded usable member (:mod:`~lingoflow.dispatch.pool`); when every
   endpoint rests and a probe is out, waits for the probe's outcome (no attempt spent), and
   when none may be probed yet, fails the attempt with the time until the next probe;
3. waits for room in that key's and model's rate limits (:mod:`~lingoflow.dispatch.ratelimit`);
4. sends the segment through the member's engine, abandoning it after ``timeout`` seconds.

Failed attempts are retried per :mod:`~lingoflow.dispatch.retry`. A segment the primary cannot
translate (retries spent, every key rejected, every endpoint resting) goes to the fallback
engine when there is one; a request the upstream rejects as malformed (400-class) never does.

Invariants:

- Outputs keep the segments' order (``translate_batch``) or carry their index
  (``translate_each``, as they finish); each segment is translated by exactly one successful
  request: a request is only retried after its attempt has ended.
- ``EngineOutput.key_id`` names the pool key that answered (an id, never the secret).
- Capabilities (``name``, ``supports_terms`` ..., ``max_input_tokens``, ``model``, the
  languages) are the inner engine's, so pipeline signatures and cache keys do not change.
- If one segment finally fails, the others still in flight are cancelled and the error
  propagates (after the outputs already yielded, for ``translate_each``).
- Blank segments go straight to the inner engine: they cost no rate budget and no retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from lingoflow.dispatch.adaptive import AdaptiveLimit
from lingoflow.dispatch.pool import EndpointPool, Lease, Member
from lingoflow.dispatch.ratelimit import RateLimiter, RateLimits, estimate_tokens
from lingoflow.dispatch.retry import RetryPolicy, is_transient
from lingoflow.engines.base import Engine
from lingoflow.errors import (
    ConfigurationError,
    EngineAuthError,
    EngineBadRequestError,
    EngineCircuitOpenError,
    EngineError,
    EngineRateLimitedError,
    EngineTimeoutError,
)
from lingoflow.types import EngineOutput, Segment, TranslationRequest

__all__ = ["CAPABILITIES", "DispatchPolicy", "DispatchingEngine"]

log = logging.getLogger("lingoflow.dispatch")

CAPABILITIES = (
    "name",
    "needs_key",
    "supports_terms",
    "supports_examples",
    "supports_domain",
    "needs_source",
    "max_input_tokens",
)
"""Class attributes a dispatching engine takes over from the engine it wraps."""


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How a :class:`DispatchingEngine` sends requests.

    ``concurrency`` is the most requests in flight (lowered on 429s down to
    ``min_concurrency`` when ``adaptive``); ``timeout`` is how long one request may stall
    before it is abandoned and retried; ``limits`` apply per API key and model; the circuit of
    an endpoint opens after ``circuit_threshold`` failures in a row and rests
    ``circuit_reset`` seconds.
    """

    concurrency: int = 4
    min_concurrency: int = 1
    adaptive: bool = True
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: RateLimits = field(default_factory=RateLimits)
    circuit_threshold: int = 10
    circuit_reset: float = 30.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigurationError(f"Concurrency must be at least 1, not {self.concurrency}.")
        if self.timeout <= 0:
            raise ConfigurationError(f"The timeout must be positive, not {self.timeout}.")


class DispatchingEngine(Engine):
    """Translate with a pool of inner engine instances, per segment, concurrently and safely."""

    name: ClassVar[str] = "dispatch"

    def __init__(
        self,
        members: Sequence[Member],
        policy: DispatchPolicy | None = None,
        *,
        fallback: Engine | None = None,
    ) -> None:
        if not members:
            raise ConfigurationError("A dispatching engine needs at least one inner engine.")
        primary = members[0].engine
        super().__init__(primary.config)
        for attribute in CAPABILITIES:  # the inner engine's capabilities, per instance
            setattr(self, attribute, getattr(primary, attribute))
        self.primary = primary
        self.policy = policy or DispatchPolicy()
        self.fallback = fallback
        self.pool = EndpointPool(
            members,
            name=primary.name,
            threshold=self.policy.circuit_threshold,
            reset_after=self.policy.circuit_reset,
        )
        self.concurrency = AdaptiveLimit(
            self.policy.concurrency,
            minimum=self.policy.min_concurrency,
            adaptive=self.policy.adaptive,
        )
        self._limiters = self._limiters_for(members)
        self._warned_fallback = False

    @property
    def model(self) -> str:
        """The inner engine's model."""
        return self.primary.model

    def supported_languages(self) -> frozenset[str] | None:
        """The inner engine's languages."""
        return self.primary.supported_languages()

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate ``segments`` concurrently, one request each; outputs in input order."""
        tasks = [asyncio.ensure_future(self.translate_one(s, request)) for s in segments]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            await _cancel(tasks)

    async def translate_each(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> AsyncIterator[tuple[int, EngineOutput]]:
        """Yield ``(index, output)`` as each segment's request succeeds."""

        async def indexed(index: int, segment: Segment) -> tuple[int, EngineOutput]:
            return index, await self.translate_one(segment, request)

        tasks = [asyncio.ensure_future(indexed(i, s)) for i, s in enumerate(segments)]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            await _cancel(tasks)

    async def translate_one(self, segment: Segment, request: TranslationRequest) -> EngineOutput:
        """Translate one segment: retried, and handed to the fallback if the primary fails."""
        if not segment.text.strip():
            [output] = await self.primary.translate_batch([segment], request)
            return output
        retrying = self.policy.retry.retrying(self._should_retry)
        try:
            return await retrying(self._attempt, segment, request)
        except EngineError as exc:
            if self.fallback is None or isinstance(exc, EngineBadRequestError):
                raise
            return await self._fall_back(segment, request, exc)

    async def aclose(self) -> None:
        """Close every member's connections and the fallback's."""
        await self.pool.aclose()
        if self.fallback is not None:
            await self.fallback.aclose()

    async def _attempt(self, segment: Segment, request: TranslationRequest) -> EngineOutput:
        """One attempt; a rejected key is taken out and the next member tried at once."""
        while True:  # ends: each pass takes a member out, and acquire raises once none is left
            try:
                return await self._attempt_with_member(segment, request)
            except _KeyRejected:
                continue

    async def _attempt_with_member(
        self, segment: Segment, request: TranslationRequest
    ) -> EngineOutput:
        async with self.concurrency.slot() as generation:
            lease = await self._lease()
            limiter = self._limiters[id(lease.member)]
            error: BaseException | None = None
            try:
                grant = await limiter.acquire(self._cost(segment))
                output = await self._send(lease.member, segment, request)
            except EngineAuthError as exc:
                error = exc
                raise _KeyRejected from exc
            except BaseException as exc:
                error = exc
                raise
            finally:
                self.pool.release(lease, error)
                self._adapt(error, generation)
        limiter.settle(grant, output.usage.total_tokens)
        return replace(output, key_id=lease.member.key_id)

    async def _lease(self) -> Lease:
        """Take a member; while every endpoint rests and a probe is out, wait for its outcome."""
        while True:
            try:
                return self.pool.acquire()
            except EngineCircuitOpenError:
                if self.fallback is not None or not self.pool.probing():
                    raise
            await self.pool.probe_settled()

    async def _send(
        self, member: Member, segment: Segment, request: TranslationRequest
    ) -> EngineOutput:
        timeout = self.policy.timeout
        try:
            async with asyncio.timeout(timeout):
                [output] = await member.engine.translate_batch([segment], request)
        except TimeoutError as exc:
            raise EngineTimeoutError(
                f"{self.name} at {member.base_url} gave no answer within {timeout:g} s; "
                "the request was abandoned. Raise the timeout if the server is just slow."
            ) from exc
        return output

    def _cost(self, segment: Segment) -> int:
        """The tokens to charge up front: estimated only when a token budget is set."""
        return estimate_tokens(segment) if self.policy.limits.tokens else 0

    def _adapt(self, error: BaseException | None, generation: int) -> None:
        if error is None:
            self.concurrency.succeeded()
        elif isinstance(error, EngineRateLimitedError):
            self.concurrency.rate_limited(generation)

    def _should_retry(self, exc: BaseException) -> bool:
        if isinstance(exc, EngineCircuitOpenError) and self.fallback is not None:
            return False  # the primary is down: the fallback answers at once
        return is_transient(exc)

    async def _fall_back(
        self, segment: Segment, request: TranslationRequest, cause: EngineError
    ) -> EngineOutput:
        fallback = self.fallback
        if fallback is None or not fallback.supports_pair(request.source, request.target):
            raise cause
        if not self._warned_fallback:
            self._warned_fallback = True
            log.warning(
                "%s failed (%s); translating with the fallback engine %s.",
                self.name,
                cause,
                fallback.name,
            )
        [output] = await fallback.translate_batch([segment], request)
        return output

    def _limiters_for(self, members: Sequence[Member]) -> dict[int, RateLimiter]:
        """One limiter per key and model (per endpoint for keyless members), by member."""
        shared: dict[str, RateLimiter] = {}
        limiters: dict[int, RateLimiter] = {}
        for member in members:
            owner = member.key_id or member.base_url
            if owner not in shared:
                shared[owner] = RateLimiter(self.policy.limits)
            limiters[id(member)] = shared[owner]
        return limiters


class _KeyRejected(Exception):
    """A member's key was rejected (and taken out of the pool): try the next member."""


async def _cancel(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel the tasks still running and wait for them, so none outlives its batch.

    Errors of tasks that already failed are retrieved here: only the first one propagates.
    """
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
