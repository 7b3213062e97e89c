"""Rate limits: the sliding window holds in ANY window, tokens are settled, waiters queue."""

from __future__ import annotations

import asyncio
import time

import pytest

from lingoflow.dispatch.ratelimit import RateLimiter, RateLimits, estimate_tokens
from lingoflow.errors import ConfigurationError
from lingoflow.types import Example, Segment, Term


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: ManualClock, **limits: float | None) -> RateLimiter:
    return RateLimiter(RateLimits(period=10.0, margin=0.0, **limits), clock=clock)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_requests_wait_until_the_oldest_leaves_the_window() -> None:
    clock = ManualClock()
    rl = limiter(clock, requests=2)
    await rl.acquire()
    clock.now = 4.0
    await rl.acquire()
    assert rl.wait_time(0, 5.0) == pytest.approx(5.0)  # the first leaves at 10
    assert rl.wait_time(0, 10.0) == 0.0
    clock.now = 10.0
    await rl.acquire()
    assert rl.wait_time(0, 10.0) == pytest.approx(4.0)  # now the one from t=4 is oldest


@pytest.mark.anyio
async def test_tokens_wait_for_enough_to_expire_and_the_estimate_is_settled() -> None:
    clock = ManualClock()
    rl = limiter(clock, tokens=100)
    first = await rl.acquire(40)
    clock.now = 2.0
    await rl.acquire(40)
    assert rl.wait_time(20, 3.0) == 0.0
    assert rl.wait_time(30, 3.0) == pytest.approx(7.0)  # needs the first 40 gone, at t=10
    rl.settle(first, 10)  # the upstream billed 10, not 40
    assert rl.wait_time(50, 3.0) == 0.0
    rl.settle(first, 70)  # ... or more than estimated: later requests wait longer
    assert rl.wait_time(1, 3.0) == pytest.approx(7.0)


@pytest.mark.anyio
async def test_a_request_dearer_than_the_budget_goes_alone_in_an_empty_window() -> None:
    clock = ManualClock()
    rl = limiter(clock, tokens=100)
    await rl.acquire(500)  # capped at the whole budget instead of waiting forever
    assert rl.wait_time(1, 1.0) == pytest.approx(9.0)


@pytest.mark.anyio
async def test_requests_and_tokens_are_both_enforced() -> None:
    clock = ManualClock()
    rl = limiter(clock, requests=5, tokens=50)
    await rl.acquire(50)
    assert rl.wait_time(1, 1.0) == pytest.approx(9.0)  # tokens, though requests have room


def test_margin_defaults_to_one_sixtieth_of_the_period() -> None:
    assert RateLimits.per_minute(60, None).span == pytest.approx(61.0)
    assert RateLimits(requests=30, period=2.0, margin=0.5).span == pytest.approx(2.5)
    assert not RateLimits().active


@pytest.mark.parametrize("limits", [{"requests": 0}, {"tokens": -5}, {"period": 0.0}])
def test_invalid_limits_are_configuration_errors(limits: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimits(**limits)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_no_window_ever_holds_more_than_the_limit_in_real_time() -> None:
    # 40 concurrent callers through a limit of 5 per 0.3 s: every grant time is taken on the
    # limiter's own clock, and any 0.3 s span of them holds at most 5.
    rl = RateLimiter(RateLimits(requests=5, period=0.3, margin=0.0))
    grants: list[float] = []

    async def call() -> None:
        await rl.acquire()
        grants.append(time.monotonic())

    await asyncio.gather(*(call() for _ in range(20)))
    grants.sort()
    assert len(grants) == 20
    for i, start in enumerate(grants):
        in_window = [t for t in grants[i:] if t < start + 0.3]
        assert len(in_window) <= 5, grants


def test_estimate_counts_text_terms_and_examples() -> None:
    bare = estimate_tokens(Segment("Hello world, how are you?"))
    rich = estimate_tokens(
        Segment(
            "Hello world, how are you?",
            terms=(Term("world", "Welt"),),
            examples=(Example("Hello", "Hallo"),),
        )
    )
    assert 32 < bare < rich
    assert estimate_tokens(Segment("你好世界")) > estimate_tokens(Segment("abcd"))
