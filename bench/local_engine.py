"""The offline engine: load time, seconds per sentence, peak memory and chrF on NTREX en→xx.

Run from the repository root (one sentence per call, as the reference table measured it):

    .venv/bin/python -m bench.local_engine --model qwen2.5-0.5b --sentences 30 --to es
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import sacrebleu

from lingoflow.engines.base import EngineConfig
from lingoflow.engines.local_llm import LocalLLMEngine
from lingoflow.languages import resolve
from lingoflow.paths import default_home
from lingoflow.types import Segment, TranslationRequest

REPO = Path(__file__).resolve().parent.parent
NTREX_FILES = {"es": "spa", "de": "deu", "fr": "fra", "ja": "jpn", "ko": "kor", "zh": "zho-CN"}


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        lines = status.read().splitlines()
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read_ntrex(data: Path, code: str) -> tuple[list[str], list[str]]:
    """English sources and ``code`` references from the NTREX folder ``data``."""
    if not data.is_dir():
        raise SystemExit(f"NTREX data not found at {data}: pass --data DIR")
    sources = (data / "eng.txt").read_text(encoding="utf-8").splitlines()
    refs = (data / f"{NTREX_FILES[code]}.txt").read_text(encoding="utf-8").splitlines()
    return sources, refs


async def main(args: argparse.Namespace, sources: list[str], refs: list[str]) -> None:
    sources = sources[: args.sentences]
    options = {"threads": str(args.threads)} if args.threads else {}
    engine = LocalLLMEngine(EngineConfig(model=args.model, home=args.home, options=options))
    started = time.perf_counter()
    await engine.load()
    print(
        f"model {args.model}: load {time.perf_counter() - started:.1f} s, "
        f"peak RSS after load {peak_rss_mib():.0f} MiB"
    )
    request = TranslationRequest(target=resolve(args.to), source=resolve("en"))
    hypotheses, seconds = [], []
    for source in sources:
        started = time.perf_counter()
        [output] = await engine.translate_batch([Segment(source)], request)
        seconds.append(time.perf_counter() - started)
        hypotheses.append(output.text)
    chrf = sacrebleu.metrics.CHRF()
    score = chrf.corpus_score(hypotheses, [refs[: len(hypotheses)]])
    print(
        f"{len(sources)} sentences en→{args.to}: {sum(seconds) / len(seconds):.2f} s/sentence "
        f"(min {min(seconds):.2f}, max {max(seconds):.2f})"
    )
    print(f"chrF {score.score:.1f}  ({chrf.get_signature()})")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


def parse() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="qwen2.5-0.5b")
    parser.add_argument("--to", default="es", choices=sorted(NTREX_FILES))
    parser.add_argument("--sentences", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--home", default=str(default_home()))
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "ntrex-dev"))
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    asyncio.run(main(arguments, *read_ntrex(Path(arguments.data), arguments.to)))
