"""Glossaries on SQLite and PostgreSQL: versions, uniqueness, listing."""

from __future__ import annotations

import pytest

from lingoflow.errors import ConfigurationError, InputError
from lingoflow.storage import GlossaryStore, PairCount, UnknownGlossaryError
from lingoflow.types import GlossaryEntry


def term(
    source: str,
    target: str,
    pair: str = "en-de",
    *,
    note: str = "",
    case_sensitive: bool = False,
    do_not_translate: bool = False,
) -> GlossaryEntry:
    """Return a glossary entry for ``pair`` ("en-de")."""
    source_lang, target_lang = pair.split("-")
    return GlossaryEntry(
        source, target, source_lang, target_lang, note, case_sensitive, do_not_translate
    )


def test_every_change_raises_the_version(glossaries: GlossaryStore) -> None:
    assert glossaries.replace("ui", [term("file", "Datei")]) == 1
    assert glossaries.add("ui", [term("folder", "Ordner")]) == 2
    assert glossaries.replace("ui", [term("file", "Datei")]) == 3
    assert glossaries.version("ui") == 3
    assert glossaries.entries("ui") == [term("file", "Datei")]


def test_deleted_glossary_is_gone_and_recreating_it_never_reuses_a_version(
    glossaries: GlossaryStore,
) -> None:
    glossaries.replace("ui", [term("file", "Datei")])
    glossaries.delete("ui")
    with pytest.raises(UnknownGlossaryError, match="'ui'"):
        glossaries.entries("ui")
    assert glossaries.list() == []
    assert glossaries.add("ui", [term("file", "Akte")]) == 3
    assert glossaries.entries("ui") == [term("file", "Akte")]


def test_unknown_glossary_is_a_configuration_error(glossaries: GlossaryStore) -> None:
    for call in (glossaries.version, glossaries.entries, glossaries.delete):
        with pytest.raises(ConfigurationError, match="Unknown glossary 'nope'"):
            call("nope")


def test_duplicates_in_one_call_keep_the_last_entry(glossaries: GlossaryStore) -> None:
    glossaries.replace("ui", [term("File", "Datei"), term(" file ", "Akte"), term("x", "y")])
    assert glossaries.entries("ui") == [term(" file ", "Akte"), term("x", "y")]


def test_add_replaces_a_stored_entry_with_the_same_key(glossaries: GlossaryStore) -> None:
    glossaries.add("ui", [term("file", "Datei", note="noun")])
    glossaries.add("ui", [term("FILE", "Akte")])
    assert glossaries.entries("ui") == [term("FILE", "Akte")]


def test_case_sensitive_and_insensitive_terms_are_kept_apart(glossaries: GlossaryStore) -> None:
    entries = [
        term("API", "API", case_sensitive=True, do_not_translate=True),
        term("api", "Schnittstelle"),
        term("Api", "X", case_sensitive=True),
        term("api", "Schnittstelle", "en-fr"),
    ]
    glossaries.replace("tech", entries)
    assert glossaries.entries("tech", "en", "de") == sorted(
        entries[:3], key=lambda e: (e.source, e.case_sensitive)
    )
    assert glossaries.entries("tech", target_lang="fr") == [entries[3]]


def test_list_reports_versions_counts_and_pairs(glossaries: GlossaryStore) -> None:
    glossaries.replace("ui", [term("file", "Datei"), term("file", "fichier", "en-fr")])
    glossaries.add("ui", [term("folder", "Ordner")])
    glossaries.replace("empty", [])
    empty, ui = glossaries.list()
    assert (empty.name, empty.version, empty.entries, empty.pairs) == ("empty", 1, 0, ())
    assert (ui.name, ui.version, ui.entries, ui.version_tag) == ("ui", 2, 3, "ui@2")
    assert ui.pairs == (PairCount("en", "de", 2), PairCount("en", "fr", 1))


def test_empty_source_term_is_refused_and_nothing_changes(glossaries: GlossaryStore) -> None:
    glossaries.replace("ui", [term("file", "Datei")])
    with pytest.raises(InputError, match="empty source term"):
        glossaries.replace("ui", [term("  ", "Leer")])
    assert glossaries.version("ui") == 1
    assert glossaries.entries("ui") == [term("file", "Datei")]
