"""Adaptive concurrency: how many requests may be in flight, lowered on 429s, then regained.

Additive increase, multiplicative decrease (as TCP does with its window): a request answered
429 halves the limit, and every ``limit`` successful requests raise it by one, back up to the
configured ``maximum``. A 429 only lowers the limit if its request started after the last
decrease, so one burst of 429s from requests that were all in flight together halves it once,
not once per request.

Slots are handed over first come, first served: a released slot goes straight to the oldest
waiter, and a waiter cancelled just as it was handed one gives it back. Waiting uses one
future per waiter on the running loop, so the limit may be used from successive
``asyncio.run`` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from lingoflow.errors import ConfigurationError

__all__ = ["AdaptiveLimit"]


class AdaptiveLimit:
    """A concurrency limit between ``minimum`` and ``maximum`` that reacts to rate limiting.

    With ``adaptive=False`` the limit stays at ``maximum`` (a plain semaphore).
    """

    def __init__(self, maximum: int, *, minimum: int = 1, adaptive: bool = True) -> None:
        if maximum < 1:
            raise ConfigurationError(f"Concurrency must be at least 1, not {maximum}.")
        self.maximum = maximum
        self.minimum = max(1, min(minimum, maximum))
        self.adaptive = adaptive
        self.in_use = 0
        self._limit = maximum
        self._successes = 0  # since the limit last changed
        self._generation = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """How many requests may be in flight now."""
        return self._limit

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Hold one slot; yields the generation to pass to :meth:`rate_limited`."""
        await self._acquire()
        try:
            yield self._generation
        finally:
            self._release()

    def rate_limited(self, generation: int) -> None:
        """Halve the limit after a 429 on a request that started in ``generation``."""
        if not self.adaptive or generation != self._generation:
            return
        self._generation += 1
        self._limit = max(self.minimum, self._limit // 2)
        self._successes = 0

    def succeeded(self) -> None:
        """Count a success; every ``limit`` of them raise the limit by one."""
        if not self.adaptive or self._limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self._limit:
            self._successes = 0
            self._limit += 1
            self._wake()

    async def _acquire(self) -> None:
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot just as we were cancelled: give it back
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def _release(self) -> None:
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_use < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_use += 1
                waiter.set_result(None)
