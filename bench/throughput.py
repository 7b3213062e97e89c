"""Throughput of the dispatch layer at concurrency 64 against a server answering in 200 ms.

Targets (both from one run):

- lingoflow's ``openai`` engine (as ``create_engine`` builds it: the dispatch layer over one
  kept-alive connection pool) reaches at least 90% of the ideal 64 / 0.2 s = 320 requests a
  second;
- and at least 5x the seed's pattern: a fresh ``httpx.AsyncClient`` per request (a new HTTP
  session, so a new TCP connection every time) under a semaphore of 10.

Method: a local OpenAI-compatible server (``bench/_servers.py``, stdlib asyncio in a child
process, so it does not compete with the measured event loop) answers every chat completion
after 200 ms. After a warm-up of 64 requests, lingoflow translates ``--requests`` distinct
segments (default 1,600: 25 rounds of 64) with ``translate_batch``; the seed's pattern sends
``--seed-requests`` (default 300) requests with the same bodies, built by the same prompt code.
Each side's rate is requests over wall time; this process's CPU time per request is printed
too (the server's is not counted).

Run from the repository root::

    .venv/bin/python -m bench.throughput [--requests N] [--seed-requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

import httpx

from bench._servers import SlowChatServer
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.prompt import build_messages
from lingoflow.engines.registry import create_engine
from lingoflow.languages import resolve
from lingoflow.types import Segment, TranslationRequest

DELAY = 0.2
CONCURRENCY = 64
SEED_CONCURRENCY = 10
TARGET_OF_IDEAL = 0.9
TARGET_OVER_SEED = 5.0
EN_DE = TranslationRequest(target=resolve("de"), source=resolve("en"))


@dataclass(frozen=True, slots=True)
class Rate:
    """One side's measurement."""

    requests: int
    seconds: float
    cpu: float

    @property
    def per_second(self) -> float:
        """Requests completed per second of wall time."""
        return self.requests / self.seconds

    def describe(self) -> str:
        """One line of figures."""
        return (
            f"{self.requests} requests in {self.seconds:.2f} s = {self.per_second:.1f}/s, "
            f"{self.cpu / self.requests * 1000:.2f} ms CPU per request"
        )


def segments(count: int, tag: str) -> list[Segment]:
    """``count`` distinct short segments."""
    return [Segment(f"Sentence {tag}-{n} of the throughput benchmark.") for n in range(count)]


async def lingoflow_rate(base_url: str, requests: int) -> Rate:
    """Translate ``requests`` segments through the dispatching ``openai`` engine."""
    config = EngineConfig(base_url=base_url, concurrency=CONCURRENCY, timeout=30.0)
    async with create_engine("openai", config) as engine:
        await engine.translate_batch(segments(CONCURRENCY, "warm"), EN_DE)
        start, cpu = time.perf_counter(), time.process_time()
        outputs = await engine.translate_batch(segments(requests, "run"), EN_DE)
        rate = Rate(len(outputs), time.perf_counter() - start, time.process_time() - cpu)
    return rate


async def seed_rate(base_url: str, requests: int) -> Rate:
    """The seed's pattern: a new HTTP client per request, at most 10 at a time."""
    slots = asyncio.Semaphore(SEED_CONCURRENCY)

    async def one(segment: Segment) -> None:
        body = {"model": "default", "messages": build_messages(segment, EN_DE), "temperature": 0}
        async with slots, httpx.AsyncClient(base_url=base_url + "/", timeout=30.0) as client:
            response = await client.post("chat/completions", json=body)
            response.raise_for_status()
            response.json()

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(s) for s in segments(requests, "seed")))
    return Rate(requests, time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    """Run both sides against one server and print the ratios."""
    args = parse_args()
    ideal = CONCURRENCY / DELAY
    with SlowChatServer(DELAY) as server:
        ours = asyncio.run(lingoflow_rate(server.base_url, args.requests))
        seed = asyncio.run(seed_rate(server.base_url, args.seed_requests))
        peak = server.stats()["max_in_flight"]
    of_ideal = ours.per_second / ideal
    over_seed = ours.per_second / seed.per_second
    print(f"server: answers after {DELAY * 1000:.0f} ms; peak requests in flight {peak}")
    print(f"lingoflow (concurrency {CONCURRENCY}, one pool): {ours.describe()}")
    print(f"seed pattern (client per request, semaphore {SEED_CONCURRENCY}): {seed.describe()}")
    print(
        f"{'PASS' if of_ideal >= TARGET_OF_IDEAL else 'FAIL'}: achieved/ideal = "
        f"{ours.per_second:.1f}/{ideal:.0f} = {of_ideal:.1%} (target >= {TARGET_OF_IDEAL:.0%})"
    )
    print(
        f"{'PASS' if over_seed >= TARGET_OVER_SEED else 'FAIL'}: lingoflow/seed = "
        f"{over_seed:.1f}x (target >= {TARGET_OVER_SEED:.0f}x)"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=1600, help="lingoflow's requests")
    parser.add_argument("--seed-requests", type=int, default=300, help="the seed's requests")
    return parser.parse_args()


if __name__ == "__main__":
    main()
