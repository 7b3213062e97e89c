"""File memory: peak RSS translating a 10 MB and a 100 MB plain-text file.

Target: memory stays flat with file size: a 100 MB text file translates with bounded memory
(streamed), shown as peak RSS for 10 MB vs 100 MB; "flat" here means the big file's peak is
within 1.5x of the 10 MB file's.

Method: two UTF-8 ``.txt`` files of paragraphs (4-8 real NTREX English sentences each,
blank line between) are written to a temporary folder, 10 MB and 100 MB. Each is translated
en→de with :func:`~lingoflow.documents.translate_file` (library defaults: both files are over
:attr:`~lingoflow.documents.Streaming.threshold`, so both are streamed in pieces of
:attr:`~lingoflow.documents.Streaming.chunk` characters) in its own child process (this module
with ``--child``), so each peak is that run's alone: the child reads ``VmHWM`` from
``/proc/self/status`` after the import (baseline) and at the end. The engine, defined here,
answers instantly with its input; no storage (no cache, no TM). If the 10 MB run projects
the big run at over 4 minutes (linear in size), the big file is 50 MB instead, and the
output says so.

Run from the repository root::

    .venv/bin/python -m bench.file_memory [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from bench._ntrex import REPO_ROOT, add_data_argument, load_corpus
from lingoflow.documents import Streaming, translate_file
from lingoflow.engines.base import Engine
from lingoflow.translator import Translator
from lingoflow.types import EngineOutput, Segment, TranslationRequest

MB = 1_000_000
SMALL_MB = 10
BIG_MB = 100
FALLBACK_MB = 50
MAX_BIG_SECONDS = 240.0
FLAT_RATIO = 1.5
SEED = 5


class EchoEngine(Engine):
    """An engine that costs nothing: every segment comes back as it was sent."""

    name: ClassVar[str] = "bench-echo"
    max_input_tokens: ClassVar[int] = 8192

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Return each segment's text unchanged."""
        return [EngineOutput(segment.text, self.model) for segment in segments]


def peak_rss_mb() -> float:
    """Return this process's peak resident set size (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MB
    raise SystemExit("No VmHWM in /proc/self/status (Linux only).")


def write_text_file(path: Path, lines: Sequence[str], size: int) -> None:
    """Write about ``size`` bytes of paragraphs of NTREX sentences to ``path``."""
    rng = random.Random(SEED)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < size:
            paragraph = " ".join(rng.choice(lines) for _ in range(rng.randint(4, 8))) + "\n\n"
            out.write(paragraph)
            written += len(paragraph.encode())


def child(path: Path) -> None:
    """Translate ``path`` en→de and print a JSON line with time and memory."""
    baseline = peak_rss_mb()
    out_dir = path.parent / f"out-{path.stem}"
    started = time.perf_counter()
    with Translator(EchoEngine()) as translator:
        report = translate_file(path, ["de"], translator, out_dir=out_dir, source="en")
    seconds = time.perf_counter() - started
    result = report.files[0]
    print(
        json.dumps(
            {
                "status": result.status,
                "error": result.error,
                "segments": report.segments,
                "seconds": seconds,
                "baseline_mb": baseline,
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def measure(path: Path) -> dict[str, float | str | int | None]:
    """Run :func:`child` on ``path`` in a new process and return its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.file_memory", "--child", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child run on {path.name} failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float | str | int | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _row(label: str, size_mb: int, figures: dict[str, float | str | int | None]) -> str:
    return (
        f"  {label:<6}{size_mb:>4} MB  {figures['status']}, {figures['segments']:,} segments, "
        f"{figures['seconds']:.1f} s; RSS after import {figures['baseline_mb']:.0f} MB, "
        f"peak {figures['peak_mb']:.0f} MB"
    )


def main(args: argparse.Namespace) -> None:
    """Write both files, translate each in its own process, compare the peaks."""
    lines = load_corpus(args.data).eng
    streaming = Streaming()
    print(
        "File memory: translate_file en->de of a UTF-8 .txt of NTREX paragraphs, instant echo "
        "engine, no storage, each file in its own process (peak = VmHWM); library defaults: "
        f"files over {streaming.threshold / MB:.1f} MB streamed in pieces of "
        f"{streaming.chunk:,} characters",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        small_path = Path(tmp) / "small.txt"
        write_text_file(small_path, lines, SMALL_MB * MB)
        small = measure(small_path)
        print(_row("small", SMALL_MB, small), flush=True)  # printed now: the big run is long
        small_path.unlink()
        projected = float(small["seconds"] or 0) * BIG_MB / SMALL_MB
        big_mb = BIG_MB if projected <= MAX_BIG_SECONDS else FALLBACK_MB
        if big_mb != BIG_MB:
            print(
                f"  {BIG_MB} MB would take ~{projected:.0f} s (projected from {SMALL_MB} MB), "
                f"over {MAX_BIG_SECONDS:.0f} s: using {big_mb} MB instead",
                flush=True,
            )
        big_path = Path(tmp) / "big.txt"
        write_text_file(big_path, lines, big_mb * MB)
        big = measure(big_path)
    print(_row("big", big_mb, big))
    ratio = float(big["peak_mb"] or 0) / float(small["peak_mb"] or 1)
    growth = float(big["peak_mb"] or 0) - float(small["peak_mb"] or 0)
    print(
        f"  peak ratio {big_mb} MB / {SMALL_MB} MB: {ratio:.2f}x; extra peak "
        f"{growth:.0f} MB for {big_mb - SMALL_MB} MB more input "
        f"({growth / (big_mb - SMALL_MB):.1f} MB per input MB)"
    )
    verdict = "PASS" if ratio <= FLAT_RATIO else "FAIL"
    print(
        f"{verdict}: peak RSS {big_mb} MB file is {ratio:.2f}x the {SMALL_MB} MB file's "
        f"(target <= {FLAT_RATIO}x, memory flat with file size)"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.child is not None:
        child(arguments.child)
    else:
        main(arguments)
