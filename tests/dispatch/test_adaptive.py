"""Adaptive concurrency: halve on 429 (once per generation), regain one per window, hand over."""

from __future__ import annotations

import asyncio

import pytest

from lingoflow.dispatch.adaptive import AdaptiveLimit
from lingoflow.errors import ConfigurationError


@pytest.mark.anyio
async def test_a_burst_of_429s_halves_the_limit_once() -> None:
    limit = AdaptiveLimit(16)
    generations = []
    for _ in range(3):  # three requests in flight together
        async with limit.slot() as generation:
            generations.append(generation)
    for generation in generations:
        limit.rate_limited(generation)
    assert limit.limit == 8
    async with limit.slot() as later:
        limit.rate_limited(later)  # a request started after the decrease lowers it again
    assert limit.limit == 4


def test_successes_regain_one_slot_per_window_up_to_the_maximum() -> None:
    limit = AdaptiveLimit(8, minimum=2)
    for generation in range(3):
        limit.rate_limited(generation)
    assert limit.limit == 2  # never below the minimum
    for _ in range(2):  # a window of 2 successes: one slot more
        limit.succeeded()
    assert limit.limit == 3
    for _ in range(100):
        limit.succeeded()
    assert limit.limit == 8


def test_without_adaptation_the_limit_stays_put() -> None:
    limit = AdaptiveLimit(8, adaptive=False)
    limit.rate_limited(0)
    assert limit.limit == 8


def test_concurrency_below_one_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="Concurrency"):
        AdaptiveLimit(0)


@pytest.mark.anyio
async def test_slots_go_first_come_first_served_and_never_exceed_the_limit() -> None:
    limit = AdaptiveLimit(2)
    order: list[int] = []
    peak = 0

    async def work(n: int) -> None:
        nonlocal peak
        async with limit.slot():
            peak = max(peak, limit.in_use)
            order.append(n)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(work(n) for n in range(8)))
    assert order == list(range(8))
    assert peak == 2
    assert limit.in_use == 0


@pytest.mark.anyio
async def test_a_cancelled_waiter_does_not_leak_its_slot() -> None:
    limit = AdaptiveLimit(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with limit.slot():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiter.cancel()
    release.set()
    await holder
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limit.in_use == 0
    async with limit.slot():
        assert limit.in_use == 1
