"""Fuzzy TM lookups find the nearest entry among 10,000 (timings: bench/tm_fuzzy.py)."""

from __future__ import annotations

import random
from pathlib import Path

from rapidfuzz import fuzz, process

from lingoflow.storage import TmEntry, TranslationMemory, normalize

VOCABULARY = (
    "file folder save open close settings account password user network server error "
    "could not be the a your has have been was is to for with click select update install "
    "download upload delete create share project document report image page window menu "
    "button option value default changes permission access connection timeout retry later"
)
WORDS = VOCABULARY.split()


def sentences(count: int, seed: int = 7) -> list[str]:
    """Return ``count`` distinct UI-like sentences of 5 to 14 words."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        words = rng.choices(WORDS, k=rng.randint(5, 14))
        found[" ".join(words).capitalize() + "."] = None
    return list(found)


def perturbed(sentence: str, rng: random.Random) -> str:
    """Return ``sentence`` with one word replaced: a typical fuzzy-match query."""
    words = sentence.split()
    words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def fill(tm: TranslationMemory, texts: list[str]) -> None:
    """Store ``texts`` as en→de entries."""
    tm.add_many(TmEntry(t, t.upper(), "en", "de") for t in texts)


def test_fuzzy_lookup_among_10k_entries_finds_the_nearest(tm: TranslationMemory) -> None:
    texts = sentences(10_000)
    fill(tm, texts)
    rng = random.Random(1)
    queries = [perturbed(rng.choice(texts), rng) for _ in range(50)]
    for query in queries:
        assert tm.fuzzy("default", "en", "de", query), f"no fuzzy match for {query!r}"
    best = tm.fuzzy("default", "en", "de", texts[123] + "!")
    assert best[0].source == texts[123]


NTREX = Path(__file__).resolve().parent.parent / "glossary" / "data" / "ntrex-eng.txt"


def edited(sentence: str, rng: random.Random) -> str:
    """Return ``sentence`` with one or two words dropped or swapped: a realistic revision."""
    words = sentence.split()
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(words))
        if rng.random() < 0.5 and len(words) > 4:
            del words[i]
        else:
            j = rng.randrange(len(words))
            words[i], words[j] = words[j], words[i]
    return " ".join(words)


def test_word_index_finds_what_a_full_scan_finds_on_real_sentences(tm: TranslationMemory) -> None:
    real = [line for line in NTREX.read_text(encoding="utf-8").splitlines() if line.strip()]
    fill(tm, real)
    rng = random.Random(5)
    queries = [edited(rng.choice(real), rng) for _ in range(200)] + real[:50]
    keys = [normalize(text) for text in real]
    missed = 0
    for query in queries:
        full = process.extract(normalize(query), keys, scorer=fuzz.ratio, limit=3, score_cutoff=75)
        got = tm.fuzzy("default", "en", "de", query, limit=3, threshold=0.75)
        if full and (not got or round(got[0].score * 100, 6) != round(full[0][1], 6)):
            missed += 1
    # The index may only miss a best match that shares under half its informative words.
    assert missed == 0, f"{missed} of {len(queries)} queries lost their best full-scan match"
