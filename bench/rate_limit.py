"""Client-side rate limit: with 60 RPM configured, no 60 s window holds more than 60 requests.

Target: a run of ``--requests`` segments (default 90) through the ``openai`` engine with
``rpm=60`` sends at most 60 requests in any 60-second window (by the server's arrival times)
and gets no 429 from a server that enforces exactly that limit.

Method: the fake OpenAI-compatible server of the tests (``tests/fakes/openai_server.py``, in a
child process) accepts at most 60 requests in any 60 s and answers the rest 429 with
``Retry-After``; it logs every request's arrival. lingoflow translates the segments with
``rpm=60`` and concurrency 8 (about 61 s: 60 at once, the rest a window later). For contrast, a
second server with the same limit gets the same segments from an engine with no client-side
limit and no retries: how many bounce off 429s.

Run from the repository root::

    .venv/bin/python -m bench.rate_limit [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence

from tests.fakes.openai_server import FakeOpenAIServer

from lingoflow.engines.base import EngineConfig
from lingoflow.engines.registry import create_engine
from lingoflow.languages import resolve
from lingoflow.types import Segment, TranslationRequest

RPM = 60
WINDOW = 60.0
EN_DE = TranslationRequest(target=resolve("de"), source=resolve("en"))


def most_in_any_window(times: Sequence[float], window: float) -> int:
    """The largest number of ``times`` within any span of ``window`` seconds."""
    ordered = sorted(times)
    best, first = 0, 0
    for last, t in enumerate(ordered):
        while ordered[first] <= t - window:
            first += 1
        best = max(best, last - first + 1)
    return best


async def translate(base_url: str, count: int, **config: int | None) -> tuple[int, float]:
    """Translate ``count`` segments; return how many succeeded and the seconds taken."""
    engine = create_engine("openai", EngineConfig(base_url=base_url, concurrency=8, **config))
    segments = [Segment(f"Request {n} of the rate-limit benchmark.") for n in range(count)]
    start = time.perf_counter()
    async with engine:
        results = await asyncio.gather(
            *(engine.translate_batch([s], EN_DE) for s in segments), return_exceptions=True
        )
    return sum(1 for r in results if not isinstance(r, BaseException)), time.perf_counter() - start


def main() -> None:
    """Run the limited client against an enforcing server, then an unlimited one for contrast."""
    args = parse_args()
    settings = {"latency": 0.05, "limit": RPM, "window": WINDOW}
    with FakeOpenAIServer(**settings) as server:
        done, seconds = asyncio.run(translate(server.base_url, args.requests, rpm=RPM))
        arrivals = [entry["t"] for entry in server.log()]
        refused = server.stats()["rate_limited"]
    with FakeOpenAIServer(**settings) as server:
        bare_done, _ = asyncio.run(translate(server.base_url, args.requests, retries=0))
        bare_refused = server.stats()["rate_limited"]
    peak = most_in_any_window(arrivals, WINDOW)
    print(f"server: at most {RPM} requests in any {WINDOW:.0f} s, 429 with Retry-After above")
    print(
        f"rpm={RPM}: {done}/{args.requests} translated in {seconds:.1f} s, "
        f"{len(arrivals)} requests sent, most in any {WINDOW:.0f} s window: {peak}, "
        f"429s received: {refused}"
    )
    print(
        f"no client-side limit (no retries): {bare_done}/{args.requests} translated, "
        f"429s received: {bare_refused}"
    )
    ok = peak <= RPM and refused == 0 and done == args.requests
    print(
        f"{'PASS' if ok else 'FAIL'}: most in any window {peak} <= {RPM} = {peak / RPM:.2f} of "
        f"the limit, {refused} 429s (target: <= {RPM}, 0 429s)"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=90, help="segments to translate")
    return parser.parse_args()


if __name__ == "__main__":
    main()
