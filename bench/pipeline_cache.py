"""Cached re-run: translating the same documents again costs no engine call and little time.

Target: a fully cached re-run makes 0 engine calls and takes under 5% of the first run.

Method (one run): six documents, the 1,000 real NTREX lines of English, French, Spanish,
Italian, Portuguese and Dutch (6,000 distinct lines, about 5,800 segments: headline-like lines
stand alone, the others are joined into paragraphs of 8, and the segmenter joins a few), are
translated into German by the real ``openai`` engine
(concurrency 32) through :class:`~lingoflow.translator.Translator` with source ``auto`` and
SQLite storage in a temporary folder, against a local OpenAI-compatible server that answers
every chat completion after 50 ms (``bench/_servers.py``, in a child process). Then a new
Translator on the same storage translates the same documents again. Engine calls are counted
by the server.

Run from the repository root::

    .venv/bin/python -m bench.pipeline_cache [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench._ntrex import add_data_argument, load_lines, paragraphs
from bench._servers import SlowChatServer
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.openai_compat import OpenAICompatEngine
from lingoflow.storage import Storage
from lingoflow.translator import Translator
from lingoflow.types import Translation

TARGET = 0.05
DELAY = 0.05
CONCURRENCY = 32
LANGUAGES = ("eng", "fra", "spa", "ita", "por", "nld")


@dataclass(frozen=True, slots=True)
class Run:
    """One pass over the documents."""

    seconds: float
    cpu: float  # this process's CPU seconds (the server runs in another process)
    calls: int
    translations: tuple[Translation, ...]

    @property
    def segments(self) -> int:
        """Segments translated in all documents."""
        return sum(len(t.segments) for t in self.translations)

    @property
    def provenance(self) -> dict[str, int]:
        """Segments by where their translation came from."""
        return dict(Counter(s.provenance.value for t in self.translations for s in t.segments))


async def translate(server: SlowChatServer, storage: Storage, documents: Sequence[str]) -> Run:
    """Translate ``documents`` into German with a new Translator; time it, count calls."""
    server.reset()
    config = EngineConfig(base_url=server.base_url, concurrency=CONCURRENCY, timeout=120)
    async with Translator(OpenAICompatEngine(config), storage=storage) as translator:
        started, cpu = time.perf_counter(), time.process_time()
        done = await translator.atranslate_batch(documents, "de", source="auto")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(seconds, cpu, server.stats()["calls"], tuple(done))


async def main(args: argparse.Namespace) -> None:
    """Run the documents twice and print both times, their ratio and the call counts."""
    documents = ["\n\n".join(paragraphs(load_lines(args.data, code), 8)) for code in LANGUAGES]
    with (
        tempfile.TemporaryDirectory() as home,
        Storage.open(home=home) as storage,
        SlowChatServer(DELAY) as server,
    ):
        first = await translate(server, storage, documents)
        peak = server.stats()["max_in_flight"]
        again = await translate(server, storage, documents)
    same = [a.text for a in again.translations] == [f.text for f in first.translations]
    ideal = first.calls / CONCURRENCY * DELAY
    ratio = again.seconds / first.seconds
    detected = ", ".join(t.source.code for t in first.translations)
    print(
        f"Cached re-run: openai engine -> local server answering in {DELAY * 1000:.0f} ms, "
        f"concurrency {CONCURRENCY}, SQLite cache in a temp folder"
    )
    print(
        f"  documents: {len(documents)} (NTREX {'/'.join(LANGUAGES)} -> German, detected "
        f"{detected}), {sum(map(len, documents)):,} characters"
    )
    print(f"  {'':<22}{'segments':>9}{'engine calls':>14}{'seconds':>10}  provenance")
    print(
        f"  {'first run':<22}{first.segments:>9,}{first.calls:>14,}{first.seconds:>10.2f}  "
        f"{first.provenance}"
    )
    print(
        f"  {'cached re-run':<22}{again.segments:>9,}{again.calls:>14,}{again.seconds:>10.2f}  "
        f"{again.provenance}"
    )
    print(
        f"  first run: peak {peak} requests in flight; the delay alone needs >= {ideal:.2f} s; "
        f"client CPU {first.cpu:.2f} s = {first.cpu / max(1, first.calls) * 1000:.2f} ms per "
        "engine call"
    )
    print(
        f"  re-run: {again.seconds / max(1, again.segments) * 1000:.3f} ms per segment, output "
        f"identical: {same}; vs a first run at the delay alone ({ideal:.2f} s) it would be "
        f"{again.seconds / ideal:.0%}"
    )
    ok = again.calls == 0 and ratio < TARGET and same
    print(
        f"{'PASS' if ok else 'FAIL'}: re-run {again.seconds:.2f} s = {ratio:.1%} of the first "
        f"run's {first.seconds:.2f} s (target < {TARGET:.0%}), {again.calls} engine calls "
        f"(target 0)"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
