"""Encodings: real Latin-1, Windows-1252, Shift_JIS, GBK, UTF-16 and UTF-32 files, every format.

Each sample is read in its encoding (detected, declared or marked), written back byte for
byte, and translated output stays in the input's encoding when it fits, else becomes UTF-8
(HTML: character references) with a note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document
from lingoflow.formats.encoding import detect_codec
from lingoflow.formats.html import HtmlDocument
from lingoflow.formats.json import JsonDocument
from lingoflow.formats.po import PoDocument
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.formats.text import TextDocument
from lingoflow.formats.yaml import YamlDocument
from lingoflow.languages import resolve

DATA = Path(__file__).parent / "data" / "encodings"
NTREX = Path(__file__).parents[1] / "data" / "ntrex-sample"


def _parse(name: str) -> tuple[Document, bytes]:
    data = (DATA / name).read_bytes()
    return document_class(format_for_path(name)).parse(data, name=name), data


def _ntrex(code: str) -> list[str]:
    return (NTREX / f"{code}.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("name", "encoding", "detected", "first"),
    [
        pytest.param("fra-latin1.txt", "cp1252", True, _ntrex("fra")[0], id="latin1-text"),
        pytest.param("deu-cp1252.md", "cp1252", True, _ntrex("deu")[2], id="cp1252-markdown"),
        pytest.param("jpn-shift_jis.srt", "cp932", True, _ntrex("jpn")[0], id="shift_jis-srt"),
        pytest.param("zho-gbk.csv", "gb18030", True, _ntrex("zho-CN")[0], id="gbk-csv"),
        pytest.param("jpn-shift_jis.html", "shift_jis", False, _ntrex("jpn")[0][:12], id="meta"),
        pytest.param("fra-iso8859-1.po", "iso8859-1", False, _ntrex("fra")[0], id="po-header"),
        pytest.param("fra-utf16.txt", "utf-16-le", False, _ntrex("fra")[0], id="utf16-text"),
        pytest.param("eng-fra-utf16.csv", "utf-16-le", False, _ntrex("eng")[0], id="utf16-csv"),
        pytest.param("zho-utf16be-nobom.json", "utf-16-be", False, "然而", id="utf16-json"),
        pytest.param("deu-utf32.yml", "utf-32-le", False, _ntrex("deu")[0], id="utf32-yaml"),
    ],
)
def test_sample_is_read_in_its_encoding_and_written_back_identically(
    name: str, encoding: str, detected: bool, first: str
) -> None:
    document, data = _parse(name)

    assert document.codec is not None
    assert document.codec.name == encoding
    source = document.units[0].source.replace("\u2019", "'").replace("\u2022", "\u00b7")
    assert source.startswith(first.replace("\u2019", "'").replace("\u2022", "\u00b7")[:20])
    assert document.write({}) == data
    assert any("detected" in note for note in document.notes) == detected


@pytest.mark.parametrize(
    "name",
    ["fra-latin1.txt", "deu-cp1252.md", "jpn-shift_jis.srt", "zho-gbk.csv", "fra-utf16.txt"],
)
def test_translation_that_fits_keeps_the_input_encoding(name: str) -> None:
    document, _ = _parse(name)
    assert document.codec is not None
    translations = {unit.id: f"(fr) {unit.source}" for unit in document.units[:2]}

    output = document.write(translations, target=resolve("fr"))

    reread = type(document).parse(output, name=name)
    assert reread.codec is not None
    assert reread.codec.name == document.codec.name
    assert {u.id: u.source for u in reread.units[:2]} == translations
    assert not [note for note in document.notes if "written as UTF-8" in note]


def test_translation_that_does_not_fit_becomes_utf8_with_a_note() -> None:
    document, data = _parse("fra-latin1.txt")
    unit = document.units[0]

    output = document.write({unit.id: "大統領は投票を無視する。"}, target=resolve("ja"))

    assert output.decode("utf-8").startswith("大統領は投票を無視する。")
    assert output.decode("utf-8").endswith(data.decode("cp1252")[len(unit.source) :])
    assert any(n.startswith("ja: written as UTF-8") and "cp1252" in n for n in document.notes)


def test_po_that_does_not_fit_its_charset_is_written_as_utf8_with_the_header_changed() -> None:
    document, _ = _parse("fra-iso8859-1.po")
    assert isinstance(document, PoDocument)
    unit = document.units[0]

    output = document.write({unit.id: "マケドニア大統領"}, target=resolve("ja"))

    text = output.decode("utf-8")
    assert "charset=UTF-8" in text
    assert 'msgstr "マケドニア大統領"' in text
    assert any("written as UTF-8" in note for note in document.notes)


def test_html_keeps_its_declared_charset_with_character_references() -> None:
    document, _ = _parse("jpn-shift_jis.html")
    assert isinstance(document, HtmlDocument)
    unit = document.units[-1]

    output = document.write({unit.id: "Präsident \u2013 5 \u20ac"}, target=resolve("de"))

    text = output.decode("shift_jis")
    assert '<meta charset="Shift_JIS">' in text
    assert "Pr&#228;sident &#8211; 5 &#8364;" in text
    assert any("character references" in note for note in document.notes)


def test_utf8_file_declaring_another_charset_is_read_as_utf8() -> None:
    data = '<meta charset="iso-8859-1"><p>Café olé</p>'.encode()
    document = HtmlDocument.parse(data, name="liar.html")
    assert [u.source for u in document.units] == ["Café olé"]
    assert any("declares iso8859-1 but is UTF-8" in note for note in document.notes)


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        pytest.param(
            TextDocument, bytes(range(128, 256)) * 3, "encoding cannot be told", id="undetectable"
        ),
        pytest.param(
            TextDocument, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", id="binary-text"
        ),
        pytest.param(JsonDocument, '{"a": "Café"}'.encode("latin-1"), "UTF-8, UTF-16", id="json"),
        pytest.param(YamlDocument, "a: Café\n".encode("cp1252"), "UTF-8, UTF-16", id="yaml"),
    ],
)
def test_unreadable_input_fails_naming_the_file(
    cls: type[Document], data: bytes, message: str
) -> None:
    with pytest.raises(FormatError, match=message) as info:
        cls.parse(data, name="bad.file")
    assert info.value.name == "bad.file"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        pytest.param("Café olé", "latin-1", "cp1252", id="not-urdu-cp1006"),
        pytest.param("Café olé, ma chère.", "latin-1", "cp1252", id="not-central-european"),
        pytest.param("Zażółć gęślą jaźń", "cp1250", "cp1250", id="polish-stays-cp1250"),
    ],
)
def test_short_text_is_read_in_the_likely_code_page(
    text: str, encoding: str, expected: str
) -> None:
    data = text.encode(encoding)
    codec = detect_codec(data, "short.txt", "a text file")
    assert codec.name == expected
    assert codec.decode(data, "short.txt") == text
