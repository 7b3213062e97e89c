"""CsvDocument: the format contract on real and realistic files, plus byte-level specifics."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.formats.csv import CsvDocument, choose_columns
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "csv"
SAMPLES = sorted(DATA.glob("*.[ct]sv"))


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestCsvContract(FormatContract):
    document_class = CsvDocument


def parse(text: str | bytes, **kwargs: object) -> CsvDocument:
    data = text.encode() if isinstance(text, str) else text
    return CsvDocument.parse(data, name="t.csv", **kwargs)  # type: ignore[arg-type]


def test_default_columns_skip_ids_numbers_and_urls() -> None:
    doc = CsvDocument.parse((DATA / "shop-export-semicolon.csv").read_bytes(), name="shop.csv")
    assert {u.context for u in doc.units} == {"name", "description"}
    assert doc.units[0].id == "2:name"


def test_choose_columns_rule() -> None:
    header = ["key", "text", "count", "path"]
    rows = [["a", "Hello there", "3", "menu.file.open"], ["b", "Save", "4", "menu.file.save"]]
    assert choose_columns(header, rows) == ["text"]


def test_explicit_columns_and_unknown_column() -> None:
    doc = parse("id,en,note\n1,Open,Verb\n", columns=["note"])
    assert [u.id for u in doc.units] == ["2:note"]
    with pytest.raises(ConfigurationError, match="'fr'"):
        parse("id,en\n1,Open\n", columns=["fr"])


def test_crlf_bom_and_quoting_of_untouched_rows_are_kept() -> None:
    data = (DATA / "godot-translations.csv").read_bytes()
    doc = CsvDocument.parse(data, name="godot.csv")
    out = doc.write({"2:en": "Nueva partida"})
    assert out == data.replace(b"New Game", b"Nueva partida")
    assert out.startswith(b"\xef\xbb\xbf")


def test_multiline_cell_is_one_unit_with_its_break() -> None:
    doc = CsvDocument.parse((DATA / "godot-translations.csv").read_bytes(), name="g.csv")
    unit = next(u for u in doc.units if u.id == "4:en")
    assert unit.source == "Are you sure you want to quit?\nUnsaved progress will be lost."


@pytest.mark.parametrize(
    ("translation", "written"),
    [
        pytest.param("plain", b"plain", id="plain-stays-unquoted"),
        pytest.param("a,b", b'"a,b"', id="delimiter-gets-quoted"),
        pytest.param('say "hi"', b'"say ""hi"""', id="quote-doubled"),
        pytest.param("two\nlines", b'"two\nlines"', id="newline-quoted"),
    ],
)
def test_translated_cell_is_quoted_when_needed(translation: str, written: bytes) -> None:
    out = parse("id,text\n1,Hello\n").write({"2:text": translation})
    assert out == b"id,text\n1," + written + b"\n"
    assert parse(out).units[0].source == translation


def test_quoted_cell_stays_quoted() -> None:
    assert parse('id,text\n1,"Hello"\n').write({"2:text": "Hola"}) == b'id,text\n1,"Hola"\n'


def test_ragged_rows_are_read_best_effort() -> None:
    doc = parse("id,text,note\n1,Hello\n2,Bye,Short word,extra cell\n")
    assert [(u.id, u.source) for u in doc.units] == [
        ("2:text", "Hello"),
        ("3:text", "Bye"),
        ("3:note", "Short word"),
    ]


def test_repeated_header_names_get_distinct_ids() -> None:
    doc = parse("text,text\nHello,World\n")
    assert [u.id for u in doc.units] == ["2:text", "2:text#2"]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param('id,text\n1,"never closed\n', 2, id="unclosed-quote"),
        pytest.param('id,text\n1,"closed"junk\n', 2, id="text-after-quote"),
        pytest.param('id,text\n1,"a\nb",x\n2,"oops\n', 4, id="line-counts-quoted-breaks"),
    ],
)
def test_malformed_quoting_raises_with_line(data: str, line: int) -> None:
    with pytest.raises(FormatError) as info:
        parse(data)
    assert info.value.line == line


def test_empty_file_has_no_units() -> None:
    doc = parse(b"")
    assert doc.units == []
    assert doc.write({}) == b""


def test_binary_input_is_rejected() -> None:
    with pytest.raises(FormatError, match="binary"):
        parse(b"PK\x03\x04\x00\x00binary")


def test_broken_utf16_names_the_line() -> None:
    data = "id,text\n1,caf\u00e9\n".encode("utf-16") + b"\x00\xd8a\x00"  # a lone surrogate
    with pytest.raises(FormatError, match="not valid utf-16-le") as info:
        parse(data)
    assert info.value.line == 3


def test_utf16_with_bom_round_trips() -> None:
    data = "id\ttext\n1\tHello there\n".encode("utf-16")
    doc = CsvDocument.parse(data, name="excel.txt")
    assert [u.source for u in doc.units] == ["Hello there"]
    assert doc.write({}) == data
    assert doc.write({"2:text": "Hola"}) == data[:2] + "id\ttext\n1\tHola\n".encode("utf-16-le")


def test_tsv_by_extension() -> None:
    doc = CsvDocument.parse(b"id\ttext\n1\tHello, world\n", name="x.tsv")
    assert [u.source for u in doc.units] == ["Hello, world"]
