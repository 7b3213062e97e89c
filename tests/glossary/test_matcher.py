"""Per-segment term matching and the post-translation term check."""

from __future__ import annotations

import itertools
import random
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
import Stemmer

from lingoflow.errors import ConfigurationError
from lingoflow.glossary import TermFindingKind, TermMatch, TermMatcher, check_terms
from lingoflow.types import GlossaryEntry, Term

DATA = Path(__file__).parent / "data"


def entry(
    source: str,
    target: str = "",
    *,
    lang: str = "en",
    cs: bool = False,
    dnt: bool = False,
    target_lang: str = "es",
) -> GlossaryEntry:
    """Return an entry; a do-not-translate entry's target is its source."""
    target = source if dnt else target or source.upper()
    return GlossaryEntry(source, target, lang, target_lang, "", cs, dnt)


MATCHES = [
    pytest.param("en", [entry("server")], "Restart the SERVER.", ["SERVER"], id="case-insensitive"),
    pytest.param(
        "en", [entry("API", cs=True)], "the api and the API", ["API"], id="case-sensitive"
    ),
    pytest.param("en", [entry("API", cs=True)], "two APIs", ["APIs"], id="case-sensitive-plural"),
    pytest.param(
        "en",
        [entry("Apple", cs=True), entry("apple")],
        "An apple, an Apple.",
        ["apple", "Apple"],
        id="case-variants",
    ),
    pytest.param("en", [entry("server")], "Two servers failed.", ["servers"], id="en-plural"),
    pytest.param(
        "en",
        [entry("configure")],
        "Configured, configuring, configures.",
        ["Configured", "configuring", "configures"],
        id="en-verb-forms",
    ),
    pytest.param("en", [entry("policy")], "New policies.", ["policies"], id="en-y-ies"),
    pytest.param("en", [entry("API key")], "Rotate your API keys.", ["API keys"], id="multi-word"),
    pytest.param(
        "en",
        [entry("API key")],
        "an API-key or API\u00a0key",
        ["API-key", "API\u00a0key"],
        id="soft-separators",
    ),
    pytest.param(
        "en", [entry("Node.js")], "Node.js, not Node js", ["Node.js"], id="hard-separator"
    ),
    pytest.param("en", [entry("C++")], "C, C++ and C#", ["C++"], id="edge-punctuation"),
    pytest.param(
        "en",
        [entry("API"), entry("API key")],
        "The API key of the API.",
        ["API key", "API"],
        id="longest-wins",
    ),
    pytest.param(
        "en",
        [entry("API key"), entry("key management")],
        "API key management",
        ["API key"],
        id="leftmost-no-overlap",
    ),
    pytest.param(
        "en",
        [entry("stop"), entry("plan"), entry("apply")],
        "It stopped; planning applied.",
        ["stopped", "planning", "applied"],
        id="en-doubled-consonant-and-ied",
    ),
    pytest.param(
        "en",
        [entry("manager"), entry("public"), entry("defense"), entry("certain")],
        "Managed publication, defensive and certainly not.",
        [],
        id="en-derivations-do-not-match",
    ),
    pytest.param(
        "en",
        [entry("government"), entry("look")],
        "Governing looks.",
        ["looks"],
        id="en-derivation-vs-inflection",
    ),
    pytest.param(
        "es",
        [entry("configurar", lang="es"), entry("acción", lang="es")],
        "La configuración de las acciones.",
        ["acciones"],
        id="es-derivation-and-accent-shift",
    ),
    pytest.param(
        "de",
        [entry("Bild", lang="de")],
        "Die Bilder, mit Bildern, des Bildes.",
        ["Bilder", "Bildern", "Bildes"],
        id="de-endings",
    ),
    pytest.param(
        "fr",
        [entry("serveur", lang="fr"), entry("configurer", lang="fr")],
        "Les serveurs et la configuration.",
        ["serveurs"],
        id="generic-rule",
    ),
    pytest.param("en", [entry("art")], "Start the party.", [], id="whole-words-only"),
    pytest.param("en", [entry("cat")], "one category", [], id="no-prefix-match"),
    pytest.param("en", [entry("user")], "the user's files", ["user"], id="apostrophe"),
    pytest.param(
        "es", [entry("servidor", lang="es")], "Los servidores caen.", ["servidores"], id="es-plural"
    ),
    pytest.param("es", [entry("año", lang="es")], "Hace dos años.", ["años"], id="es-short-plural"),
    pytest.param(
        "es",
        [entry("configurar", lang="es")],
        "Lo he configurado.",
        ["configurado"],
        id="es-participle",
    ),
    pytest.param(
        "es",
        [entry("clave de API", lang="es")],
        "Las claves de API",
        ["claves de API"],
        id="es-multi-word-plural",
    ),
    pytest.param("de", [entry("Datei", lang="de")], "Alle Dateien", ["Dateien"], id="de-plural"),
    pytest.param(
        "de", [entry("Server", lang="de")], "auf den Servern", ["Servern"], id="de-dative"
    ),
    pytest.param(
        "de",
        [entry("Schlüssel", lang="de")],
        "mit Schlüsseln",
        ["Schlüsseln"],
        id="de-umlaut",
    ),
    pytest.param(
        "de",
        [entry("API-Schlüssel", lang="de")],
        "Die API-Schlüssel sind neu.",
        ["API-Schlüssel"],
        id="de-hyphenated",
    ),
    pytest.param(
        "zh",
        [entry("生物传感器", lang="zh")],
        "这种生物传感器很小。",
        ["生物传感器"],
        id="zh-substring",
    ),
    pytest.param(
        "zh",
        [entry("API密钥", lang="zh"), entry("api", lang="zh")],
        "用API密钥\uff0c不是RAPID。",
        ["API密钥"],
        id="zh-mixed-script",
    ),
    pytest.param(
        "ja",
        [entry("サーバー", lang="ja")],
        "サーバーを再起動します。",
        ["サーバー"],
        id="ja-katakana",
    ),
    pytest.param(
        "ko", [entry("서버", lang="ko")], "서버가 다운되었습니다.", ["서버"], id="ko-particle"
    ),
    pytest.param(
        "th",
        [entry("คอมพิวเตอร์", lang="th")],
        "เครื่องคอมพิวเตอร์ของฉัน",
        ["คอมพิวเตอร์"],
        id="th-substring",
    ),
    pytest.param("hi", [entry("सर्वर", lang="hi")], "सर्वर बंद है।", ["सर्वर"], id="hi-combining-marks"),
    pytest.param(
        "uk", [entry("сервер", lang="uk")], "Сервер працює.", ["Сервер"], id="uk-no-stemmer"
    ),
    pytest.param(
        "en",
        [entry("Kubernetes", dnt=True)],
        "Kubernetes clusters",
        ["Kubernetes"],
        id="do-not-translate",
    ),
]


@pytest.mark.parametrize(("lang", "entries", "text", "expected"), MATCHES)
def test_match(lang: str, entries: list[GlossaryEntry], text: str, expected: list[str]) -> None:
    matches = TermMatcher(entries).match(text)
    assert [m.text for m in matches] == expected
    assert all(text[m.start : m.end] == m.text for m in matches)


def test_terms_for_deduplicates_in_order() -> None:
    matcher = TermMatcher([entry("server", "servidor"), entry("API", dnt=True)])
    terms = matcher.terms_for("The API server, the servers and the API.")
    assert terms == (Term("API", "API"), Term("server", "servidor"))


def test_empty_glossary_matches_nothing() -> None:
    assert TermMatcher([]).match("anything at all") == []


def test_one_pair_per_matcher() -> None:
    with pytest.raises(ConfigurationError, match="en→de, en→es"):
        TermMatcher([entry("server"), entry("server", target_lang="de")])


def _match_one(source: GlossaryEntry, text: str) -> list[TermMatch]:
    """Return the matches of one entry in ``text``."""
    return TermMatcher([source]).match(text)


CHECKS = [
    pytest.param(
        entry("API key", "clave de API"),
        "Rotate the API key.",
        "Rote la clave de API.",
        None,
        id="hit",
    ),
    pytest.param(
        entry("API key", "clave de API"),
        "Rotate the API keys.",
        "Rote las claves de API.",
        None,
        id="hit-inflected",
    ),
    pytest.param(entry("year", "año"), "Two years.", "Dos años.", None, id="hit-short-plural"),
    pytest.param(
        entry("API key", "clave de API"),
        "Rotate the API key.",
        "Rote la llave.",
        TermFindingKind.MISSING,
        id="miss",
    ),
    pytest.param(
        entry("Kubernetes", dnt=True),
        "Kubernetes runs.",
        "Kubernetes funciona.",
        None,
        id="dnt-kept",
    ),
    pytest.param(
        entry("Kubernetes", dnt=True),
        "Kubernetes runs.",
        "kubernetes funciona.",
        TermFindingKind.NOT_KEPT,
        id="dnt-case-changed",
    ),
    pytest.param(
        entry("Kubernetes", dnt=True),
        "Kubernetes runs.",
        "El orquestador funciona.",
        TermFindingKind.NOT_KEPT,
        id="dnt-dropped",
    ),
    pytest.param(
        entry("Windows", "Windows", cs=True),
        "Open Windows.",
        "Abra windows.",
        TermFindingKind.MISSING,
        id="case-sensitive-target",
    ),
    pytest.param(
        entry("biosensor", "生物传感器", target_lang="zh"),
        "A biosensor.",
        "一个生物传感器。",
        None,
        id="cjk-target",
    ),
]


@pytest.mark.parametrize(("source", "text", "translation", "kind"), CHECKS)
def test_check_terms(
    source: GlossaryEntry, text: str, translation: str, kind: TermFindingKind | None
) -> None:
    matches = _match_one(source, text)
    assert matches
    findings = check_terms(matches, translation, source.target_lang)
    assert [f.kind for f in findings] == ([kind] if kind else [])
    if findings:
        assert findings[0].entry == source
        assert (findings[0].start, findings[0].end) == (matches[0].start, matches[0].end)
        assert source.source in findings[0].message


def test_check_terms_reports_each_entry_once() -> None:
    matcher = TermMatcher([entry("server", "servidor")])
    matches = matcher.match("server after server")
    assert len(check_terms(matches, "nada", "Spanish")) == 1


# --- 2,000 terms over 1,000 real NTREX sentences ---------------------------------------

STEM = Stemmer.Stemmer("english")
PLANTED = {
    # term: {line index: surface}
    "Welsh Parliament": {1: "Welsh Parliament", 2: "Welsh Parliament", 11: "Welsh Parliament"},
    "AM": {0: "AMs", 1: "AMs", 3: "AMs", 4: "AM", 6: "AM"},
    "name change": {7: "name change", 21: "name change"},
    "publish": {11: "published"},
    "proposal": {11: "proposals"},
    "Prime Minister": {21: "Prime Minister"},
    "muppet": {0: "muppets", 7: "Muppet"},
    "Government of Wales Act": {10: "Government of Wales Act"},
    "public consultation": {11: "public consultation"},
}


def _words(text: str) -> list[str]:
    """Return the words of ``text`` (the oracle's own, simple tokeniser)."""
    return re.findall(r"\w+", text)


def _variants(word: str) -> set[str]:
    """Return the stems a term word accepts, computed directly with the stemmer."""
    folded = word.casefold()
    return {STEM.stemWord(folded), STEM.stemWord(folded + "s"), STEM.stemWord(folded + "es")}


def _build_glossary(
    english: Sequence[str], spanish: Sequence[str]
) -> tuple[list[GlossaryEntry], set[str]]:
    """Return 2,000 entries (planted, sampled from the text, absent) and the absent terms."""
    rng = random.Random(20240607)
    text_stems = {STEM.stemWord(w.casefold()) for line in english for w in _words(line)}
    reserved = set().union(*(_variants(w) for t in PLANTED for w in _words(t)))
    alpha = [[w for w in _words(line) if w.isalpha() and len(w) > 3] for line in english]
    unigrams = sorted({w.casefold() for ws in alpha for w in ws})
    bigrams = sorted({f"{a} {b}".casefold() for ws in alpha for a, b in itertools.pairwise(ws)})
    absent = sorted(
        {
            w.casefold()
            for line in spanish
            for w in _words(line)
            if w.isalpha() and len(w) > 4 and not _variants(w) & text_stems
        }
    )
    picked = rng.sample(unigrams, 1300) + rng.sample(bigrams, 300) + rng.sample(absent, 600)
    free = [
        t for t in dict.fromkeys(picked) if not set().union(*map(_variants, _words(t))) & reserved
    ]
    planted = [entry(t, cs=t == "AM") for t in PLANTED]
    entries = planted + [entry(t) for t in free[: 2000 - len(planted)]]
    return entries, set(absent)


@pytest.fixture(scope="module")
def ntrex() -> list[str]:
    """Return the 1,000 English NTREX sentences."""
    return (DATA / "ntrex-eng.txt").read_text(encoding="utf-8").splitlines()


def _occurs_by_the_rules(match: TermMatch, line: str) -> bool:
    """Check a match independently: same words by stem, whole words, case when asked."""
    written, term = _words(match.text), _words(match.entry.source)
    before = line[match.start - 1] if match.start else " "
    after = line[match.end] if match.end < len(line) else " "
    return (
        len(written) == len(term)
        and all(
            STEM.stemWord(w.casefold()) in _variants(t) for w, t in zip(written, term, strict=True)
        )
        and not before.isalnum()
        and not after.isalnum()
        and (not match.entry.case_sensitive or match.text.startswith(match.entry.source))
    )


def _all_matches(matcher: TermMatcher, lines: Iterable[str]) -> list[list[TermMatch]]:
    """Return the matches of every line."""
    return [matcher.match(line) for line in lines]


def test_two_thousand_terms_over_ntrex(ntrex: list[str]) -> None:
    spanish = (DATA / "ntrex-spa.txt").read_text(encoding="utf-8").splitlines()
    entries, absent = _build_glossary(ntrex, spanish)
    assert len(entries) == 2000
    started = time.perf_counter()
    matcher = TermMatcher(entries)
    built = time.perf_counter()
    found = _all_matches(matcher, ntrex)
    elapsed = time.perf_counter() - built
    per_segment_us = elapsed / len(ntrex) * 1e6
    print(f"build {1e3 * (built - started):.0f} ms, match {per_segment_us:.0f} µs/segment")
    assert per_segment_us < 5000  # generous: measured ~50-100 µs on 2 shared cores

    for line, matches in zip(ntrex, found, strict=True):
        for match in matches:
            assert _occurs_by_the_rules(match, line), (match, line)
            assert match.entry.source not in absent
    for term, expected in PLANTED.items():
        for index, surface in expected.items():
            surfaces = [m.text for m in found[index] if m.entry.source == term]
            assert surface in surfaces, (term, index, ntrex[index])
    assert sum(map(len, found)) > 3000  # the sampled terms do occur, often
