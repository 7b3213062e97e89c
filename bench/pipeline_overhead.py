"""Pipeline overhead: time per segment for everything but the engine, cold and cached.

Target: under 2 ms per segment on average, on the first run (cold cache) and on a second,
fully cached run.

Method (one run): 1,000 real NTREX English lines plus 4,200 variants of them (consistent
substitutions of numbers, names and glossary terms, see ``bench/_ntrex.py``), one in four
given a protected span (``<b>Name</b>``, ``{count}``, a URL, ``<p>...</p>``), joined into
paragraphs of 8 lines (headline-like lines alone), are translated en→de through
:class:`~lingoflow.translator.Translator` with a 2,000-term glossary, a 10,000-pair TM
(``tm="bench"``), cache on, SQLite in a temporary folder, and an engine defined here that
answers instantly with its input (so restore and checks see intact tokens). Each run uses a
new Translator on the same storage, as a new process would. Then both runs are repeated
under cProfile (cache cleared first for the cold one) for a breakdown by pipeline stage
(cumulative time of the stage's function) and the top functions by own time; profiled
times are inflated, compare shares.

Run from the repository root::

    .venv/bin/python -m bench.pipeline_overhead [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from bench._ntrex import (
    HISTORY,
    add_data_argument,
    build_tm,
    load_corpus,
    mine_glossary,
    paragraphs,
    varied_pairs,
    with_markup,
)
from lingoflow.engines.base import Engine
from lingoflow.engines.registry import register
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.qa.assess import QualityOptions
from lingoflow.storage import Storage, TmEntry
from lingoflow.translator import Translator
from lingoflow.types import EngineOutput, GlossarySelection, Segment, TranslationRequest

TARGET_MS = 2.0
MEMORY = "bench"
VARIANTS = 4_200
MARKUP_EVERY = 4

# (label, file suffix, function): each stage's function, timed cumulatively; none nests another.
STAGES = (
    ("segment_text (sentencex)", "pipeline/segment.py", "segment_text"),
    ("protect", "pipeline/protect.py", "protect"),
    ("segment_key (hashing)", "lingoflow/signature.py", "segment_key"),
    ("glossary match", "pipeline/run.py", "_match_terms"),
    ("TM exact lookup", "pipeline/run.py", "_from_tm"),
    ("cache lookup", "pipeline/run.py", "_from_cache"),
    ("TM fuzzy examples", "pipeline/run.py", "_examples"),
    ("engine (echo)", "bench/pipeline_overhead.py", "translate_batch"),
    ("restore", "pipeline/protect.py", "restore"),
    ("cache store", "pipeline/run.py", "_store"),
    ("term check (check_terms)", "glossary/matcher.py", "check_terms"),
    ("reassemble", "pipeline/segment.py", "reassemble"),
    ("Translator results", "lingoflow/translator.py", "_result"),
)


class EchoEngine(Engine):
    """An engine that costs nothing: every segment comes back as it was sent."""

    name: ClassVar[str] = "bench-echo"
    supports_terms: ClassVar[bool] = True
    supports_examples: ClassVar[bool] = True
    supports_domain: ClassVar[bool] = True
    max_input_tokens: ClassVar[int] = 8192
    calls: ClassVar[int] = 0  # segments asked for, across instances

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Return each segment's text unchanged."""
        EchoEngine.calls += len(segments)
        return [EngineOutput(segment.text, self.model) for segment in segments]


register(EchoEngine)


@dataclass(frozen=True, slots=True)
class Run:
    """One timed pass over all texts."""

    seconds: float
    segments: int
    engine_segments: int
    provenance: dict[str, int]

    @property
    def ms_per_segment(self) -> float:
        """Average wall time per segment, in milliseconds."""
        return self.seconds * 1000 / self.segments


async def translate(storage: Storage, options: PipelineOptions, texts: Sequence[str]) -> Run:
    """Translate ``texts`` en→de with a new Translator; return the timing."""
    EchoEngine.calls = 0
    # The run-level QA checks are measured by bench.qa_checks; an echo engine's output would
    # also be flagged as untranslated and fill the review queue.
    quality = QualityOptions(enabled=False)
    async with Translator(
        "bench-echo", storage=storage, options=options, quality=quality
    ) as translator:
        started = time.perf_counter()
        done = await translator.atranslate_batch(texts, "de", source="en")
        seconds = time.perf_counter() - started
    provenance = Counter(s.provenance.value for t in done for s in t.segments)
    return Run(seconds, sum(provenance.values()), EchoEngine.calls, dict(provenance))


def profiled(
    storage: Storage, options: PipelineOptions, texts: Sequence[str]
) -> tuple[Run, pstats.Stats]:
    """Run :func:`translate` under cProfile."""
    profile = cProfile.Profile()
    profile.enable()
    run = asyncio.run(translate(storage, options, texts))
    profile.disable()
    return run, pstats.Stats(profile)


def breakdown(label: str, run: Run, stats: pstats.Stats) -> None:
    """Print each stage's cumulative time and share, then the top functions by own time."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps this undocumented
    total: float = stats.total_tt  # type: ignore[attr-defined]
    print(f"  {label}: {total:.2f} s under cProfile for {run.segments:,} segments")
    covered = 0.0
    for name, suffix, function in STAGES:
        seconds = sum(
            row[3]
            for (path, _, func), row in table.items()
            if func == function and path.endswith(suffix)
        )
        covered += seconds
        print(_stage_row(name, seconds, run.segments, total))
    print(_stage_row("everything else", total - covered, run.segments, total))
    print("    top functions by own time:")
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:12]
    for (path, line, function), (_, calls, own, cumulative, _) in rows:
        where = path.split("site-packages/")[-1].split("/src/")[-1]
        print(
            f"      {own:>6.2f} s own {cumulative:>6.2f} s cum {calls:>9,}x  "
            f"{where}:{line}({function})"
        )


def _stage_row(name: str, seconds: float, segments: int, total: float) -> str:
    per = seconds * 1e3 / segments
    return f"    {name:<28}{seconds:>7.2f} s {per:>7.3f} ms/seg {seconds / total:>6.1%}"


def texts_for(
    corpus_pairs: Sequence[tuple[str, str]], variants: Sequence[tuple[str, str]]
) -> list[str]:
    """Return the paragraphs to translate: real lines then variants, some with markup."""
    lines = [en for en, _ in [*corpus_pairs, *variants]]
    marked = [
        with_markup(line, i // MARKUP_EVERY) if i % MARKUP_EVERY == 0 else line
        for i, line in enumerate(lines)
    ]
    return list(paragraphs(marked, 8))


def main(args: argparse.Namespace) -> None:
    """Build the data, time a cold and a cached run, then profile both."""
    corpus = load_corpus(args.data)
    glossary = mine_glossary(corpus.history, 2_000)
    tm = build_tm(corpus.history, glossary, 10_000, seed=11)
    pairs = list(zip(corpus.eng, corpus.deu, strict=True))
    variants = varied_pairs(pairs, glossary, VARIANTS, seed=31, exclude=frozenset(corpus.eng))
    texts = texts_for(pairs, variants)
    selection = GlossarySelection(tuple(glossary), version="bench-2000")
    options = PipelineOptions(glossary=selection, tm=MEMORY)
    with tempfile.TemporaryDirectory() as home, Storage.open(home=home) as storage:
        storage.tm.add_many(TmEntry(s, t, "en", "de", memory=MEMORY) for s, t in tm)
        cold = asyncio.run(translate(storage, options, texts))
        cached = asyncio.run(translate(storage, options, texts))
        storage.cache.clear()
        cold_profiled = profiled(storage, options, texts)
        cached_profiled = profiled(storage, options, texts)
    print(
        f"Pipeline overhead: Translator en->de with an instant echo engine, {len(texts):,} "
        f"paragraphs of NTREX lines ({len(corpus.eng):,} real + {len(variants):,} variants, "
        f"1 in {MARKUP_EVERY} with a tag/placeholder/URL)"
    )
    print(
        f"  glossary {len(glossary):,} terms, TM {len(tm):,} pairs (from lines 1-{HISTORY}), "
        "cache on, SQLite in a temp folder, a new Translator per run"
    )
    print(f"  {'':<22}{'segments':>9}{'to engine':>10}{'seconds':>9}{'ms/segment':>12}  provenance")
    for label, run in (("first run (cold)", cold), ("second run (cached)", cached)):
        print(
            f"  {label:<22}{run.segments:>9,}{run.engine_segments:>10,}{run.seconds:>9.2f}"
            f"{run.ms_per_segment:>12.3f}  {run.provenance}"
        )
    for label, run in (("cold", cold), ("cached", cached)):
        verdict = "PASS" if run.ms_per_segment < TARGET_MS else "FAIL"
        per = run.ms_per_segment
        print(f"{verdict}: {label} run {per:.3f} ms per segment (target < {TARGET_MS} ms)")
    print("Breakdown by stage (cProfile):")
    breakdown("cold run", *cold_profiled)
    breakdown("cached run", *cached_profiled)


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
