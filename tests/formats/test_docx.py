"""DocxDocument: the contract (with the zip re-save caveat) and run-formatting specifics."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from lingoflow.errors import FormatError
from lingoflow.formats.docx import DocxDocument
from tests.formats.contract import FormatContract, mark

DATA = Path(__file__).parent / "data" / "docx"
SAMPLE = DATA / "release-notes.docx"


@pytest.fixture
def sample() -> bytes:
    return SAMPLE.read_bytes()


def runs(data: bytes) -> list[list[tuple[str, bool | None, bool | None]]]:
    """Each body paragraph's non-empty runs as (text, bold, italic)."""
    document = docx.Document(io.BytesIO(data))
    return [[(r.text, r.bold, r.italic) for r in p.runs if r.text] for p in document.paragraphs]


class TestDocxContract(FormatContract):
    document_class = DocxDocument

    def test_translating_every_unit_changes_only_unit_text(self, sample: bytes) -> None:
        """Override: a re-saved zip never equals the input bytes, so compare units and runs.

        Writing the sources back must give the same units and, per paragraph, the same text
        in the same formatting (runs merged where their formatting was identical).
        """
        document = DocxDocument.parse(sample, name="sample")
        translations = {unit.id: mark(unit.source) for unit in document.units}
        output = document.write(translations)
        assert self.read_back(output) == translations
        reparsed = DocxDocument.parse(output, name="output")
        restored = reparsed.write({unit.id: unit.source for unit in document.units})
        assert DocxDocument.parse(restored).units == document.units
        assert [merge(p) for p in runs(restored)] == [merge(p) for p in runs(sample)]


def merge(paragraph: list[tuple[str, bool | None, bool | None]]) -> list[tuple[str, object]]:
    merged: list[tuple[str, object]] = []
    for text, *style in paragraph:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


def units() -> dict[str, tuple[str, bool]]:
    return {u.id: (u.source, u.markup) for u in DocxDocument.parse(SAMPLE.read_bytes()).units}


def test_unit_model() -> None:
    found = units()
    assert found["body/1"] == (
        "This release makes <r2>syncing</r2> faster and fixes <r4>three</r4> crashes.",
        True,
    )
    assert found["body/2"] == ("Same format <x2/>split over runs.", True)
    assert found["body/3"] == ("Shortcut:\tCtrl+S\nSaves the file.", False)
    assert "body/4" not in found  # the empty paragraph
    assert found["body/8"] == ("Ready <beta>", False)
    assert found["header1/0"] == ("Company confidential", False)
    assert found["footer1/0"] == ("Page footer & notes", False)


def test_tags_map_back_to_runs_and_can_move() -> None:
    doc = DocxDocument.parse(SAMPLE.read_bytes())
    out = doc.write({"body/1": "<r4>Tres</r4> fallos corregidos y <r2>sincronizar</r2> &amp; más."})
    assert runs(out)[1] == [
        ("Tres", None, True),
        (" fallos corregidos y ", None, None),
        ("sincronizar", True, None),
        (" & más.", None, None),
    ]


def test_dropped_or_broken_tags_keep_elements_and_text() -> None:
    doc = DocxDocument.parse(SAMPLE.read_bytes())
    out = doc.write({"body/2": "Mismo <r9>formato"})
    body = docx.Document(io.BytesIO(out)).paragraphs[2]
    assert body.text == "Mismo formato"
    assert body._p.find(qn("w:bookmarkStart")) is not None


def test_untouched_paragraphs_keep_their_xml() -> None:
    data = SAMPLE.read_bytes()
    out = DocxDocument.parse(data).write({"header1/0": "Confidencial"})
    before, after = docx.Document(io.BytesIO(data)), docx.Document(io.BytesIO(out))
    assert after.sections[0].header.paragraphs[0].text == "Confidencial"
    assert [p._p.xml for p in after.paragraphs] == [p._p.xml for p in before.paragraphs]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\x01binary", id="binary"),
        pytest.param(b"plain text", id="text"),
    ],
)
def test_unreadable_input_raises(data: bytes) -> None:
    with pytest.raises(FormatError):
        DocxDocument.parse(data, name="bad.docx")
