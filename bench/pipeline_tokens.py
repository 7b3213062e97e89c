"""Token efficiency: input tokens the pipeline sends per source token, glossary and TM on.

Target: with a 2,000-term en→de glossary and a 10,000-pair TM, the qwen-mt engine's requests
cost at most 1.5x the input tokens of the bare segments (no glossary, no TM).

Method (one run): 200 held-out NTREX sentences (lines 801-1000) are translated en→de by the
real ``qwen-mt`` engine through :class:`~lingoflow.translator.Translator` (cache off) against
``FakeDashScope``, a local HTTP server speaking DashScope's wire format, twice: bare, and with
the glossary and ``tm="bench"``. The glossary and TM are built from lines 1-800 only (see
``bench/_ntrex.py``: mined terms with aligned German targets; real pairs, joined neighbours
and substitution variants). Tokens are the fake's billing unit, whitespace-separated words of
the content plus every ``terms``/``tm_list`` source and target (DashScope bills them as
input): the pipeline's reported usage is exactly that count, and the verdict uses it. The
recorded request bodies are counted again with Qwen's real BPE tokenizer, read from the
local Qwen2.5 GGUF the tests assemble (``--gguf``; ``approx_tokens`` when absent). The naive
figure (whole glossary and all TM pairs in every request) is computed, never sent.

An informational second scenario, not the target: a *revised document*, where the TM also
holds one earlier variant of each held-out sentence, so fuzzy examples are sent.

Run from the repository root::

    .venv/bin/python -m bench.pipeline_tokens [--data DIR] [--segments 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.dashscope import FakeDashScope, count_tokens

from bench._ntrex import (
    HISTORY,
    REPO_ROOT,
    add_data_argument,
    build_tm,
    load_corpus,
    mine_glossary,
    one_variant_each,
)
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.qwen_mt import QwenMTEngine
from lingoflow.glossary.matcher import TermMatcher
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.pipeline.segment import approx_tokens
from lingoflow.storage import Storage, TmEntry
from lingoflow.translator import Translator
from lingoflow.types import GlossaryEntry, GlossarySelection

TARGET = 1.5
GLOSSARY_SIZE = 2_000
TM_SIZE = 10_000
MEMORY = "bench"
REVISED = "bench-revised"
DEFAULT_GGUF = REPO_ROOT / ".pytest_cache/d/lingoflow-home/models/qwen2.5-0.5b.gguf"


Count = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class Parts:
    """Input tokens of a run by part, as one tokenizer counts them."""

    content: int
    terms: int
    examples: int

    @property
    def total(self) -> int:
        """All input tokens."""
        return self.content + self.terms + self.examples


@dataclass(frozen=True, slots=True)
class Sent:
    """What one run sent: requests, the billed usage and the bodies recounted."""

    requests: int
    billed: int  # the pipeline's reported input usage (the fake's prompt_tokens)
    words: Parts  # the bodies recounted in the fake's unit (must total ``billed``)
    second: Parts  # the bodies counted by the second tokenizer
    terms_per_request: tuple[int, ...]
    with_examples: int
    provenance: Mapping[str, int]


def _pairs_text(pairs: Iterable[Mapping[str, str]]) -> str:
    """Join pairs the way the fake bills them: ``source target`` after each other."""
    return " ".join(f"{p['source']} {p['target']}" for p in pairs)


def parts(bodies: Sequence[Any], count: Count) -> Parts:
    """Count the content, terms and TM examples of the request bodies with ``count``."""
    content = terms = examples = 0
    for body in bodies:
        options = body["translation_options"]
        content += count(body["messages"][0]["content"])
        terms += count(_pairs_text(options.get("terms", ())))
        examples += count(_pairs_text(options.get("tm_list", ())))
    return Parts(content, terms, examples)


async def run(
    fake: FakeDashScope,
    storage: Storage,
    options: PipelineOptions,
    sentences: Sequence[str],
    second: Count,
) -> Sent:
    """Translate ``sentences`` en→de through Translator and count what was sent."""
    fake.reset()
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key, concurrency=8)
    async with Translator(QwenMTEngine(config), storage=storage, options=options) as translator:
        results = await translator.atranslate_batch(sentences, "de", source="en")
    bodies = fake.bodies
    options_sent = [b["translation_options"] for b in bodies]
    return Sent(
        requests=len(bodies),
        billed=sum(r.usage.input_tokens for r in results),
        words=parts(bodies, count_tokens),
        second=parts(bodies, second),
        terms_per_request=tuple(len(o.get("terms", ())) for o in options_sent),
        with_examples=sum(1 for o in options_sent if o.get("tm_list")),
        provenance=Counter(s.provenance.value for r in results for s in r.segments),
    )


def naive(
    bare: Sent, glossary: Sequence[GlossaryEntry], tm: Sequence[tuple[str, str]], second: Count
) -> Sent:
    """Return what sending the whole glossary and every TM pair with each request would cost."""
    terms = _pairs_text({"source": e.source, "target": e.target} for e in glossary)
    pairs = _pairs_text({"source": s, "target": t} for s, t in tm)
    n = bare.requests

    def each(count: Count, content: int) -> Parts:
        return Parts(content, n * count(terms), n * count(pairs))

    words = each(count_tokens, bare.words.content)
    return Sent(
        requests=n,
        billed=words.total,
        words=words,
        second=each(second, bare.second.content),
        terms_per_request=(len(glossary),) * n,
        with_examples=n,
        provenance={},
    )


def second_tokenizer(gguf: Path | None) -> tuple[str, Count]:
    """Return Qwen's BPE tokenizer from a local GGUF when there is one, else approx_tokens."""
    if gguf is not None and gguf.is_file():
        try:
            from llama_cpp import Llama
        except ImportError:
            pass
        else:
            with _quiet_stderr():  # llama.cpp warns about the context of a vocab-only load
                model = Llama(str(gguf), vocab_only=True, verbose=False)

            def qwen(text: str) -> int:
                return len(model.tokenize(text.encode(), add_bos=False, special=False))

            return f"Qwen2.5 BPE tokenizer ({gguf.name})", qwen
    return "approx_tokens (UTF-8 bytes / 3; no Qwen GGUF found, pass --gguf)", approx_tokens


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C libraries write there directly) while the block runs."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass(frozen=True, slots=True)
class TermWaste:
    """Term tokens the pipeline could have saved, by cause (fake's unit)."""

    duplicates: int  # terms repeated within one request
    duplicate_tokens: int
    matches: int  # distinct (segment, term) matches
    loose: int  # matched word is neither the term nor its plural (stemming across forms)
    loose_tokens: int
    examples: tuple[str, ...]
    identity: int  # target = source (names)
    identity_tokens: int


def term_waste(
    bodies: Sequence[Any], glossary: Sequence[GlossaryEntry], texts: Sequence[str]
) -> TermWaste:
    """Find duplicate terms in the bodies and stem over-matches in ``texts``."""
    duplicates = duplicate_tokens = identity = identity_tokens = 0
    for body in bodies:
        seen: set[tuple[str, str]] = set()
        for term in body["translation_options"].get("terms", ()):
            pair = (term["source"], term["target"])
            cost = count_tokens(f"{pair[0]} {pair[1]}")
            if pair in seen:
                duplicates, duplicate_tokens = duplicates + 1, duplicate_tokens + cost
            elif pair[0] == pair[1]:
                identity, identity_tokens = identity + 1, identity_tokens + cost
            seen.add(pair)
    matcher = TermMatcher(glossary)
    matches = loose = loose_tokens = 0
    examples: list[str] = []
    for text in texts:
        for match in {m.entry: m for m in reversed(matcher.match(text))}.values():
            matches += 1
            term, word = match.entry.source.casefold(), match.text.casefold()
            if word in (term, f"{term}s", f"{term}es") or term in (f"{word}s", f"{word}es"):
                continue
            loose += 1
            loose_tokens += count_tokens(f"{match.entry.source} {match.entry.target}")
            examples.append(f"{match.text}->{match.entry.source!r}")
    return TermWaste(
        duplicates,
        duplicate_tokens,
        matches,
        loose,
        loose_tokens,
        tuple(examples),
        identity,
        identity_tokens,
    )


def _row(label: str, sent: Sent, bare: Sent, note: str = "") -> str:
    ratio = sent.billed / bare.billed
    per = sent.billed / bare.words.content
    return f"  {label:<40}{sent.requests:>9,}{sent.billed:>15,}{per:>12.2f}{ratio:>11.2f}x{note}"


def report(
    runs: Mapping[str, Sent], waste: TermWaste, second_name: str, counts: Mapping[str, str]
) -> None:
    """Print the figures side by side and the verdict."""
    bare, full, revised, whole = runs["bare"], runs["full"], runs["revised"], runs["naive"]
    print(
        f"Token efficiency: qwen-mt engine -> FakeDashScope, en->de, {counts['segments']} "
        f"held-out NTREX sentences (lines {HISTORY + 1}-{HISTORY + int(counts['segments'])})"
    )
    print(f"  glossary : {counts['glossary']}")
    print(f"  TM       : {counts['tm']}")
    print(f"  options  : {counts['options']}")
    print(
        f"  tokens   : the fake's billing unit (whitespace words of content + terms + tm_list); "
        f"source tokens = {bare.words.content:,}"
    )
    print(f"  {'':<40}{'requests':>9}{'input tokens':>15}{'per src tok':>12}{'vs bare':>12}")
    print(_row("bare segments (no glossary, no TM)", bare, bare))
    print(_row("pipeline (glossary + TM)", full, bare))
    print(_row("naive (whole glossary + TM per request)", whole, bare, "  (computed)"))
    print(
        f"  pipeline input by part: segments {full.words.content:,}, terms {full.words.terms:,} "
        f"({sum(1 for n in full.terms_per_request if n)}/{full.requests} requests, mean "
        f"{statistics.mean(full.terms_per_request):.2f} / max {max(full.terms_per_request)} "
        f"terms), TM examples {full.words.examples:,} "
        f"({full.with_examples}/{full.requests} requests)"
    )
    print(
        f"  provenance: {dict(full.provenance)}; bodies recounted = billed usage: "
        f"{full.words.total == full.billed and bare.words.total == bare.billed}"
    )
    print(
        f"  same bodies by {second_name}: bare {bare.second.total:,}, pipeline "
        f"{full.second.total:,} ({full.second.total / bare.second.total:.2f}x), naive "
        f"{whole.second.total:,} ({whole.second.total / bare.second.total:,.0f}x)"
    )
    print(
        f"  term tokens that bought nothing: {waste.duplicates} terms repeated within a request "
        f"({waste.duplicate_tokens} tokens); {waste.loose}/{waste.matches} matches are stem "
        f"over-matches ({waste.loose_tokens} tokens), e.g. {', '.join(waste.examples[:6])}; "
        f"identity terms (target = source, names) {waste.identity} ({waste.identity_tokens} "
        f"tokens). Without the first two: "
        f"{(full.billed - waste.duplicate_tokens - waste.loose_tokens) / bare.billed:.2f}x"
    )
    ratio = full.billed / bare.billed
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(
        f"{verdict}: pipeline sends {ratio:.2f}x the bare input tokens (target <= {TARGET}x, "
        "fake's unit)"
    )
    second_ratio = full.second.total / bare.second.total
    print(
        f"  {'PASS' if second_ratio <= TARGET else 'FAIL'} by {second_name.split(' (')[0]}: "
        f"{second_ratio:.2f}x"
    )
    print(
        f"  informational, not the target - revised document (TM also holds one earlier "
        f"variant of {counts['revised']} held-out sentences): {revised.billed / bare.billed:.2f}x "
        f"bare ({revised.second.total / bare.second.total:.2f}x by the second tokenizer); "
        f"{revised.with_examples}/{revised.requests} requests carried TM examples, "
        f"{revised.words.examples:,} tokens = "
        f"{revised.words.examples / max(1, revised.words.content):.2f}x the segments' own"
    )


async def main(args: argparse.Namespace) -> None:
    """Build the data, run bare, full and revised translations, print the comparison."""
    started = time.perf_counter()
    corpus = load_corpus(args.data)
    glossary = mine_glossary(corpus.history, GLOSSARY_SIZE)
    tm = build_tm(corpus.history, glossary, TM_SIZE, seed=11)
    held_out = corpus.held_out[: args.segments]
    sentences = [en for en, _ in held_out]
    revision = one_variant_each(held_out, glossary, seed=23)
    selection = GlossarySelection(tuple(glossary), version="bench-2000")
    second_name, second = second_tokenizer(args.gguf)
    use = (sentences, second)
    multi = sum(1 for e in glossary if " " in e.source)
    counts = {
        "segments": str(len(sentences)),
        "glossary": f"{len(glossary):,} en->de terms mined from lines 1-{HISTORY} "
        f"({len(glossary) - multi:,} words, {multi:,} two-word phrases)",
        "tm": f"{len(tm):,} pairs in {MEMORY!r} ({HISTORY} real, {HISTORY - 1} joined "
        f"neighbours, {len(tm) - 2 * HISTORY + 1:,} substitution variants)",
        "options": "fuzzy_threshold 0.75, max_examples 3 (defaults), cache off",
        "revised": str(len(revision)),
    }
    with tempfile.TemporaryDirectory() as home, Storage.open(home=home) as storage:
        storage.tm.add_many(TmEntry(s, t, "en", "de", memory=MEMORY) for s, t in tm)
        storage.tm.add_many(TmEntry(s, t, "en", "de", memory=REVISED) for s, t in [*tm, *revision])
        with FakeDashScope() as fake:
            runs = {"bare": await run(fake, storage, PipelineOptions(use_cache=False), *use)}
            options = PipelineOptions(glossary=selection, tm=MEMORY, use_cache=False)
            runs["full"] = await run(fake, storage, options, *use)
            waste = term_waste(fake.bodies, glossary, sentences)
            options = PipelineOptions(glossary=selection, tm=REVISED, use_cache=False)
            runs["revised"] = await run(fake, storage, options, *use)
    runs["naive"] = naive(runs["bare"], glossary, tm, second)
    report(runs, waste, second_name, counts)
    print(f"  (bench wall time {time.perf_counter() - started:.1f} s)")


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    parser.add_argument(
        "--gguf",
        type=Path,
        default=DEFAULT_GGUF,
        help="a Qwen GGUF whose tokenizer gives the second count (default: the tests' copy)",
    )
    parser.add_argument("--segments", type=int, default=200, help="held-out sentences (<= 200)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
