"""The retry policy: what is retried, how long it waits, Retry-After honoured."""

from __future__ import annotations

import time

import pytest

from lingoflow.dispatch.retry import RetryPolicy, is_transient
from lingoflow.errors import (
    EngineAuthError,
    EngineBadRequestError,
    EngineCircuitOpenError,
    EngineConnectionError,
    EngineHTTPError,
    EngineRateLimitedError,
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
    EngineTruncatedError,
    InputError,
)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        pytest.param(EngineRateLimitedError("429", status_code=429), True, id="429"),
        pytest.param(EngineServerError("500", status_code=500), True, id="5xx"),
        pytest.param(EngineTimeoutError("slow"), True, id="timeout"),
        pytest.param(EngineConnectionError("refused"), True, id="connection"),
        pytest.param(EngineCircuitOpenError("resting"), True, id="circuit-open"),
        pytest.param(EngineResponseError("bad json"), True, id="malformed"),
        pytest.param(EngineHTTPError("408", status_code=408), True, id="408"),
        pytest.param(EngineTruncatedError("loops"), False, id="truncated"),
        pytest.param(EngineBadRequestError("400", status_code=400), False, id="400"),
        pytest.param(EngineAuthError("401", status_code=401), False, id="401"),
        pytest.param(EngineHTTPError("402", status_code=402), False, id="402"),
        pytest.param(InputError("empty"), False, id="input"),
        pytest.param(ValueError("bug"), False, id="foreign"),
    ],
)
def test_what_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


class Flaky:
    """Fails with ``errors`` in turn, then answers; records when each call came."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls: list[float] = []

    async def __call__(self) -> str:
        self.calls.append(time.monotonic())
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


FAST = RetryPolicy(retries=3, backoff=0.001, backoff_max=0.01)


@pytest.mark.anyio
async def test_transient_errors_are_retried_until_success() -> None:
    flaky = Flaky(EngineServerError("500", status_code=500), EngineTimeoutError("slow"))
    assert await FAST.retrying()(flaky) == "ok"
    assert len(flaky.calls) == 3


@pytest.mark.anyio
async def test_a_request_error_is_raised_at_once() -> None:
    flaky = Flaky(EngineBadRequestError("400", status_code=400))
    with pytest.raises(EngineBadRequestError):
        await FAST.retrying()(flaky)
    assert len(flaky.calls) == 1


@pytest.mark.anyio
async def test_the_last_error_is_raised_when_retries_run_out() -> None:
    errors = [EngineServerError(f"500 #{n}", status_code=500) for n in range(4)]
    flaky = Flaky(*errors)
    with pytest.raises(EngineServerError, match="#3"):
        await FAST.retrying()(flaky)
    assert len(flaky.calls) == 4


@pytest.mark.anyio
async def test_retry_after_is_waited_even_when_the_backoff_is_shorter() -> None:
    flaky = Flaky(EngineRateLimitedError("429", status_code=429, retry_after=0.2))
    await FAST.retrying()(flaky)
    assert flaky.calls[1] - flaky.calls[0] >= 0.2


@pytest.mark.anyio
async def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(retries=1, backoff=0.001, backoff_max=0.01, retry_after_max=0.05)
    flaky = Flaky(EngineRateLimitedError("429", status_code=429, retry_after=3600))
    await policy.retrying()(flaky)
    assert len(flaky.calls) == 2  # it did not wait an hour


@pytest.mark.anyio
async def test_the_caller_decides_what_is_retried() -> None:
    flaky = Flaky(EngineCircuitOpenError("resting", retry_after=0.0))
    with pytest.raises(EngineCircuitOpenError):
        await FAST.retrying(lambda exc: not isinstance(exc, EngineCircuitOpenError))(flaky)
    assert len(flaky.calls) == 1
