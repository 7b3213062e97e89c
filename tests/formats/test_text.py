"""TextDocument: the format contract on real plain-text files, plus paragraph and encoding rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.text import TextDocument
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "text"
SAMPLES = sorted(DATA.glob("*.txt"))


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestTextContract(FormatContract):
    document_class = TextDocument


def _bom_crlf() -> TextDocument:
    return TextDocument.parse((DATA / "bom-crlf.txt").read_bytes(), name="bom-crlf.txt")


def test_units_are_paragraphs_without_surrounding_whitespace() -> None:
    units = {u.id: u.source for u in _bom_crlf().units}
    assert units == {
        "line-1": "First paragraph\nstill first.",
        "line-5": "Indented second",
        "line-7": "Last, no final newline",
    }


def test_translation_keeps_bom_crlf_and_gaps() -> None:
    output = _bom_crlf().write({"line-1": "Premier paragraphe\nencore.", "line-5": "Second"})
    expected = "\ufeffPremier paragraphe\r\nencore.  \r\n\r\n\r\n   Second\r\n\r\n"
    assert output == (expected + "Last, no final newline").encode()


@pytest.mark.parametrize(
    "data",
    [pytest.param(b"", id="empty"), pytest.param(b"  \n\n\t\n", id="blank-lines")],
)
def test_file_without_text_has_no_units_and_writes_back_identically(data: bytes) -> None:
    document = TextDocument.parse(data, name="empty.txt")
    assert document.units == []
    assert document.write({}) == data


def test_latin1_file_is_read_in_its_detected_encoding_and_noted() -> None:
    data = "Hello\nCaf\u00e9 ol\u00e9\n".encode("latin-1")
    document = TextDocument.parse(data, name="notes.txt")
    assert [u.source for u in document.units] == ["Hello\nCaf\u00e9 ol\u00e9"]
    assert document.notes == ("read as cp1252 (detected: the file is not UTF-8)",)
    assert document.write({}) == data


def test_binary_file_is_rejected() -> None:
    with pytest.raises(FormatError, match=r"image\.txt.*binary"):
        TextDocument.parse(b"\x89PNG\r\n\x1a\n\x00\x00", name="image.txt")
