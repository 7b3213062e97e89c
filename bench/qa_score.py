"""Quality score distributions for clean and defective pairs, and how many each sends to review.

Two sets, both from real NTREX-128 dev sentences (English sources):

1. *Calibration pairs*, lines 501-1,000 (``--lines`` per language, default 20, into de, es,
   fr, ja, zh and ko): the human translation (``true``), the translation of another line
   (``misaligned``), the first half and the first fifth of the translation (``half``,
   ``fifth``: omissions), the source itself (``untranslated``) and the line in an unrelated
   language (``wrong-language``). The bounds in :mod:`lingoflow.qa.score` were chosen here.
2. The *labelled QA set*, lines 1-500 (``bench/data/qa/labelled.jsonl``, built by
   ``bench/qa_labelled.py``), held out: clean pairs and pairs with one injected defect each,
   grouped by the check meant to catch it; ``--per-kind`` cases of each group (default 40,
   clean pairs 4x that), sampled with a fixed seed. Defects of minor checks (brackets, end
   punctuation, whitespace) are not meant to reach review; the summary also counts the
   defective pairs without them (``not minor``).

Each pair is checked with the registered checks and scored as a run scores it
(:func:`lingoflow.qa.score.score`): once with the rules alone, once with the similarity
signal (embedded only when no critical finding caps the score anyway, as in a run). Printed:
per kind, the score distribution and the share below the review threshold (``flagged``),
rules alone and with the signal; the share of clean and of defective pairs flagged; and the
CPU time per pair of the checks and of the signal. Run from the repository root::

    .venv/bin/python -m bench.qa_score [--data DIR] [--lines 20] [--per-kind 40]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench._ntrex import add_data_argument, load_lines
from bench.qa_labelled import OUTPUT as LABELLED
from bench.qa_labelled import _input as labelled_input
from lingoflow.languages import resolve
from lingoflow.qa import CheckInput, all_checks, run_checks
from lingoflow.qa.score import REVIEW_THRESHOLD, SIGNATURE, needs_review, score
from lingoflow.qa.similarity import MODEL_NAME, SimilarityModel
from lingoflow.types import Finding

LANGS = {"de": "deu", "es": "spa", "fr": "fra", "ja": "jpn", "zh": "zho-CN", "ko": "kor"}
WRONG = {"de": "rus", "es": "deu", "fr": "pol", "ja": "kor", "zh": "jpn", "ko": "zho-CN"}
FIRST, LAST = 500, 1000  # calibration lines (0-based, end excluded)
SEED = 20261129


@dataclass
class Pair:
    """One scored pair: its kind, whether it is clean, its findings and its two scores."""

    kind: str
    clean: bool
    item: CheckInput
    findings: list[Finding] = field(default_factory=list)
    similarity: float | None = None
    rules: float = 0.0
    full: float = 0.0


def calibration_pairs(data: argparse.Namespace) -> list[Pair]:
    """Return the six variants of ``--lines`` random calibration lines per language."""
    eng = load_lines(data.data, "eng")
    files = {c: load_lines(data.data, c) for c in {*LANGS.values(), *WRONG.values()}}
    rng = random.Random(SEED)
    pairs: list[Pair] = []
    source_lang = resolve("en")
    for lang, code in LANGS.items():
        target_lang, ref = resolve(lang), files[code]
        for i in rng.sample(range(FIRST, LAST), data.lines):
            other = rng.choice([k for k in range(FIRST, LAST) if k != i])
            words = ref[i].split()
            half = (
                ref[i][: len(ref[i]) // 2]
                if lang in ("ja", "zh")
                else " ".join(words[: len(words) // 2])
            )
            variants = {
                "true": ref[i],
                "misaligned": ref[other],
                "half": half,
                "fifth": ref[i][: max(1, len(ref[i]) // 5)],
                "untranslated": eng[i],
                "wrong-language": files[WRONG[lang]][i],
            }
            for kind, target in variants.items():
                item = CheckInput(eng[i], target, source_lang, target_lang)
                pairs.append(Pair(kind, kind == "true", item))
    return pairs


def labelled_pairs(per_kind: int) -> list[Pair]:
    """Return a fixed sample of the labelled set, ``per_kind`` cases per defect group."""
    if not LABELLED.is_file():
        raise SystemExit(f"{LABELLED} is missing: build it with `python -m bench.qa_labelled`.")
    cases = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        groups[case["expect"] or "clean"].append(case)
    rng = random.Random(SEED)
    pairs: list[Pair] = []
    for kind, members in sorted(groups.items()):
        count = per_kind * 4 if kind == "clean" else per_kind
        for case in rng.sample(members, min(count, len(members))):
            pairs.append(Pair(kind, kind == "clean", labelled_input(case)))
    return pairs


def run(pairs: Sequence[Pair], model: SimilarityModel) -> tuple[float, float, int]:
    """Check and score every pair; return CPU seconds of checks and of the signal, and pairs
    embedded."""
    start = time.process_time()
    for pair in pairs:
        pair.findings = run_checks(pair.item)
    checks = time.process_time() - start
    wanted = [p for p in pairs if not any(f.severity == "critical" for f in p.findings)]
    start = time.process_time()
    values = model.similarities([(p.item.source, p.item.target) for p in wanted])
    signal = time.process_time() - start
    for pair, value in zip(wanted, values, strict=True):
        pair.similarity = value
    for pair in pairs:
        code = pair.item.target_lang.code
        pair.rules = score(pair.findings, None, code)
        pair.full = score(pair.findings, pair.similarity, code)
    return checks, signal, len(wanted)


def _flagged(pairs: Sequence[Pair], full: bool) -> int:
    return sum(needs_review(p.full if full else p.rules, p.findings) for p in pairs)


def _share(count: int, total: int) -> str:
    return f"{count}/{total} {count / total:6.1%}" if total else "-"


def _dist(values: Sequence[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"{ordered[0]:5.1f} {at(0.1):5.1f} {statistics.median(ordered):5.1f} "
        f"{at(0.9):5.1f} {ordered[-1]:5.1f}"
    )


def report(title: str, pairs: Sequence[Pair]) -> None:
    """Print the per-kind table and the clean/defective summary of ``pairs``."""
    by_kind: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_kind[pair.kind].append(pair)
    print(f"\n{title}")
    header = f"{'kind':18} {'n':>4}  {'score min/p10/med/p90/max (rules+signal)':42}"
    print(f"{header} {'flagged: rules':>16} {'rules+signal':>16}  sim median")
    for kind, members in sorted(by_kind.items(), key=lambda kv: (not kv[1][0].clean, kv[0])):
        sims = [p.similarity for p in members if p.similarity is not None]
        sim = f"{statistics.median(sims):.3f}" if sims else "  -"
        print(
            f"{kind:18} {len(members):4}  {_dist([p.full for p in members]):42} "
            f"{_share(_flagged(members, False), len(members)):>16} "
            f"{_share(_flagged(members, True), len(members)):>16}  {sim}"
        )
    minor = {c.name for c in all_checks() if c.severity == "minor"}
    clean = [p for p in pairs if p.clean]
    defective = [p for p in pairs if not p.clean]
    serious = [p for p in defective if p.kind not in minor]
    groups = (("clean", clean), ("defective", defective), ("  not minor", serious))
    for label, group in groups:
        print(
            f"  {label:10} flagged: rules {_share(_flagged(group, False), len(group))}, "
            f"rules+signal {_share(_flagged(group, True), len(group))}"
        )


def main() -> None:
    """Score both sets and print the distributions and the review shares."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--lines", type=int, default=20, help="calibration lines per language")
    parser.add_argument("--per-kind", type=int, default=40, help="labelled cases per kind")
    args = parser.parse_args()
    print(f"score {SIGNATURE}, signal {MODEL_NAME}, review below {REVIEW_THRESHOLD:g} or critical")
    model = SimilarityModel()
    model.load()
    totals = [0.0, 0.0, 0, 0]
    for title, pairs in (
        (f"NTREX lines 501-1000, {args.lines} per language (calibration)", calibration_pairs(args)),
        ("Labelled QA set, lines 1-500 (held out)", labelled_pairs(args.per_kind)),
    ):
        checks, signal, embedded = run(pairs, model)
        totals = [
            totals[0] + checks,
            totals[1] + signal,
            totals[2] + embedded,
            totals[3] + len(pairs),
        ]
        report(title, pairs)
    checks, signal, embedded, count = totals
    print(
        f"\nCPU per pair: checks {checks / count * 1000:.2f} ms ({count} pairs); similarity "
        f"{signal / max(1, embedded) * 1000:.1f} ms ({embedded} pairs embedded, one OpenMP "
        "thread, each source embedded once)"
    )


if __name__ == "__main__":
    main()
