"""Time per segment of :func:`lingoflow.qa.run_checks` on real pairs; target under 1 ms.

Method: NTREX-128 dev lines 1-1,000, English source with its human reference in German,
Spanish, French, Japanese, Chinese and Korean (6,000 real pairs; every fourth source and
target given the same placeholder, so the markup checks have work). Each pair is checked
once with every check after a warm-up pass over 200 pairs (lazy model loading excluded);
the process's CPU time over all pairs, divided by their number, is the figure (wall-clock
time is printed too; on a shared machine it includes waiting for a core).
Run from the repository root::

    .venv/bin/python -m bench.qa_checks [--data DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Sequence

from bench._ntrex import add_data_argument, load_lines
from lingoflow.languages import resolve
from lingoflow.qa import CheckInput, run_checks

LANGS = {"de": "deu", "es": "spa", "fr": "fra", "ja": "jpn", "zh": "zho-CN", "ko": "kor"}


def pairs(data: argparse.Namespace) -> list[CheckInput]:
    """Return the real pairs as check inputs."""
    english = load_lines(data.data, "eng")
    source = resolve("en")
    found: list[CheckInput] = []
    for lang, code in LANGS.items():
        target = resolve(lang)
        for i, (src, ref) in enumerate(zip(english, load_lines(data.data, code), strict=True)):
            if i % 4 == 0:
                src, ref = f"{{name}} {src}", f"{{name}} {ref}"
            found.append(CheckInput(src, ref, source, target))
    return found


def fresh(items: Sequence[CheckInput]) -> list[CheckInput]:
    """Return copies of ``items`` without their cached analyses."""
    return [CheckInput(i.source, i.target, i.source_lang, i.target_lang) for i in items]


def main() -> None:
    """Time run_checks per segment and print the result, then the top functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    args = parser.parse_args()
    items = pairs(args)
    for item in fresh(items[:200]):
        run_checks(item)
    batch = fresh(items)
    wall, cpu = time.perf_counter(), time.process_time()
    findings = sum(len(run_checks(item)) for item in batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(batch)} real pairs, {findings} findings")
    print(f"run_checks: {cpu / len(batch) * 1000:.3f} ms/segment CPU (target < 1 ms)")
    print(f"            {wall / len(batch) * 1000:.3f} ms/segment wall clock (machine load adds)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [run_checks(item) for item in fresh(items)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
