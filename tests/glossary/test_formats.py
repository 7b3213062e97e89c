"""Glossary files: sample imports, round trips, located errors, pairs and duplicates."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError, InputError
from lingoflow.glossary import (
    GlossaryConflictError,
    GlossaryFormatError,
    GlossaryPairError,
    dump_glossary,
    load_glossary,
    parse_glossary,
    read_glossary,
    write_glossary,
)
from lingoflow.glossary import tbx as tbx_format
from lingoflow.types import GlossaryEntry

DATA = Path(__file__).parent / "data"


def en_es(
    source: str,
    target: str,
    *,
    note: str = "",
    case_sensitive: bool = False,
    do_not_translate: bool = False,
) -> GlossaryEntry:
    """Return an English→Spanish entry."""
    return GlossaryEntry(source, target, "en", "es", note, case_sensitive, do_not_translate)


ENTRIES = (
    en_es("server", "servidor", note="Hardware or software that answers requests, not a waiter."),
    en_es("API key", "clave de API"),
    en_es("API", "API", note="Keep the acronym.", case_sensitive=True, do_not_translate=True),
    en_es("sign in", "iniciar sesión", note='Not "log in"; see the style guide.'),
    en_es("true", "verdadero", note="Boolean value: yes, not a flag."),
    en_es("404", "404"),
    en_es("C++", "C++", do_not_translate=True),
    en_es("naïve Bayes", "Bayes ingenuo"),
)
OTHER_PAIRS = (
    GlossaryEntry("server", "Server", "en", "de"),
    GlossaryEntry("sign in", "anmelden", "en", "de", note="Separable verb."),
    GlossaryEntry("生物传感器", "biosensor", "zh", "en"),
    GlossaryEntry("上下文", "context", "zh_tw", "en", case_sensitive=True),
)
FORMATS = [
    pytest.param("csv", id="csv"),
    pytest.param("tsv", id="tsv"),
    pytest.param("tbx", id="tbx"),
    pytest.param("yaml", id="yaml"),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_one_pair(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"glossary.{fmt}"
    write_glossary(ENTRIES, path)
    loaded = load_glossary(path, "en", "es")
    assert loaded.entries == ENTRIES
    assert loaded.warnings == ()


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_several_pairs(fmt: str) -> None:
    entries = ENTRIES + OTHER_PAIRS
    document = parse_glossary(dump_glossary(entries, fmt), name="g", format=fmt)
    for pair in {(e.source_lang, e.target_lang) for e in entries}:
        expected = tuple(e for e in entries if (e.source_lang, e.target_lang) == pair)
        assert document.select(*pair).entries == expected


def test_tbx_v3_round_trip() -> None:
    data = tbx_format.dump(ENTRIES + OTHER_PAIRS, version=3)
    assert b'<tbx xmlns="urn:iso:std:iso:30042:ed-2"' in data
    document = parse_glossary(data, name="g.tbx", format="tbx")
    assert document.select("en", "es").entries == ENTRIES
    assert document.select("zh_tw", "en").entries == OTHER_PAIRS[3:]


SAMPLES = [
    pytest.param("it-en-es.csv", "en", "es", 10, 2, id="csv-labelled"),
    pytest.param("ui-multi.tsv", "de", "es", 4, 1, id="tsv-per-language"),
    pytest.param("excel-semicolon.csv", "en", "es", 3, 0, id="csv-semicolon-caller-langs"),
    pytest.param("microsoft-style.tbx", "en", "de", 5, 1, id="tbx-v2-microsoft"),
    pytest.param("microsoft-style.tbx", "en", "zh_tw", 3, 0, id="tbx-v2-zh-hant"),
    pytest.param("tbx-basic-v3.tbx", "fr", "es", 3, 0, id="tbx-v3"),
    pytest.param("glossary.yaml", "en", "es", 6, 1, id="yaml"),
]


@pytest.mark.parametrize(("name", "source", "target", "count", "skipped"), SAMPLES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_samples_load_and_round_trip(
    name: str, source: str, target: str, count: int, skipped: int, fmt: str
) -> None:
    loaded = load_glossary(DATA / name, source, target)
    assert len(loaded.entries) == count
    assert loaded.skipped_empty == skipped
    again = parse_glossary(dump_glossary(loaded.entries, fmt), name="again", format=fmt)
    assert again.select(source, target).entries == loaded.entries


def test_csv_sample_details() -> None:
    loaded = load_glossary(DATA / "it-en-es.csv", "English", "es-ES")
    by_source = {e.source: e for e in loaded.entries}
    assert by_source["server"].note == "Hardware or software that answers requests, not a waiter."
    assert by_source["sign in"].note == 'Not "log in".'
    assert by_source["API"].case_sensitive
    assert by_source["API"].do_not_translate
    assert by_source["Kubernetes"] == en_es(
        "Kubernetes", "Kubernetes", note="Product name.", do_not_translate=True
    )
    assert [w.line for w in loaded.warnings] == [11, 13]


def test_microsoft_style_tbx_details() -> None:
    document = read_glossary(DATA / "microsoft-style.tbx")
    assert ("en", "zh_tw") in document.pairs
    entries = {e.source: e for e in document.select("en-US", "de-DE").entries}
    assert entries["sign in"].target == "anmelden"
    assert entries["log in"].target == "anmelden"
    assert "avoid: einloggen" in entries["sign in"].note
    assert entries["context"].note.startswith("The state an object runs in")
    teams = entries["Microsoft Teams"]
    assert teams.do_not_translate
    assert teams.case_sensitive
    assert teams.target == "Microsoft Teams"


def test_tbx_v3_prefers_the_preferred_term() -> None:
    entries = load_glossary(DATA / "tbx-basic-v3.tbx", "en", "fr").entries
    assert [(e.source, e.target) for e in entries] == [
        ("backup", "sauvegarde"),
        ("back-up copy", "sauvegarde"),
        ("storage account", "compte de stockage"),
    ]
    assert entries[0].note == "A copy of data kept to restore it after a loss.; avoid: backup"


def test_ignored_and_hash_columns() -> None:
    data = b"#id,source,target,Part of speech\n1,server,servidor,noun\n"
    loaded = parse_glossary(data, name="g.csv", format="csv", source_lang="en", target_lang="es")
    assert loaded.warnings[0].message == "ignored column 'Part of speech'"
    assert loaded.select("en", "es").entries == (en_es("server", "servidor"),)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(
            codecs.BOM_UTF8 + "source:en\ttarget:es\ncafé\tcafé\n".encode(), None, id="utf8-bom"
        ),
        pytest.param("source:en\ttarget:es\ncafé\tcafé\n".encode("utf-16"), None, id="utf16-bom"),
        pytest.param("source:en\ttarget:es\ncafé\tcafé\n".encode("cp1252"), "cp1252", id="cp1252"),
    ],
)
def test_encodings(data: bytes, encoding: str | None) -> None:
    document = parse_glossary(data, name="g.tsv", format="tsv", encoding=encoding)
    assert document.select("en", "es").entries == (en_es("café", "café"),)


MALFORMED = [
    pytest.param(
        "csv",
        b"source:en,target:es\nserver,servidor\nfile,archivo,extra\n",
        3,
        "3 cells",
        id="csv-extra-cell",
    ),
    pytest.param(
        "csv",
        b'source:en,target:es\nserver,servidor\n"unclosed,x\nmore\n',
        3,
        "malformed CSV",
        id="csv-open-quote",
    ),
    pytest.param(
        "csv",
        b"source:en,target:es,dnt\nserver,servidor,no\nfile,archivo,maybe\n",
        3,
        "do_not_translate must be true or false",
        id="csv-bad-flag",
    ),
    pytest.param(
        "csv",
        b"source:en,target:es\nserver,servidor\ncaf\xe9,caf\xe9\n",
        3,
        "not valid utf-8",
        id="csv-not-utf8",
    ),
    pytest.param("csv", b"en,Klingonese\na,b\n", 1, "Unknown language", id="csv-unknown-language"),
    pytest.param(
        "csv", b"source,target\nserver,servidor\n", 2, "no source language", id="csv-no-langs"
    ),
    pytest.param(
        "tsv", b"source:en\tnote\nserver\tx\n", 1, "one source column", id="tsv-no-target"
    ),
    pytest.param("csv", b"", 1, "empty", id="csv-empty"),
    pytest.param(
        "yaml",
        b"source_lang: en\ntarget_lang: es\nterms:\n  - source: a\n   target: b\n",
        5,
        "invalid YAML",
        id="yaml-indentation",
    ),
    pytest.param(
        "yaml",
        b"source_lang: en\ntarget_lang: es\nterms:\n  - source: a\n    source: b\n",
        5,
        "duplicate key",
        id="yaml-duplicate-key",
    ),
    pytest.param(
        "yaml",
        b"source_lang: en\ntarget_lang: es\nterms:\n  - source: a\n    target: b\n"
        b"  - source: [a, b]\n    target: x\n",
        6,
        "source must be a string",
        id="yaml-list-term",
    ),
    pytest.param("yaml", b"- a\n- b\n", 1, "'terms' list", id="yaml-no-terms"),
    pytest.param(
        "yaml",
        b"terms:\n  - source: a\n    target: b\n    target_lang: es\n",
        2,
        "no source language",
        id="yaml-no-source-lang",
    ),
    pytest.param(
        "tbx",
        b'<?xml version="1.0"?>\n<martif>\n<text>\n<body>\n<termEntry>\n'
        b'<langSet xml:lang="en"><tig><term>a</term></tig>\n</termEntry>\n'
        b"</body></text></martif>\n",
        7,
        "not well-formed XML",
        id="tbx-tag-mismatch",
    ),
    pytest.param(
        "tbx",
        b'<?xml version="1.0"?>\n<xliff version="1.2"/>\n',
        2,
        "not a TBX file",
        id="tbx-wrong-root",
    ),
    pytest.param(
        "tbx",
        b"<martif><text><body>\n<termEntry>\n<langSet><tig><term>a</term></tig></langSet>\n"
        b"</termEntry></body></text></martif>",
        3,
        "has no xml:lang",
        id="tbx-no-lang",
    ),
    pytest.param(
        "tbx",
        b'<martif><text><body><termEntry>\n<langSet xml:lang="tlh">\n<tig><term>a</term></tig>'
        b"</langSet></termEntry></body></text></martif>",
        2,
        "Unknown language 'tlh'",
        id="tbx-unknown-language",
    ),
]


@pytest.mark.parametrize(("fmt", "data", "line", "message"), MALFORMED)
def test_malformed_files_name_the_line(fmt: str, data: bytes, line: int, message: str) -> None:
    with pytest.raises(GlossaryFormatError) as info:
        parse_glossary(data, name=f"bad.{fmt}", format=fmt).select("en", "es")
    assert info.value.line == line
    assert str(info.value).startswith(f"bad.{fmt}, line {line}: ")
    assert message in str(info.value)


def test_tbx_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE martif [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        '<martif><text><body><termEntry>\n<langSet xml:lang="en"><tig>\n<term>&xxe;</term>'
        '</tig></langSet><langSet xml:lang="es"><tig><term>b</term></tig></langSet>'
        "</termEntry></body></text></martif>"
    ).encode()
    with pytest.raises(GlossaryFormatError, match="entity references") as info:
        parse_glossary(data, name="xxe.tbx", format="tbx")
    assert info.value.line == 5
    assert "TOP-SECRET" not in str(info.value)


def test_wrong_pair_lists_the_pairs_the_file_has() -> None:
    with pytest.raises(GlossaryPairError) as info:
        load_glossary(DATA / "it-en-es.csv", "en", "German")
    assert info.value.requested == ("en", "de")
    assert info.value.available == (("en", "es"),)
    assert "has no en→de terms; it has: en→es" in str(info.value)


def test_unknown_extension_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the glossary format"):
        read_glossary(tmp_path / "glossary.docx")


DUPLICATES = b"""source:en,target:es,case_sensitive
server,servidor,false
US,EE. UU.,true
Server,servidor,false
us,nosotros,false
server,servidor web,false
"""


def test_conflicts_are_errors_listing_every_line() -> None:
    document = parse_glossary(DUPLICATES, name="dups.csv", format="csv")
    with pytest.raises(GlossaryConflictError) as info:
        document.select("en", "es")
    (conflict,) = info.value.conflicts
    assert (conflict.kept_line, conflict.dropped_line) == (2, 6)
    assert "'server' → 'servidor' (line 2) vs 'servidor web' (line 6)" in str(info.value)
    assert "on_conflict='keep-first'" in str(info.value)


def test_keep_first_returns_warnings_as_data() -> None:
    document = parse_glossary(DUPLICATES, name="dups.csv", format="csv")
    loaded = document.select("en", "es", on_conflict="keep-first")
    assert [(e.source, e.target) for e in loaded.entries] == [
        ("server", "servidor"),
        ("US", "EE. UU."),
        ("us", "nosotros"),
    ]
    assert [(w.line, w.message.split(":")[0]) for w in loaded.warnings] == [
        (4, "duplicate of line 2 dropped"),
        (6, "conflict, kept the first"),
    ]


def test_unknown_format_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="use one of csv, tsv, tbx, yaml"):
        dump_glossary([], "xlsx")
