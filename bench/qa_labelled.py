"""Recall and false-positive rate of the QA checks on a labelled set built from real pairs.

Build (deterministic, seeded) and evaluate, from the repository root::

    .venv/bin/python -m bench.qa_labelled            # build bench/data/qa/labelled.jsonl, evaluate
    .venv/bin/python -m bench.qa_labelled --show 3   # also print misses and false positives

The set comes from NTREX-128 dev lines 1-500 (real English news sentences and their human
translations into German, Spanish, French, Japanese, Chinese and Korean); lines 501-1,000 were
used to calibrate the length densities of :mod:`lingoflow.qa.form` and are not used here.

- *Clean* pairs are real source/reference pairs, some with the same placeholder, tag, URL or
  e-mail inserted on both sides, some with a prompt-like instruction appended to the source
  and its hand-written translation appended to the reference (``data/qa/instructions.json``),
  some carrying glossary entries, required or forbidden terms that the reference honours.
- *Defective* pairs inject one defect each into a real pair; each names the check that must
  catch it. Wrong-language targets are the reference in an unrelated language (related
  languages are out of scope by design, see :mod:`lingoflow.qa.language`).

Printed: per check, its recall on its own defect type and its false-positive rate on the
clean pairs; then overall figures.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench._ntrex import add_data_argument, load_lines, mine_glossary
from lingoflow.glossary.matcher import TermMatcher, check_terms
from lingoflow.qa import CheckInput, all_checks, run_checks
from lingoflow.qa.numbers import read_numbers
from lingoflow.qa.punctuation import final_mark
from lingoflow.types import GlossaryEntry

HERE = Path(__file__).resolve().parent / "data" / "qa"
OUTPUT = HERE / "labelled.jsonl"
SEED = 20261129
EVAL_LINES = 500
LANGS = {"de": "deu", "es": "spa", "fr": "fra", "ja": "jpn", "zh": "zho-CN", "ko": "kor"}
WRONG = {
    "de": ("fra", "spa", "ita", "rus", "tur", "pol"),
    "es": ("deu", "fra", "nld", "rus", "pol"),
    "fr": ("deu", "spa", "nld", "pol", "rus"),
    "ja": ("zho-CN", "kor", "rus"),
    "zh": ("jpn", "kor", "deu"),
    "ko": ("jpn", "zho-CN", "fra"),
}
CODE_OF = {"fra": "fr", "deu": "de"}
PLACEHOLDERS = ("{name}", "%s", "{0}", "%(count)d", "{{user}}", "${total}", "%1$s")
CLEAN_REAL, CLEAN_VARIANTS, PER_DEFECT = 50, 10, 8
_CJK = frozenset({"ja", "zh", "ko"})
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{3,}\b")
_LATIN_WORD = re.compile(r"\b[^\W\d_]{5,}\b")
_MARKS = re.compile("[\"'()\\[\\]\u2018\u2019\u201c\u201d]")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2}|[\uac00-\ud7af]{2,}")


@dataclass
class Case:
    """One labelled pair; ``expect`` names the check that must fire (None: clean)."""

    id: str
    lang: str
    kind: str
    expect: str | None
    source: str
    target: str
    glossary: list[list[Any]] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)


@dataclass
class Material:
    """What the builder draws from for one target language."""

    lang: str
    eng: list[str]
    ref: list[str]
    others: dict[str, list[str]]
    instructions: list[dict[str, Any]]
    entries: list[GlossaryEntry]
    rng: random.Random

    def pairs(self, keep: Callable[[str, str], bool] = lambda s, t: True) -> list[int]:
        """Return the evaluation line numbers whose pair passes ``keep``."""
        return [
            i
            for i in range(EVAL_LINES)
            if self.eng[i] and self.ref[i] and keep(self.eng[i], self.ref[i])
        ]

    def sample(self, count: int, keep: Callable[[str, str], bool] = lambda s, t: True) -> list[int]:
        """Return up to ``count`` random evaluation lines passing ``keep``."""
        lines = self.pairs(keep)
        return self.rng.sample(lines, min(count, len(lines)))

    def case(
        self, kind: str, expect: str | None, i: int, source: str, target: str, **extra: Any
    ) -> Case:
        """Return a case numbered by kind and line."""
        return Case(f"{self.lang}-{kind}-{i}", self.lang, kind, expect, source, target, **extra)


def _sep(lang: str) -> str:
    return "" if lang in ("ja", "zh") else " "


def _entries_json(entries: Sequence[GlossaryEntry]) -> list[list[Any]]:
    return [[e.source, e.target, e.do_not_translate] for e in entries]


def _honoured(m: Material, source: str, target: str) -> list[GlossaryEntry]:
    """Return the glossary entries matched in ``source`` that ``target`` honours."""
    if not m.entries:
        return []
    matches = TermMatcher(m.entries).match(source)
    missing = {f.entry for f in check_terms(matches, target, m.lang)}
    return list(dict.fromkeys(x.entry for x in matches if x.entry not in missing))


def _dnt_entries(m: Material, source: str, target: str) -> list[GlossaryEntry]:
    """Return do-not-translate entries for names written the same on both sides."""
    names = {n for n in _NAME.findall(source) if re.search(rf"(?<!\w){n}(?!\w)", target)}
    return [GlossaryEntry(n, n, "en", m.lang, do_not_translate=True) for n in sorted(names)]


def clean_cases(m: Material) -> Iterator[Case]:
    """Yield real pairs, with honoured glossary entries or names where there are some."""
    for i in m.sample(CLEAN_REAL):
        src, ref = m.eng[i], m.ref[i]
        entries = _honoured(m, src, ref) if m.lang == "de" else _dnt_entries(m, src, ref)
        yield m.case("clean", None, i, src, ref, glossary=_entries_json(entries))


def _with_placeholder(src: str, ref: str, ph: str) -> tuple[str, str]:
    return f"{ph} {src}", f"{ph} {ref}"


def _with_tag(src: str, ref: str) -> tuple[str, str]:
    return f"<b>{src}</b>", f"<b>{ref}</b>"


def _with_url(src: str, ref: str, i: int) -> tuple[str, str]:
    url = f"https://news.example.org/2019/story-{i}.html"
    return f"{src} {url}", f"{ref} {url}"


def _with_email(src: str, ref: str, i: int) -> tuple[str, str]:
    mail = f"desk{i}@example.org"
    return f"{src} ({mail})", f"{ref} ({mail})"


def clean_variants(m: Material) -> Iterator[Case]:
    """Yield real pairs with the same span inserted on both sides."""
    for n, i in enumerate(m.sample(CLEAN_VARIANTS * 2)):
        src, ref = m.eng[i], m.ref[i]
        kind = n % 4
        if kind == 0:
            yield m.case(
                "clean-placeholder", None, i, *_with_placeholder(src, ref, PLACEHOLDERS[n % 7])
            )
        elif kind == 1:
            yield m.case("clean-tag", None, i, *_with_tag(src, ref))
        elif kind == 2:
            yield m.case("clean-url", None, i, *_with_url(src, ref, i))
        else:
            yield m.case("clean-email", None, i, *_with_email(src, ref, i))


def clean_instructions(m: Material) -> Iterator[Case]:
    """Yield sources with an instruction appended, translated in full."""
    for n, i in enumerate(m.sample(len(m.instructions) * 2)):
        spec = m.instructions[n % len(m.instructions)]
        text = spec["en"].format(other=spec.get("other", {}).get(m.lang, ""))
        yield m.case(
            "clean-instruction",
            None,
            i,
            f"{m.eng[i]} {text}",
            f"{m.ref[i]}{_sep(m.lang)}{spec['translations'][m.lang]}",
        )


def _terms_pick(m: Material, text: str) -> str | None:
    words = (_CJK_WORD if m.lang in _CJK else _LATIN_WORD).findall(text)
    return m.rng.choice(words) if words else None


def term_cases(m: Material) -> Iterator[Case]:
    """Yield required and forbidden term cases, clean and defective."""
    for i in m.sample(6):
        src, ref = m.eng[i], m.ref[i]
        word = _terms_pick(m, ref)
        if word is None:
            continue
        dropped = re.sub(re.escape(word), "", ref, flags=re.IGNORECASE)
        dropped = dropped if m.lang in ("ja", "zh") else " ".join(dropped.split())
        yield m.case("clean-required", None, i, src, ref, required=[word])
        yield m.case("required-missing", "required-terms", i, src, dropped, required=[word])
        yield m.case("forbidden-used", "forbidden-terms", i, src, ref, forbidden=[word])
        other = _terms_pick(m, m.ref[(i + 1) % EVAL_LINES])
        if other and other.casefold() not in ref.casefold():
            yield m.case("clean-forbidden", None, i, src, ref, forbidden=[other])


def _change_number(src: str, ref: str, lang: str) -> str | None:
    """Return ``ref`` with one number that matches the source changed, or None."""
    source = read_numbers(src, "en")
    values = {v for n in source for v in n.values}
    for number in read_numbers(ref, lang):
        if number.values & values and number.written[-1].isdigit():
            digit = str((int(number.written[-1]) + 1) % 10)
            changed = number.written[:-1] + digit
            return ref.replace(number.written, changed, 1)
    return None


def _glossary_defect(m: Material, i: int) -> tuple[str, list[GlossaryEntry]] | None:
    """Return the reference with one honoured glossary term replaced, and the entries."""
    src, ref = m.eng[i], m.ref[i]
    entries = _honoured(m, src, ref) if m.lang == "de" else _dnt_entries(m, src, ref)
    for entry in entries:
        if len(TermMatcher([entry]).match(src)) != 1:  # a second occurrence may still honour it
            continue
        term = entry.source if entry.do_not_translate else entry.target
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")
        if pattern.search(ref):
            replacement = "Zeitung" if m.lang == "de" else "Morales"
            changed = pattern.sub(replacement, ref)
            return changed, entries
    return None


def _loop(m: Material, ref: str) -> str:
    core = ref.rstrip('.\u3002!?\uff01\uff1f\u300d"\u201d')
    if m.lang in ("ja", "zh"):
        phrase = core[-6:]
        return ref + phrase * m.rng.randint(3, 5)
    phrase = " ".join(core.split()[-m.rng.randint(2, 4) :])
    return ref + (" " + phrase) * m.rng.randint(3, 5)


def _unbalance(m: Material, ref: str) -> str:
    for closer in (")", "」", "»", "”", "“"):
        if closer in ref:
            return ref.replace(closer, "", 1)
    at = ref.find(" ") + 1 if m.lang not in ("ja", "zh") else 3
    return ref[:at] + "(" + ref[at:]


def _obeyed(m: Material, i: int, n: int) -> tuple[str, str]:
    """Return a source with an instruction and an output that obeys it."""
    spec = m.instructions[n % len(m.instructions)]
    other = spec.get("other", {}).get(m.lang, "")
    source = f"{m.eng[i]} {spec['en'].format(other=other)}"
    if isinstance(spec["obeyed"], str):  # the sentence in the named language
        code = {"French": "fra", "German": "deu"}[other]
        return source, m.others[code][i]
    lang = "en" if n % 2 else m.lang
    return source, spec["obeyed"][lang]


def _long(s: str, t: str) -> bool:
    return len(s) >= 40


def defect_cases(m: Material, boilerplate: str) -> Iterator[Case]:
    """Yield one defect per case, ``PER_DEFECT`` of each kind."""
    k = PER_DEFECT
    for n, i in enumerate(m.sample(k)):
        ph = PLACEHOLDERS[n % len(PLACEHOLDERS)]
        src, ref = _with_placeholder(m.eng[i], m.ref[i], ph)
        yield m.case("placeholder-dropped", "placeholders", i, src, m.ref[i])
    for i in m.sample(k):
        src, ref = _with_tag(m.eng[i], m.ref[i])
        yield m.case("tag-dropped", "tags", i, src, ref.replace("</b>", ""))
    for i in m.sample(k):
        src, _ = _with_url(m.eng[i], m.ref[i], i)
        yield m.case("url-dropped", "urls", i, src, m.ref[i])
    for i in m.sample(k // 2):
        src, _ = _with_email(m.eng[i], m.ref[i], i)
        yield m.case("email-dropped", "emails", i, src, m.ref[i])
    for i in m.sample(k, lambda s, t: _change_number(s, t, m.lang) is not None):
        yield m.case(
            "number-changed",
            "numbers",
            i,
            m.eng[i],
            _change_number(m.eng[i], m.ref[i], m.lang) or "",
        )
    for n, i in enumerate(m.sample(k)):
        other = WRONG[m.lang][n % len(WRONG[m.lang])]
        yield m.case(f"wrong-language-{other}", "wrong-language", i, m.eng[i], m.others[other][i])
    for i in m.sample(k):
        yield m.case("untranslated", "untranslated", i, m.eng[i], m.eng[i])
    for i in m.sample(k):
        yield m.case("empty", "empty", i, m.eng[i], "")
    for i in m.sample(k, _long):
        yield m.case(
            "truncated", "length-ratio", i, m.eng[i], m.ref[i][: max(1, len(m.ref[i]) // 5)]
        )
    for i in m.sample(k):
        yield m.case("loop", "repetition", i, m.eng[i], _loop(m, m.ref[i]))
    for i in m.sample(k, lambda s, t: not _MARKS.search(s)):
        yield m.case("bracket-unbalanced", "brackets", i, m.eng[i], _unbalance(m, m.ref[i]))
    for n, i in enumerate(m.sample(k)):
        src, out = _obeyed(m, i, n)
        yield m.case("prompt-injection", "prompt-injection", i, src, out)
    for i in m.sample(2):
        yield m.case("chatty-output", "prompt-injection", i, m.eng[i], f"{boilerplate} {m.ref[i]}")
    for i in m.sample(k, lambda s, t: _glossary_defect(m, m.eng.index(s)) is not None):
        found = _glossary_defect(m, i)
        if found:
            yield m.case(
                "glossary-miss", "glossary", i, m.eng[i], found[0], glossary=_entries_json(found[1])
            )


def _end_mark_defect(m: Material, ref: str) -> str:
    """Return ``ref`` with its full stop dropped (or, in Chinese and Japanese, made ASCII)."""
    core = ref.rstrip()[:-1]
    return core + "." if m.lang in ("ja", "zh") else core


def _ends_with_stop(s: str, t: str) -> bool:
    return final_mark(s)[0] == "stop" and t.rstrip()[-1:] in ".\u3002"


def minor_cases(m: Material) -> Iterator[Case]:
    """Yield end-punctuation and edge-whitespace defects."""
    for i in m.sample(PER_DEFECT, _ends_with_stop):
        yield m.case("end-mark", "end-punctuation", i, m.eng[i], _end_mark_defect(m, m.ref[i]))
    for n, i in enumerate(m.sample(PER_DEFECT)):
        target = f"{m.ref[i]} " if n % 2 else f" {m.ref[i]}"
        yield m.case("edge-space", "whitespace", i, m.eng[i], target)


def build(data: Path) -> list[Case]:
    """Return the labelled set, the same on every run."""
    spec = json.loads((HERE / "instructions.json").read_text(encoding="utf-8"))
    eng = load_lines(data, "eng")
    deu = load_lines(data, "deu")
    glossary = mine_glossary(list(zip(eng[:800], deu[:800], strict=True)), 500)
    codes = {c for pool in WRONG.values() for c in pool} | set(LANGS.values())
    files = {code: load_lines(data, code) for code in codes}
    cases: list[Case] = []
    for lang, code in LANGS.items():
        m = Material(
            lang,
            eng,
            files[code],
            files,
            spec["instructions"],
            glossary if lang == "de" else [],
            random.Random(f"{SEED}-{lang}"),
        )
        for part in (clean_cases(m), clean_variants(m), clean_instructions(m), term_cases(m)):
            cases += part
        cases += defect_cases(m, spec["boilerplate"])
        cases += minor_cases(m)
    return cases


def _input(case: dict[str, Any]) -> CheckInput:
    """Return the check input of one stored case."""
    entries = [
        GlossaryEntry(s, t, "en", case["lang"], do_not_translate=d) for s, t, d in case["glossary"]
    ]
    matches = TermMatcher(entries).match(case["source"]) if entries else []
    return CheckInput.of(
        case["source"],
        case["target"],
        "en",
        case["lang"],
        glossary=matches,
        required_terms=case["required"],
        forbidden_terms=case["forbidden"],
    )


def evaluate(cases: list[dict[str, Any]], show: int) -> None:
    """Print recall per check on its defects, false-positive rate on clean pairs, overall."""
    fired = [{f.check for f in run_checks(_input(c))} for c in cases]
    clean = [(c, f) for c, f in zip(cases, fired, strict=True) if c["expect"] is None]
    defects = [(c, f) for c, f in zip(cases, fired, strict=True) if c["expect"]]
    severity = {c.name: str(c.severity) for c in all_checks()}
    print(f"{len(cases)} cases: {len(clean)} clean, {len(defects)} defective\n")
    print(f"{'check':18} {'severity':9} {'recall':>14} {'false positives':>18}")
    examples: dict[str, list[str]] = defaultdict(list)
    for check in severity:
        own = [(c, f) for c, f in defects if c["expect"] == check]
        caught = sum(check in f for _, f in own)
        fp = [c for c, f in clean if check in f]
        recall = f"{caught}/{len(own)} {caught / len(own):.0%}" if own else "-"
        print(f"{check:18} {severity[check]:9} {recall:>14} {_rate(len(fp), len(clean)):>18}")
        examples[check] += [f"  FP {c['id']}: {c['target'][:100]!r}" for c in fp[:show]]
        examples[check] += [
            f"  MISS {c['id']}: {c['target'][:100]!r}" for c, f in own if check not in f
        ][:show]
    _overall(clean, defects, severity)
    for check, lines in examples.items():
        if lines:
            print(f"\n{check}:\n" + "\n".join(lines))


def _rate(count: int, total: int) -> str:
    """Return ``count/total percent``."""
    return f"{count}/{total} {count / total:.1%}"


def _overall(
    clean: list[tuple[dict[str, Any], set[str]]],
    defects: list[tuple[dict[str, Any], set[str]]],
    severity: dict[str, str],
) -> None:
    flagged = sum(bool(f) for _, f in clean)
    serious = sum(any(severity[x] != "minor" for x in f) for _, f in clean)
    caught = sum(c["expect"] in f for c, f in defects)
    critical = [(c, f) for c, f in defects if severity[c["expect"]] == "critical"]
    critical_caught = sum(c["expect"] in f for c, f in critical)
    by_kind = Counter(c["kind"].split("-")[0] for c, _ in defects)
    print(f"\nclean pairs flagged (any finding):       {_rate(flagged, len(clean))}")
    print(f"clean pairs flagged (critical or major): {_rate(serious, len(clean))}")
    print(f"defects caught by their check:           {_rate(caught, len(defects))}")
    print(f"critical defects caught:                 {_rate(critical_caught, len(critical))}")
    print(f"defect kinds: {dict(sorted(by_kind.items()))}")


def main() -> None:
    """Build the labelled set (unless ``--no-build``), save it, and evaluate the checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--no-build", action="store_true", help="evaluate the saved set as is")
    parser.add_argument("--show", type=int, default=0, help="print N misses and FPs per check")
    args = parser.parse_args()
    if not args.no_build:
        cases = build(args.data)
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        lines = (json.dumps(asdict(c), ensure_ascii=False) for c in cases)
        OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(cases)} cases to {OUTPUT}")
    stored = [json.loads(line) for line in OUTPUT.read_text(encoding="utf-8").splitlines()]
    evaluate(stored, args.show)


if __name__ == "__main__":
    main()
