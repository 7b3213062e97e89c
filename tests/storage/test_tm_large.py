"""Fuzzy TM lookups find the nearest entry among 10,000 (timings: bench/tm_fuzzy.py)."""

from __future__ import annotations

import random

from lingoflow.storage import TmEntry, TranslationMemory

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
