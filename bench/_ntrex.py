"""Bench data built from the real NTREX dev files: sentences, an en→de glossary and a TM.

Everything here is deterministic (fixed seeds) and derived from the aligned NTREX files, so
every bench sees the same data:

- *History* is lines 1-800 of ``eng.txt``/``deu.txt``; lines 801-1000 are *held out* (other
  news articles, never used to build the glossary or the TM).
- :func:`mine_glossary` takes the most frequent English words and two-word phrases of the
  history that look like terms (no function words, no generic verbs or adverbs), and gives
  each the German word or two-word phrase of the aligned lines that co-occurs with it most
  (Dice coefficient, ties broken by position in the sentence), or the term itself when the
  German lines mostly write it the same way (names). Frequent terms get plausible
  targets (``Parliament`` → ``Parlament``); rare ones noisy but real German words, which is
  all a token count needs.
- :func:`build_tm` makes a realistic 10,000-pair translation memory from the 800 history
  pairs: the pairs themselves, every two consecutive pairs joined (paragraph entries), and
  variants made by consistent substitutions on both sides: a number that both sides write
  the same way, a name that both sides write the same way, or a glossary term whose aligned
  target occurs in the German line, each swapped for another of its kind. That mimics a
  real TM's clusters of near-identical sentences (the same story with other names/figures).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lingoflow.types import GlossaryEntry

__all__ = [
    "DEFAULT_DATA",
    "HISTORY",
    "Corpus",
    "add_data_argument",
    "build_tm",
    "load_corpus",
    "load_lines",
    "mine_glossary",
    "one_variant_each",
    "paragraphs",
    "varied_pairs",
    "with_markup",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "ntrex-dev"
HISTORY = 800
"""Lines 1-800 build the glossary and the TM; the rest are held out."""

_EN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_DE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_NUMBER = re.compile(r"(?<![\d.,])\d+(?![\d.,]\d)")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")


def _wordset(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` as a set."""
    return frozenset(text.split())


_EN_STOP = _wordset(
    """a about above across after again against all almost along also although am among an
    and another any anyone anything are around as at be became because become been before
    being below between both but by can cannot could did do does doing done down during each
    either else enough ever every few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just least less let like
    may me might mine more most much must my myself neither no nor not now of off on once
    one only onto or other others otherwise our ours ourselves out over own per quite rather
    same shall she should since so some something such than that the their theirs them
    themselves then there these they this those though through thus to too toward towards
    under until up upon us very via was we were what whatever when where whether which while
    who whom whose why will with within without would yet you your yours yourself s t mr mrs
    ms dr st re ve ll d m"""
)
_EN_GENERIC = _wordset(
    """said says say saying told tell tells asked ask added add make made makes making take
    took taken takes get gets got getting go goes went going gone come comes came coming know
    knew known think thought want wanted wants see saw seen seems seemed look looked looking
    give gave given use used using find found put keep kept let lets need needs needed show
    showed shown try tried call called become became begin began run ran left leave set
    well even still already really actually never always often sometimes usually later ago
    back away yes new old last first second third next many several lot lots little big
    great good bad best better worse high low long short large small early late able likely
    year years time times day days week weeks month months people way thing things part
    including according however instead despite among though although whole recent recently
    two three four five six seven eight nine ten hundred thousand million billion"""
)
_DE_STOP = _wordset(
    """der die das den dem des ein eine einen einem einer eines und oder aber doch sondern
    denn weil wenn als ob dass daß wie wo was wer wem wen wessen ich du er sie es wir ihr
    mich dich sich uns euch mir dir ihm ihn ihnen ihre ihren ihrem ihrer ihres sein seine
    seinen seinem seiner seines mein meine unser unsere nicht kein keine keinen keinem
    keiner ist sind war waren wird werden wurde wurden worden sein gewesen hat haben hatte
    hatten habe kann können konnte konnten muss müssen soll sollen sollte sollten will
    wollen wollte würde würden im in ins am an auf aus bei bis durch für gegen hinter mit
    nach neben ohne seit über um unter von vor zu zum zur zwischen auch noch nur schon sehr
    so dann da hier dort jetzt immer mehr man alle allen aller alles dieser diese dieses
    diesen diesem jeder jede jedes jeden jedem sagte sagt gesagt"""
)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The aligned English and German NTREX lines, split into history and held-out parts."""

    eng: tuple[str, ...]
    deu: tuple[str, ...]

    @property
    def history(self) -> list[tuple[str, str]]:
        """The (English, German) pairs the glossary and TM are built from."""
        return list(zip(self.eng[:HISTORY], self.deu[:HISTORY], strict=True))

    @property
    def held_out(self) -> list[tuple[str, str]]:
        """The (English, German) pairs never used to build the glossary or the TM."""
        return list(zip(self.eng[HISTORY:], self.deu[HISTORY:], strict=True))


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """Add the ``--data`` option (the NTREX dev folder) to ``parser``."""
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"folder with NTREX's eng.txt, deu.txt ... (default: {DEFAULT_DATA})",
    )


def load_lines(folder: Path, code: str) -> list[str]:
    """Return the lines of ``<folder>/<code>.txt``; exit with a clear message if it is missing."""
    path = folder / f"{code}.txt"
    if not path.is_file():
        raise SystemExit(
            f"NTREX data missing: {path} does not exist. Pass --data DIR, the folder holding "
            "NTREX-128's dev files (eng.txt, deu.txt, ...)."
        )
    return path.read_text(encoding="utf-8").splitlines()


def load_corpus(folder: Path) -> Corpus:
    """Load the aligned English and German lines."""
    eng, deu = load_lines(folder, "eng"), load_lines(folder, "deu")
    if len(eng) != len(deu) or len(eng) <= HISTORY:
        raise SystemExit(f"{folder}: eng.txt and deu.txt must be aligned, over {HISTORY} lines.")
    return Corpus(tuple(eng), tuple(deu))


@dataclass(frozen=True, slots=True)
class _Gram:
    """One n-gram occurrence: its surface form and relative position in its line (0..1)."""

    surface: str
    position: float
    initial: bool  # starts the line (its capital may be the sentence's, not the word's)


def _grams(
    line: str, pattern: re.Pattern[str], stop: frozenset[str], max_n: int
) -> dict[str, _Gram]:
    """Return the line's n-grams (n ≤ ``max_n``) of non-stop words not split by punctuation."""
    words = list(pattern.finditer(line))
    found: dict[str, _Gram] = {}
    for i in range(len(words)):
        for n in range(1, max_n + 1):
            chunk = words[i : i + n]
            if len(chunk) < n or any(w.group().lower() in stop for w in chunk):
                break
            gaps = (line[a.end() : b.start()] for a, b in itertools.pairwise(chunk))
            if any(gap != " " for gap in gaps):
                break
            surface = line[chunk[0].start() : chunk[-1].end()]
            position = chunk[0].start() / max(1, len(line))
            found.setdefault(surface.lower(), _Gram(surface, position, i == 0))
    return found


def _is_term(gram: _Gram) -> bool:
    """Tell whether an English n-gram looks like a glossary term rather than a common word.

    Single words: no generic word, no ``-ed``/``-ing``/``-ly`` form. Two words: neither is
    generic, and both or neither are capitalised (``Security Council``, ``public
    consultation``, not ``boy Saturday``), unless the capital is the sentence's.
    """
    words = gram.surface.split()
    keys = [w.lower() for w in words]
    if any(len(k) < 3 for k in keys):
        return False
    if len(words) == 1:
        return keys[0] not in _EN_GENERIC and not keys[0].endswith(("ed", "ing", "ly"))
    if any(k in _EN_GENERIC for k in keys):
        return False
    capitals = {w[0].isupper() for w in words[1:] if w}
    first = words[0][0].isupper() and not gram.initial
    return len(capitals | ({first} if not gram.initial else set())) == 1


def _surface(occurrences: Sequence[_Gram]) -> str:
    """Return the most common written form, ignoring line-initial capitals when possible."""
    inside = [g.surface for g in occurrences if not g.initial] or [g.surface for g in occurrences]
    return Counter(inside).most_common(1)[0][0]


def mine_glossary(pairs: Sequence[tuple[str, str]], count: int) -> list[GlossaryEntry]:
    """Return ``count`` en→de entries: frequent English terms with aligned German targets."""
    english = [_grams(en, _EN_WORD, _EN_STOP, 2) for en, _ in pairs]
    german = [_grams(de, _DE_WORD, _DE_STOP, 2) for _, de in pairs]
    en_lines: dict[str, list[int]] = defaultdict(list)
    for index, grams in enumerate(english):
        for key, gram in grams.items():
            if _is_term(gram):
                en_lines[key].append(index)
    de_freq = Counter(key for grams in german for key in grams)
    de_forms: dict[str, list[_Gram]] = defaultdict(list)
    for grams in german:
        for key, gram in grams.items():
            de_forms[key].append(gram)
    ranked = sorted(en_lines, key=lambda k: (-len(en_lines[k]), -len(k.split()), en_lines[k][0]))
    if len(ranked) < count:
        raise SystemExit(f"Only {len(ranked)} candidate terms in the history, not {count}.")
    entries = []
    for key in ranked[:count]:
        lines = en_lines[key]
        source = _surface([english[i][key] for i in lines])
        kept = sum(_whole(source, pairs[i][1]) for i in lines)  # names: written the same
        target_key = (
            None if 2 * kept >= len(lines) else _align(key, lines, english, german, de_freq)
        )
        target = _surface(de_forms[target_key]) if target_key else source
        entries.append(GlossaryEntry(source, target, "en", "de"))
    return entries


def _align(
    key: str,
    lines: Sequence[int],
    english: Sequence[dict[str, _Gram]],
    german: Sequence[dict[str, _Gram]],
    de_freq: Counter[str],
) -> str | None:
    """Return the German n-gram that co-occurs best with ``key`` (Dice, then position)."""
    together: Counter[str] = Counter()
    distance: dict[str, float] = defaultdict(float)
    for i in lines:
        where = english[i][key].position
        for de_key, gram in german[i].items():
            together[de_key] += 1
            distance[de_key] += abs(gram.position - where)
    if not together:
        return None

    def score(de_key: str) -> tuple[float, float, int]:
        dice = 2 * together[de_key] / (len(lines) + de_freq[de_key])
        return (-dice, distance[de_key] / together[de_key], len(de_key.split()))

    return min(together, key=score)


@dataclass(frozen=True, slots=True)
class _Pools:
    """What a variant may swap in: names and terms that both sides write identically/aligned."""

    names: tuple[str, ...]
    terms: dict[tuple[int, int], tuple[GlossaryEntry, ...]]


def _pools(pairs: Sequence[tuple[str, str]], glossary: Sequence[GlossaryEntry]) -> _Pools:
    names = sorted(
        {
            m.group()
            for en, de in pairs
            for m in _NAME.finditer(en)
            if m.start() > 0 and m.group().lower() not in _EN_STOP and _whole(m.group(), de)
        }
    )
    terms: dict[tuple[int, int], list[GlossaryEntry]] = defaultdict(list)
    for entry in glossary:
        terms[(len(entry.source.split()), len(entry.target.split()))].append(entry)
    return _Pools(tuple(names), {k: tuple(v) for k, v in terms.items()})


def _whole(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def _swap(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", lambda _: new, text)


def _slots(en: str, de: str, pools: _Pools, terms: Sequence[GlossaryEntry]) -> list[str]:
    """Return what can be swapped consistently in a pair: ``#n``, ``@name``, ``=term``."""
    slots = [f"#{m.group()}" for m in _NUMBER.finditer(en) if _whole(m.group(), de)]
    slots += [
        f"@{m.group()}"
        for m in _NAME.finditer(en)
        if m.start() > 0 and m.group() in pools.names and _whole(m.group(), de)
    ]
    slots += [
        f"={e.source}"
        for e in terms
        if e.source in en and e.target in de and _whole(e.source, en) and _whole(e.target, de)
    ]
    return list(dict.fromkeys(slots))


def _vary(
    en: str,
    de: str,
    rng: random.Random,
    pools: _Pools,
    by_source: dict[str, GlossaryEntry],
    slots: Sequence[str],
) -> tuple[str, str]:
    """Return the pair with one or two of its slots swapped for others of the same kind."""
    for slot in rng.sample(list(slots), k=min(len(slots), rng.choice((1, 1, 2)))):
        kind, old = slot[0], slot[1:]
        if kind == "#":
            new = str(rng.randrange(10 ** (len(old) - 1) if len(old) > 1 else 0, 10 ** len(old)))
            en, de = _swap(en, old, new), _swap(de, old, new)
        elif kind == "@":
            new = rng.choice(pools.names)
            en, de = _swap(en, old, new), _swap(de, old, new)
        else:
            entry = by_source[old]
            shape = (len(entry.source.split()), len(entry.target.split()))
            other = rng.choice(pools.terms[shape])
            en, de = _swap(en, entry.source, other.source), _swap(de, entry.target, other.target)
    return en, de


def varied_pairs(
    pairs: Sequence[tuple[str, str]],
    glossary: Sequence[GlossaryEntry],
    count: int,
    *,
    seed: int,
    exclude: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """Return ``count`` new distinct pairs, each a variant of one of ``pairs``."""
    pools = _pools(pairs, glossary)
    by_source = {e.source: e for e in glossary}
    terms_by_line = [_slots(en, de, pools, glossary) for en, de in pairs]
    variable = [i for i, slots in enumerate(terms_by_line) if slots]
    rng = random.Random(seed)
    found: dict[str, str] = {}
    for _ in range(count * 20):
        i = rng.choice(variable)
        en, de = _vary(*pairs[i], rng, pools, by_source, terms_by_line[i])
        if en not in exclude and en not in found:
            found[en] = de
            if len(found) == count:
                return list(found.items())
    raise SystemExit(f"Could make only {len(found)} distinct variants, not {count}.")


def build_tm(
    pairs: Sequence[tuple[str, str]], glossary: Sequence[GlossaryEntry], count: int, *, seed: int
) -> list[tuple[str, str]]:
    """Return ``count`` distinct en→de pairs: the pairs, joined neighbours, and variants."""
    base: dict[str, str] = dict(pairs)
    for (en1, de1), (en2, de2) in itertools.pairwise(pairs):
        base.setdefault(f"{en1} {en2}", f"{de1} {de2}")
    extra = varied_pairs(pairs, glossary, count - len(base), seed=seed, exclude=frozenset(base))
    return [*base.items(), *extra]


_MARKUP = (
    "bold",  # <b>Name</b>
    "count",  # a number becomes {count}
    "url",  # a trailing link
    "para",  # <p>...</p>
)


def with_markup(text: str, index: int) -> str:
    """Return ``text`` with one kind of protected span, chosen by ``index`` (4 kinds)."""
    kind = _MARKUP[index % len(_MARKUP)]
    if kind == "bold" and (name := _NAME.search(text, 1)):
        return f"{text[: name.start()]}<b>{name.group()}</b>{text[name.end() :]}"
    if kind == "count" and (number := _NUMBER.search(text)):
        return f"{text[: number.start()]}{{count}}{text[number.end() :]}"
    if kind == "url":
        return f"{text} More at https://news.example.com/story/{index}."
    return f"<p>{text}</p>"


def paragraphs(lines: Sequence[str], size: int) -> Iterator[str]:
    """Yield document text: headline-like lines alone, the others in paragraphs of ``size``."""
    block: list[str] = []
    for line in lines:
        if not line.rstrip().endswith((".", "!", "?", '"', "”", "'", ")")):
            if block:
                yield " ".join(block)
                block = []
            yield line
            continue
        block.append(line)
        if len(block) == size:
            yield " ".join(block)
            block = []
    if block:
        yield " ".join(block)


def one_variant_each(
    pairs: Sequence[tuple[str, str]], glossary: Sequence[GlossaryEntry], *, seed: int
) -> list[tuple[str, str]]:
    """Return one variant of each pair that has something to swap (an earlier revision)."""
    pools = _pools(pairs, glossary)
    by_source = {e.source: e for e in glossary}
    rng = random.Random(seed)
    found: list[tuple[str, str]] = []
    for en, de in pairs:
        slots = _slots(en, de, pools, glossary)
        if slots:
            variant = _vary(en, de, rng, pools, by_source, slots)
            if variant[0] != en:
                found.append(variant)
    return found
