"""The key and endpoint pool: which (base URL, API key) member sends the next request.

Members are every configured key on every configured base URL, each with its own engine
instance (and so its own connection pool). A request goes to the least-loaded usable member
(fewest requests in flight or waiting for their rate limit; ties taken in turn). A member is
unusable while its endpoint's circuit is open (one :class:`~lingoflow.dispatch.breaker.
CircuitBreaker` per base URL, shared by that URL's members) or after its key was rejected.

Invariants:

- A key answered 401/403 is taken out for that endpoint for the life of the pool (keys can be
  per region), with the reason kept in ``Member.rejected`` and logged once, by key id: the
  secret itself never appears in a message or log.
- Key ids are ``key-1``, ``key-2`` ... in the configured order (``""`` when no key is used).
- When no member is usable, :meth:`EndpointPool.acquire` raises ``EngineAuthError`` naming
  every key id if all keys were rejected, else ``EngineCircuitOpenError`` naming every
  endpoint, why it is resting and when the next probe may go. While a probe is out, callers
  may instead wait for its outcome (:meth:`EndpointPool.probe_settled`): the probe decides for
  everyone, and the time spent waiting for it is not a failed attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

from lingoflow.dispatch.breaker import CircuitBreaker
from lingoflow.engines.base import Engine
from lingoflow.errors import (
    ConfigurationError,
    EngineAuthError,
    EngineCircuitOpenError,
    EngineConnectionError,
    EngineHTTPError,
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
)

__all__ = ["EndpointPool", "Lease", "Member", "key_ids"]

log = logging.getLogger("lingoflow.dispatch")

# Errors that say the endpoint is unwell (and count towards opening its circuit).
_ENDPOINT_FAILURES = (
    EngineServerError,
    EngineTimeoutError,
    EngineConnectionError,
    EngineResponseError,
)


def key_ids(count: int) -> list[str]:
    """Ids of ``count`` keys in configured order: ``key-1`` ...; ``[""]`` when there are none."""
    return [f"key-{n}" for n in range(1, count + 1)] or [""]


@dataclass(slots=True, eq=False)
class Member:
    """One (base URL, API key) pair of the pool and the engine instance that uses it."""

    engine: Engine
    base_url: str
    key_id: str = ""
    in_flight: int = 0
    rejected: str = ""  # why the key was taken out; "" while usable


@dataclass(frozen=True, slots=True, eq=False)
class Lease:
    """A member chosen for one request; ``probe`` if it is its endpoint's half-open probe."""

    member: Member
    probe: bool


class EndpointPool:
    """Choose members least-loaded, take rejected keys out, rest failing endpoints.

    ``name`` is the engine's name for messages; ``threshold`` and ``reset_after`` configure
    each endpoint's circuit breaker.
    """

    def __init__(
        self,
        members: Sequence[Member],
        *,
        name: str,
        threshold: int = 10,
        reset_after: float = 30.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not members:
            raise ConfigurationError(f"The {name} engine has no endpoint to send requests to.")
        self.name = name
        self.members = list(members)
        extra = {"clock": clock} if clock else {}
        self.breakers = {
            m.base_url: CircuitBreaker(threshold, reset_after, **extra) for m in self.members
        }
        self._turn = 0
        self._last_auth_error: EngineAuthError | None = None
        self._settled: asyncio.Event | None = None
        self._settled_loop: asyncio.AbstractEventLoop | None = None

    def acquire(self) -> Lease:
        """Take the least-loaded usable member for one request (release it when done)."""
        usable = [m for m in self.members if not m.rejected]
        if not usable:
            raise self._all_rejected()
        open_now = [m for m in usable if self.breakers[m.base_url].allows()]
        if not open_now:
            raise self._all_open(usable)
        start = self._turn % len(open_now)
        self._turn += 1
        member = min(chain(open_now[start:], open_now[:start]), key=lambda m: m.in_flight)
        member.in_flight += 1
        return Lease(member, self.breakers[member.base_url].begin())

    def probing(self) -> bool:
        """Whether some endpoint not taken out has its probe out (callers may wait for it)."""
        return any(self.breakers[m.base_url].probing for m in self.members if not m.rejected)

    async def probe_settled(self) -> None:
        """Wait until the next probe ends (the circuit it tested is then closed or open)."""
        await self._settled_event().wait()

    def release(self, lease: Lease, error: BaseException | None) -> None:
        """Return ``lease`` after its request ended with ``error`` (``None``: success)."""
        try:
            self._release(lease, error)
        finally:
            if lease.probe and self._settled is not None:
                self._settled.set()  # wake the callers waiting for this probe's outcome
                self._settled = None

    def _settled_event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._settled is None or self._settled_loop is not loop:
            self._settled, self._settled_loop = asyncio.Event(), loop
        return self._settled

    def _release(self, lease: Lease, error: BaseException | None) -> None:
        member, breaker = lease.member, self.breakers[lease.member.base_url]
        member.in_flight -= 1
        if error is None:
            breaker.success(lease.probe)
        elif isinstance(error, EngineAuthError):
            self._reject(member, error)
            breaker.success(lease.probe)  # the server answered: it is up
        elif isinstance(error, _ENDPOINT_FAILURES):
            was_open = breaker.state != "closed"
            breaker.failure(lease.probe, error)
            if not was_open and breaker.state != "closed":
                log.warning(
                    "%s: %s failed %d times in a row (last: %s); resting it %.1f s.",
                    self.name,
                    member.base_url,
                    breaker.failures,
                    str(error)[:160],
                    breaker.reset_after,
                )
        elif isinstance(error, EngineHTTPError):
            breaker.success(lease.probe)  # 400, 429 ...: the server is up
        else:
            breaker.abandon(lease.probe)  # cancelled, or not the server's doing

    async def aclose(self) -> None:
        """Close every member's engine (connections are reopened on next use)."""
        await asyncio.gather(*(m.engine.aclose() for m in self.members))

    def _reject(self, member: Member, error: EngineAuthError) -> None:
        if member.rejected:
            return
        member.rejected = f"HTTP {error.status_code} at {member.base_url}"
        left = sum(1 for m in self.members if not m.rejected)
        log.warning(
            "%s: %s was rejected (%s); it is out of the pool, %d member(s) left.",
            self.name,
            member.key_id or "the keyless member",
            member.rejected,
            left,
        )
        self._last_auth_error = error

    def _all_rejected(self) -> EngineAuthError:
        details = ", ".join(f"{m.key_id or 'no key'} ({m.rejected})" for m in self.members)
        last = self._last_auth_error
        hint = f" Last answer: {last}" if last else ""
        return EngineAuthError(
            f"Every API key of the {self.name} engine was rejected: {details}.{hint}",
            status_code=last.status_code if last else 401,
        )

    def _all_open(self, usable: Sequence[Member]) -> EngineCircuitOpenError:
        urls = list(dict.fromkeys(m.base_url for m in usable))
        wait = min(self.breakers[url].retry_after() for url in urls)
        details = "; ".join(self._describe(url) for url in urls)
        return EngineCircuitOpenError(
            f"Every endpoint of the {self.name} engine keeps failing and is resting: {details}. "
            f"The next probe may go in {wait:.1f} s. Check the servers, or configure a "
            "fallback engine.",
            retry_after=wait,
        )

    def _describe(self, url: str) -> str:
        breaker = self.breakers[url]
        return f"{url} ({breaker.state}, last error: {breaker.last_error[:160]})"
