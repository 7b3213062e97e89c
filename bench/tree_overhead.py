"""Tree overhead: share of a folder-tree run spent outside the engine, with a fast engine.

Target: on a 500-file Markdown tree with a fast engine, time spent outside the engine is
under 10% of the run.

Method (one run): a tree of 500 Markdown files in nested folders is written to a temporary
folder; each file has a heading and 3-6 paragraphs of real NTREX English sentences (2-4
each), a bulleted list on every other file, a fenced code block and a link. It is
translated into de, fr and es with :func:`~lingoflow.documents.translate_tree` (library
defaults: ``source="auto"``, ``mirror`` layout, ``concurrency`` files in flight, default
:data:`~lingoflow.documents.DEFAULT_CONCURRENCY`; ``--concurrency 1`` gives the sequential
run for comparison) by an engine defined here that echoes its
input after a fixed latency per call (``asyncio.sleep`` of 20 ms per ``translate_batch``
call plus 1 ms per segment), like a fast hosted MT API. No storage (no cache, no TM), so the
run is a first run: with a cache, a re-run would not call the engine at all. The engine
records the time during which at least one of its calls is in flight (overlapping calls
counted once) and the summed time of all calls; "outside the engine" is wall time minus the
in-flight time. A 3-file warm-up run first loads what is loaded on first use (sentence
splitter, language detector), so neither timed run carries it. A second run with the same
engine at zero latency gives the absolute overhead per file and per segment.

Run from the repository root::

    .venv/bin/python -m bench.tree_overhead [--data DIR] [--files N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from bench._ntrex import add_data_argument, load_corpus
from lingoflow.documents import DEFAULT_CONCURRENCY, TreeReport, translate_tree
from lingoflow.engines.base import Engine
from lingoflow.translator import Translator
from lingoflow.types import EngineOutput, Segment, TranslationRequest

TARGET_SHARE = 0.10
TARGETS = ("de", "fr", "es")
CALL_LATENCY = 0.020  # seconds per translate_batch call
SEGMENT_LATENCY = 0.001  # seconds per segment in the call
SEED = 7


class SleepEchoEngine(Engine):
    """Echo every segment after a fixed latency per call and per segment; time the calls."""

    name: ClassVar[str] = "bench-sleep-echo"
    max_input_tokens: ClassVar[int] = 8192
    per_call: ClassVar[float] = CALL_LATENCY
    per_segment: ClassVar[float] = SEGMENT_LATENCY

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.segments = 0
        self.summed = 0.0  # total duration of all calls
        self.busy = 0.0  # time with at least one call in flight
        self._in_flight = 0
        self._busy_since = 0.0

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Sleep the configured latency, then return each segment's text unchanged."""
        started = time.perf_counter()
        if self._in_flight == 0:
            self._busy_since = started
        self._in_flight += 1
        try:
            delay = self.per_call + self.per_segment * len(segments)
            if delay:
                await asyncio.sleep(delay)
            return [EngineOutput(segment.text, self.model) for segment in segments]
        finally:
            ended = time.perf_counter()
            self._in_flight -= 1
            if self._in_flight == 0:
                self.busy += ended - self._busy_since
            self.calls += 1
            self.segments += len(segments)
            self.summed += ended - started


class InstantEchoEngine(SleepEchoEngine):
    """The same engine with no latency: every call returns at once."""

    name: ClassVar[str] = "bench-instant-echo"
    per_call: ClassVar[float] = 0.0
    per_segment: ClassVar[float] = 0.0


@dataclass(frozen=True, slots=True)
class Run:
    """One timed translate_tree run."""

    seconds: float
    report: TreeReport
    engine: SleepEchoEngine

    @property
    def outside(self) -> float:
        """Wall time with no engine call in flight."""
        return self.seconds - self.engine.busy


def _paragraph(rng: random.Random, lines: Sequence[str]) -> str:
    return " ".join(rng.choice(lines) for _ in range(rng.randint(2, 4)))


def markdown_file(rng: random.Random, lines: Sequence[str], index: int) -> str:
    """Return one Markdown page of NTREX sentences with a list, a code block and a link."""
    title = rng.choice([line for line in lines if len(line) < 90] or lines).rstrip(".")
    parts = [f"# {title}", ""]
    paragraphs = [_paragraph(rng, lines) for _ in range(rng.randint(3, 6))]
    for i, text in enumerate(paragraphs):
        parts += [text, ""]
        if i == 0:
            parts += [f"See [the full story](https://news.example.com/story/{index}).", ""]
        if i == 1 and index % 2 == 0:
            parts += [f"- {rng.choice(lines)}" for _ in range(3)] + [""]
        if i == 1:
            parts += ["```python", f"story = fetch({index})", "print(story.title)", "```", ""]
    return "\n".join(parts)


def build_tree(root: Path, lines: Sequence[str], files: int) -> int:
    """Write ``files`` Markdown pages under ``root`` in nested folders; return total bytes."""
    rng = random.Random(SEED)
    size = 0
    for index in range(files):
        folder = root / f"section-{index % 8}" / f"topic-{index % 5}"
        if index % 3 == 0:
            folder = folder / f"part-{index % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        text = markdown_file(rng, lines, index)
        (folder / f"page-{index:03}.md").write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def run_tree(src: Path, out: Path, engine: SleepEchoEngine, concurrency: int) -> Run:
    """Translate ``src`` into ``out`` in all targets with ``engine``; no storage."""
    translator = Translator(engine)
    started = time.perf_counter()
    report = translate_tree(src, out, TARGETS, translator, concurrency=concurrency)
    seconds = time.perf_counter() - started
    translator.close()
    return Run(seconds, report, engine)


def main(args: argparse.Namespace) -> None:
    """Build the tree, run it with the fast and the instant engine, print the figures."""
    corpus = load_corpus(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        size = build_tree(src, corpus.eng, args.files)
        warm = Path(tmp) / "warm"
        build_tree(warm, corpus.eng, 3)
        warmup = run_tree(warm, Path(tmp) / "out-warm", InstantEchoEngine(), args.concurrency)
        fast = run_tree(src, Path(tmp) / "out-fast", SleepEchoEngine(), args.concurrency)
        instant = run_tree(src, Path(tmp) / "out-instant", InstantEchoEngine(), args.concurrency)
    statuses = dict(fast.report.by_status)
    segments = fast.report.segments
    print(
        f"Tree overhead: translate_tree on {args.files} Markdown files ({size / 1e6:.2f} MB, "
        f"nested folders, NTREX English) into {', '.join(TARGETS)}; no storage (first run, "
        f"no cache/TM), source=auto, mirror layout, {args.concurrency} file(s) in flight"
    )
    print(
        f"  warm-up (3 files, instant engine, first use of segmenter/detector): "
        f"{warmup.seconds:.2f} s, not counted below"
    )
    print(
        f"  files {statuses}, {segments:,} segments (all targets), "
        f"{fast.engine.calls:,} engine calls, {fast.engine.segments:,} segments sent"
    )
    print(
        f"  fast engine ({CALL_LATENCY * 1e3:.0f} ms per call + {SEGMENT_LATENCY * 1e3:.0f} ms "
        f"per segment): wall {fast.seconds:.2f} s, engine in flight {fast.engine.busy:.2f} s "
        f"(summed over calls {fast.engine.summed:.2f} s), outside engine {fast.outside:.2f} s "
        f"= {fast.outside / fast.seconds:.1%}"
    )
    files = args.files
    print(
        f"  instant engine: wall {instant.seconds:.2f} s, engine {instant.engine.busy:.3f} s, "
        f"outside {instant.outside:.2f} s = {instant.outside * 1e3 / files:.2f} ms per file, "
        f"{instant.outside * 1e3 / max(1, instant.report.segments):.3f} ms per segment "
        f"({instant.report.segments:,} segments)"
    )
    share = fast.outside / fast.seconds
    verdict = "PASS" if share < TARGET_SHARE else "FAIL"
    print(
        f"{verdict}: {share:.1%} of the fast-engine run outside the engine "
        f"(target < {TARGET_SHARE:.0%})"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    parser.add_argument("--files", type=int, default=500, help="Markdown files (default 500)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"files in flight (default {DEFAULT_CONCURRENCY}, the library's default)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
