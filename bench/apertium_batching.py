"""Apertium: segments per second when many lines share one process call vs one call each.

Run: .venv/bin/python bench/apertium_batching.py [N]   (needs apertium + apertium-eng-spa)
"""

from __future__ import annotations

import asyncio
import sys
import time

from lingoflow.engines.apertium import ApertiumEngine
from lingoflow.languages import resolve
from lingoflow.types import Segment, TranslationRequest

TEMPLATES = (
    "The house number {n} is big.",
    "We counted {n} red cars in the garden.",
    "She reads {n} pages of the book every day.",
)


async def main(count: int) -> None:
    engine = ApertiumEngine()
    request = TranslationRequest(target=resolve("es"), source=resolve("en"))
    segments = [Segment(TEMPLATES[n % 3].format(n=n)) for n in range(count)]
    started = time.perf_counter()
    await engine.translate_batch(segments, request)
    batch = count / (time.perf_counter() - started)
    singles = segments[:10]
    started = time.perf_counter()
    for segment in singles:
        await engine.translate_batch([segment], request)
    single = len(singles) / (time.perf_counter() - started)
    print(f"apertium eng-spa, {count} segments")
    print(f"  one call for the batch : {batch:8.1f} segments/s")
    print(f"  one call per segment   : {single:8.1f} segments/s")
    print(f"  ratio                  : {batch / single:8.1f}x")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
