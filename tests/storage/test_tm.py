"""Translation memory on SQLite and PostgreSQL: exact, fuzzy, writes, export order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rapidfuzz import fuzz

from lingoflow.signature import Signature
from lingoflow.storage import Database, PairCount, TmEntry, TranslationMemory
from lingoflow.types import Example

SENTENCES = {
    "The file could not be saved.": "Die Datei konnte nicht gespeichert werden.",
    "The file could not be opened.": "Die Datei konnte nicht geöffnet werden.",
    "The folder could not be saved.": "Der Ordner konnte nicht gespeichert werden.",
    "Click Save to continue.": "Klicken Sie auf Speichern, um fortzufahren.",
    "Your changes have been saved.": "Ihre Änderungen wurden gespeichert.",
}


@pytest.fixture
def filled(tm: TranslationMemory) -> TranslationMemory:
    """Return the TM holding SENTENCES (en→de) and one en→fr entry."""
    tm.add_many(TmEntry(s, t, "en", "de") for s, t in SENTENCES.items())
    tm.add(
        TmEntry(
            "The file could not be saved.", "Le fichier n'a pas pu être enregistré.", "en", "fr"
        )
    )
    return tm


def test_exact_matches_normalised_whitespace_and_keys_by_the_callers_text(
    filled: TranslationMemory,
) -> None:
    sources = ["  The file  could not\nbe saved. ", "The file could not be saved.", "Unknown."]
    assert filled.exact("default", "en", "de", sources) == {
        sources[0]: SENTENCES["The file could not be saved."],
        sources[1]: SENTENCES["The file could not be saved."],
    }
    assert filled.exact("default", "en", "fr", ["The file could not be saved."]) == {
        "The file could not be saved.": "Le fichier n'a pas pu être enregistré."
    }
    assert filled.exact("other", "en", "de", sources[1:]) == {}


def test_exact_is_case_sensitive(filled: TranslationMemory) -> None:
    assert filled.exact("default", "en", "de", ["the file could not be saved."]) == {}


def test_adding_the_same_normalised_source_updates_the_entry(tm: TranslationMemory) -> None:
    signature = Signature("qwen-mt", "qwen-mt-plus", "", "", "0.1.0")
    tm.add(TmEntry("Hello  world", "Hallo Welt", "en", "de"))
    tm.add(TmEntry("Hello world", "Hallo, Welt", "en", "de", "engine:qwen-mt-plus", signature))
    [entry] = list(tm.iter_entries())
    assert (entry.source, entry.target, entry.origin, entry.signature) == (
        "Hello world", "Hallo, Welt", "engine:qwen-mt-plus", signature
    )  # fmt: skip
    assert entry.created_at is not None
    assert entry.updated_at is not None


def test_fuzzy_returns_the_nearest_neighbours_with_their_scores(filled: TranslationMemory) -> None:
    query = "The file could not be saved!"
    matches = filled.fuzzy("default", "en", "de", query, limit=3, threshold=0.75)
    assert [m.source for m in matches] == [
        "The file could not be saved.",
        "The folder could not be saved.",
        "The file could not be opened.",
    ]
    for match in matches:
        assert match.score == pytest.approx(fuzz.ratio(query, match.source) / 100)
        assert match.example == Example(match.source, SENTENCES[match.source])
    assert matches[0].score > matches[1].score >= matches[2].score >= 0.75


def test_fuzzy_respects_threshold_limit_pair_and_memory(filled: TranslationMemory) -> None:
    query = "The file could not be saved."
    assert [m.score for m in filled.fuzzy("default", "en", "de", query, limit=1)] == [1.0]
    assert len(filled.fuzzy("default", "en", "de", query, threshold=0.99)) == 1
    assert filled.fuzzy("default", "en", "de", "Something else entirely") == []
    [french] = filled.fuzzy("default", "en", "fr", query)
    assert french.target.startswith("Le fichier")
    assert filled.fuzzy("other", "en", "de", query) == []


def test_fuzzy_sees_writes_and_deletes_made_by_another_process(
    filled: TranslationMemory, db_url: str
) -> None:
    query = "The printer could not be found."
    assert filled.fuzzy("default", "en", "de", query, threshold=0.9) == []
    with Database.open(db_url) as other_process:
        other = TranslationMemory(other_process)
        other.add(TmEntry("The printer could not be found.", "Drucker nicht gefunden.", "en", "de"))
        assert [m.score for m in filled.fuzzy("default", "en", "de", query, threshold=0.9)] == [1.0]
        other.delete("default", "en", "de", ["The printer could not be found."])
    assert filled.fuzzy("default", "en", "de", query, threshold=0.9) == []


def test_fuzzy_sees_its_own_writes_and_updates(filled: TranslationMemory) -> None:
    query = "The file could not be saved."
    assert filled.fuzzy("default", "en", "de", query)[0].target == SENTENCES[query]
    filled.add(TmEntry(query, "Speichern fehlgeschlagen.", "en", "de"))
    filled.add(TmEntry("The file could not be saved!!", "Datei!", "en", "de"))
    matches = filled.fuzzy_many("default", "en", "de", [query, "Click Save to continue"])
    assert [m.target for m in matches[0][:2]] == ["Speichern fehlgeschlagen.", "Datei!"]
    assert matches[1][0].source == "Click Save to continue."


def test_delete_and_drop(filled: TranslationMemory) -> None:
    sources = ["The file could not be saved.", "Not stored."]
    assert filled.delete("default", "en", "de", sources) == 1
    assert filled.exact("default", "en", "de", sources) == {}
    assert filled.exact("default", "en", "fr", sources[:1]) != {}
    assert filled.drop("default") == len(SENTENCES)
    assert filled.stats() == []


def test_stats_count_entries_per_memory_and_pair(filled: TranslationMemory) -> None:
    filled.add(TmEntry("Hello", "Hola", "en", "es", memory="support"))
    [default, support] = filled.stats()
    assert (default.memory, default.entries) == ("default", len(SENTENCES) + 1)
    assert default.pairs == (PairCount("en", "de", len(SENTENCES)), PairCount("en", "fr", 1))
    assert (support.memory, support.entries, support.pairs) == (
        "support", 1, (PairCount("en", "es", 1),)
    )  # fmt: skip


def test_search_is_case_insensitive_and_treats_wildcards_literally(
    filled: TranslationMemory,
) -> None:
    filled.add(TmEntry("100% done_now", "100 % fertig", "en", "de"))
    assert {e.source for e in filled.search("FOLDER")} == {"The folder could not be saved."}
    assert {e.target for e in filled.search("gespeichert", limit=2)} <= set(SENTENCES.values())
    assert len(filled.search("gespeichert", limit=2)) == 2
    assert [e.source for e in filled.search("0% d")] == ["100% done_now"]
    assert filled.search("d_ne") == []  # "_" would match the "o" of "done"
    assert filled.search("saved", memory="other") == []


def test_iter_entries_puts_the_targets_of_one_source_together(filled: TranslationMemory) -> None:
    entries = list(filled.iter_entries("default", source_lang="en"))
    assert len(entries) == len(SENTENCES) + 1
    positions = [i for i, e in enumerate(entries) if e.source == "The file could not be saved."]
    assert [entries[i].target_lang for i in positions] == ["de", "fr"]
    assert positions[1] == positions[0] + 1
    assert len(list(filled.iter_entries("default", target_lang="fr"))) == 1


def test_concurrent_threads_add_and_look_up_without_errors_or_losses(
    tm: TranslationMemory,
) -> None:
    def work(worker: int) -> None:
        for start in range(0, 40, 10):
            texts = [
                f"shared {i}" if i % 2 else f"w{worker} line {i}" for i in range(start, start + 10)
            ]
            tm.add_many(TmEntry(t, t.upper(), "en", "de") for t in reversed(texts))
            tm.fuzzy("default", "en", "de", texts[0])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    expected = {f"shared {i}" for i in range(1, 40, 2)}
    expected |= {f"w{w} line {i}" for w in range(4) for i in range(0, 40, 2)}
    assert tm.stats()[0].entries == len(expected)
    assert len(tm.exact("default", "en", "de", sorted(expected))) == len(expected)
    for text in ("shared 39", "w3 line 38"):
        assert tm.fuzzy("default", "en", "de", text)[0].score == 1.0
