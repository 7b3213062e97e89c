"""The retry policy for remote engine requests, on tenacity.

What is retried: rate limiting (429), server failures (5xx), timeouts and stalls, unreachable
servers, answers that cannot be read (malformed JSON) and 408/425. What is not: the request's
own faults (400/404/422), rejected keys (the pool takes those out), answers cut off at the
token limit (the model would loop again), and anything that is not an engine error.

Waits grow exponentially with jitter (``backoff * 2**n + uniform(0, backoff)``, at most
``backoff_max``) and are never shorter than the upstream's ``Retry-After`` (or, for an open
circuit, the time until its next probe), which is honoured up to ``retry_after_max``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from lingoflow.errors import (
    ConfigurationError,
    EngineCircuitOpenError,
    EngineConnectionError,
    EngineHTTPError,
    EngineRateLimitedError,
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
    EngineTruncatedError,
)

__all__ = ["RetryPolicy", "is_transient", "retry_after_of"]

log = logging.getLogger("lingoflow.dispatch")

_TRANSIENT = (
    EngineRateLimitedError,
    EngineServerError,
    EngineTimeoutError,
    EngineConnectionError,
    EngineResponseError,
)
_TRANSIENT_STATUS = frozenset({408, 425})


def is_transient(exc: BaseException) -> bool:
    """Whether asking again may succeed where ``exc`` failed."""
    if isinstance(exc, EngineTruncatedError):
        return False
    if isinstance(exc, _TRANSIENT):
        return True
    return type(exc) is EngineHTTPError and exc.status_code in _TRANSIENT_STATUS


def retry_after_of(exc: BaseException | None) -> float:
    """The upstream's own hint of how long to wait after ``exc`` (0 when it gave none)."""
    if isinstance(exc, EngineRateLimitedError | EngineCircuitOpenError):
        return exc.retry_after or 0.0
    return 0.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failed request is tried again."""

    retries: int = 5  # after the first attempt
    backoff: float = 0.25  # first wait in seconds; doubles per retry, plus up to as much jitter
    backoff_max: float = 30.0
    retry_after_max: float = 120.0  # longest Retry-After honoured

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ConfigurationError(f"Retries must be 0 or more, not {self.retries}.")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ConfigurationError("Backoff times must not be negative.")

    def retrying(self, retry_if: Callable[[BaseException], bool] = is_transient) -> AsyncRetrying:
        """Return a tenacity controller applying this policy to errors ``retry_if`` accepts."""
        return AsyncRetrying(
            sleep=asyncio.sleep,
            stop=stop_after_attempt(self.retries + 1),
            wait=_WaitRetryAfter(
                wait_exponential_jitter(
                    multiplier=self.backoff, max=self.backoff_max, jitter=self.backoff
                ),
                self.retry_after_max,
            ),
            retry=retry_if_exception(retry_if),
            before_sleep=_log_retry,
            reraise=True,
        )


class _WaitRetryAfter(wait_base):
    """The backoff, but never shorter than the upstream's hint (capped at ``ceiling``)."""

    def __init__(self, backoff: wait_base, ceiling: float) -> None:
        self.backoff = backoff
        self.ceiling = ceiling

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        hint = retry_after_of(outcome.exception() if outcome else None)
        return max(self.backoff(retry_state), min(hint, self.ceiling))


def _log_retry(retry_state: RetryCallState) -> None:
    outcome = retry_state.outcome
    wait = retry_state.upcoming_sleep
    log.debug(
        "attempt %d failed (%s); retrying in %.2f s",
        retry_state.attempt_number,
        outcome.exception() if outcome else "?",
        wait,
    )
