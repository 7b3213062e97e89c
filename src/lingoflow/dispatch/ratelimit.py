"""Client-side rate limits: requests and tokens per window, for one API key and model.

A run configured with the upstream's limits (Qwen-MT: 60 requests and 35k-100k tokens per
minute) stays under them instead of bouncing off 429s. The guarantee is a sliding window: in
*any* span of ``period`` seconds, at most ``requests`` requests are granted and at most
``tokens`` tokens are charged.

Why not a library: aiolimiter is a leaky bucket whose burst equals the rate, so after a quiet
spell it lets ``max_rate`` requests through at once and keeps draining at the rate meanwhile:
close to twice the limit can fall into one window. The moving window of ``limits`` does hold
the guarantee, but keeps one entry (an ``asyncio.Lock``) per unit of cost, 100,000 objects for
a 100k-token budget, and never waits. A log of ``(time, cost)`` entries with a running sum is
exact and cheap, and lets the token estimate be replaced by the real count afterwards.

Invariants:

- A grant records its requests and tokens at one instant, right before the request is sent;
  entries count for ``period + margin`` seconds. The margin (default ``period / 60``: one
  second a minute) absorbs the time between granting here and arriving upstream, which
  varies from request to request.
- Waiters are served first come, first served (one ``asyncio.Lock`` per event loop: the limiter
  outlives ``asyncio.run`` calls, its log carries over). A request dearer than the whole token
  budget waits for an empty window and then goes alone, instead of never.
- Tokens are charged up front from :func:`estimate_tokens`; :meth:`RateLimiter.settle` puts the
  reported usage in place of the estimate, so later requests see the real spend.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from lingoflow.errors import ConfigurationError
from lingoflow.types import Segment

__all__ = ["Grant", "RateLimiter", "RateLimits", "estimate_tokens"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Budgets per window: ``requests`` and ``tokens`` per ``period`` seconds (``None``: none)."""

    requests: int | None = None
    tokens: int | None = None
    period: float = 60.0
    margin: float | None = None  # seconds added to the window; None: period / 60

    def __post_init__(self) -> None:
        for name, value in (("requests", self.requests), ("tokens", self.tokens)):
            if value is not None and value < 1:
                raise ConfigurationError(
                    f"The {name} rate limit must be at least 1 per window, not {value}; "
                    "leave it unset for no limit."
                )
        if self.period <= 0:
            raise ConfigurationError(f"The rate-limit window must be positive, not {self.period}.")

    @classmethod
    def per_minute(cls, rpm: int | None, tpm: int | None) -> RateLimits:
        """Return limits of ``rpm`` requests and ``tpm`` tokens per minute."""
        return cls(requests=rpm, tokens=tpm, period=60.0)

    @property
    def active(self) -> bool:
        """Whether any budget is set."""
        return self.requests is not None or self.tokens is not None

    @property
    def span(self) -> float:
        """How long an entry counts: the window plus the safety margin."""
        return self.period + (self.period / 60 if self.margin is None else self.margin)


def estimate_tokens(segment: Segment) -> int:
    """Guess the tokens one request for ``segment`` will be billed, before sending it.

    Input is taken as a token per three UTF-8 bytes of the text, terms and examples (about
    right for English, generous for CJK), the answer as long again, plus 32 for the prompt.
    """
    pieces = [segment.text]
    pieces += [f"{t.source} {t.target}" for t in segment.terms]
    pieces += [f"{e.source} {e.target}" for e in segment.examples]
    size = sum(len(piece.encode()) for piece in pieces)
    return 2 * math.ceil(size / 3) + 32


@dataclass(slots=True, eq=False)
class _Entry:
    at: float
    cost: float
    live: bool = True


class _Window:
    """A sliding log of charges against one budget."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.used = 0.0
        self._log: deque[_Entry] = deque()

    def wait_time(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` fits (0: it fits now); ``cost`` is at most ``limit``."""
        self._prune(now)
        excess = self.used + cost - self.limit
        if excess <= 0:
            return 0.0
        for entry in self._log:  # oldest first: free entries until the excess is gone
            excess -= entry.cost
            if excess <= 0:
                return entry.at + self.span - now
        return self.span  # unreachable while cost <= limit; wait a full window to be safe

    def record(self, cost: float, now: float) -> _Entry:
        entry = _Entry(now, cost)
        self._log.append(entry)
        self.used += cost
        return entry

    def settle(self, entry: _Entry, cost: float) -> None:
        if entry.live:
            self.used += cost - entry.cost
        entry.cost = cost

    def _prune(self, now: float) -> None:
        log = self._log
        while log and log[0].at + self.span <= now:
            entry = log.popleft()
            entry.live = False
            self.used -= entry.cost
        if not log:
            self.used = 0.0  # no float drift across a long run


@dataclass(frozen=True, slots=True)
class Grant:
    """What one granted request was charged; pass it to :meth:`RateLimiter.settle`."""

    request: _Entry | None
    tokens: _Entry | None


class RateLimiter:
    """Wait until a request fits every budget of ``limits``, then charge it."""

    def __init__(self, limits: RateLimits, *, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        span = limits.span
        self._requests = _Window(limits.requests, span) if limits.requests else None
        self._tokens = _Window(limits.tokens, span) if limits.tokens else None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    async def acquire(self, tokens: int = 0) -> Grant:
        """Wait for room for one request of ``tokens`` (estimated) tokens; charge and return it."""
        if not self.limits.active:
            return Grant(None, None)
        cost = min(float(tokens), float(self._tokens.limit)) if self._tokens else 0.0
        async with self._loop_lock():
            while True:
                now = self._clock()
                wait = self.wait_time(cost, now)
                if wait <= 0:
                    return self._record(cost, now)
                await asyncio.sleep(wait)

    def wait_time(self, tokens: float, now: float) -> float:
        """Seconds until a request of ``tokens`` fits both budgets at time ``now``."""
        waits = [0.0]
        if self._requests:
            waits.append(self._requests.wait_time(1, now))
        if self._tokens:
            waits.append(self._tokens.wait_time(min(tokens, self._tokens.limit), now))
        return max(waits)

    def settle(self, grant: Grant, tokens: int) -> None:
        """Charge ``tokens`` (the usage the upstream reported) instead of the estimate."""
        if self._tokens and grant.tokens is not None and tokens > 0:
            self._tokens.settle(grant.tokens, float(tokens))

    def _record(self, cost: float, now: float) -> Grant:
        request = self._requests.record(1, now) if self._requests else None
        charged = self._tokens.record(cost, now) if self._tokens else None
        return Grant(request, charged)

    def _loop_lock(self) -> asyncio.Lock:
        """The lock for the running loop: asyncio primitives cannot cross event loops."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock
