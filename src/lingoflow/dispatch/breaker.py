"""A circuit breaker per endpoint: stop sending to a server that keeps failing, probe it later.

States: **closed** (requests flow; consecutive failures are counted) → after ``threshold``
failures in a row, **open** (no requests for ``reset_after`` seconds) → **half-open**: exactly
one request, the probe, is let through; its success closes the circuit, its failure opens it
for another ``reset_after``.

Failures are what says the server is unwell: 5xx, timeouts and stalls, unreachable servers,
unreadable answers (the pool decides; see :meth:`EndpointPool.release
<lingoflow.dispatch.pool.EndpointPool.release>`). Any other answer (400, 401, 429) proves the
server is up. Results of requests that were already in flight when the circuit opened are
ignored, except the probe's.

The threshold counts failures *in a row*, so a server that fails a share of requests at
random but answers the rest stays in use: at 30% failures, ten in a row happen about once in
240,000 requests, while a dead server fails ten in a row within one round of requests.
Failures that strike together (every request in flight timing out at once) can still open
it; callers then wait for the probe's outcome rather than fail (see the pool).

Why not a library: purgatory (the asyncio circuit breaker) lets *every* request through once
the open period is over (no single probe, so a still-dead server gets the whole concurrency
at once), keeps its state behind an async unit of work, and cannot be asked whether a circuit
is open without sending a request, which choosing among endpoints needs. This state machine
is pure: no I/O, no asyncio primitives, the clock injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

__all__ = ["CircuitBreaker", "CircuitState"]

CircuitState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Closed / open / half-open state of one endpoint, with one probe at a time."""

    def __init__(
        self,
        threshold: int = 10,
        reset_after: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(1, threshold)
        self.reset_after = reset_after
        self.failures = 0  # consecutive failures while closed
        self.last_error = ""
        self._clock = clock
        self._open_until: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        """``closed``, ``open`` (resting), or ``half-open`` (a probe may go or is out)."""
        if self._open_until is None:
            return "closed"
        if self._probing or self._clock() >= self._open_until:
            return "half-open"
        return "open"

    @property
    def probing(self) -> bool:
        """Whether a probe is out, its outcome deciding the circuit's next state."""
        return self._probing

    def allows(self) -> bool:
        """Whether a request may be sent now (closed, or half-open with no probe out)."""
        if self._open_until is None:
            return True
        return not self._probing and self._clock() >= self._open_until

    def retry_after(self) -> float:
        """Seconds until a request may be sent (0 when one may go now).

        While a probe is out the answer is a tenth of the rest period: the probe's outcome is
        not known yet (the pool lets callers wait for it instead).
        """
        if self.allows():
            return 0.0
        if self._probing or self._open_until is None:
            return self.reset_after / 10
        return max(0.0, self._open_until - self._clock())

    def begin(self) -> bool:
        """Note a request being sent; return whether it is the probe of a half-open circuit."""
        if self._open_until is None:
            return False
        self._probing = True
        return True

    def success(self, probe: bool) -> None:
        """Record a request that reached a healthy server."""
        if self._open_until is None or probe:
            self.failures = 0
            self._open_until = None
            self._probing = False

    def failure(self, probe: bool, error: BaseException) -> None:
        """Record a request that failed because of the server."""
        if probe:
            self._open(error)
        elif self._open_until is None:
            self.failures += 1
            if self.failures >= self.threshold:
                self._open(error)

    def abandon(self, probe: bool) -> None:
        """Record a request that ended without a verdict (cancelled): free the probe slot."""
        if probe:
            self._probing = False

    def _open(self, error: BaseException) -> None:
        self.last_error = str(error)
        self._open_until = self._clock() + self.reset_after
        self._probing = False
