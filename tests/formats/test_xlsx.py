"""XlsxDocument: the contract (with the zip re-save caveat) and cell-level specifics."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lingoflow.errors import FormatError
from lingoflow.formats.xlsx import XlsxDocument
from tests.formats.contract import FormatContract, mark

DATA = Path(__file__).parent / "data" / "xlsx"
SAMPLES = sorted(DATA.glob("*.xlsx"))


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


def cells(data: bytes) -> dict[str, tuple[object, str, str]]:
    """Every cell's value, number format and font as written (sheet!coordinate → ...)."""
    workbook = load_workbook(io.BytesIO(data))
    return {
        f"{sheet.title}!{cell.coordinate}": (cell.value, cell.number_format, repr(cell.font))
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    }


class TestXlsxContract(FormatContract):
    document_class = XlsxDocument

    def test_translating_every_unit_changes_only_unit_text(self, sample: bytes) -> None:
        """Override: a re-saved zip never equals the input bytes, so compare the cells.

        The base check ends with "write the originals back → identical bytes"; here the
        equivalent is that every cell (value, number format, font) matches the sample's.
        """
        document = XlsxDocument.parse(sample, name="sample")
        translations = {unit.id: mark(unit.source) for unit in document.units}
        output = document.write(translations)
        assert self.read_back(output) == translations
        reparsed = XlsxDocument.parse(output, name="output")
        restored = reparsed.write({unit.id: unit.source for unit in document.units})
        assert cells(restored) == cells(sample)


def test_only_chosen_string_cells_change_and_formulas_stay() -> None:
    data = (DATA / "ui-strings.xlsx").read_bytes()
    doc = XlsxDocument.parse(data, name="ui.xlsx")
    assert [u.id for u in doc.units][:2] == ["Strings!B2", "Strings!B3"]
    assert {u.context for u in doc.units} == {"English", "Topic", "Note"}
    before, after = cells(data), cells(doc.write({"Strings!B2": "Abrir archivo…"}))
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"Strings!B2"}
    assert after["Strings!D2"][0] == "=LEN(B2)"


def test_styles_and_sheets_are_kept() -> None:
    data = (DATA / "ui-strings.xlsx").read_bytes()
    out = XlsxDocument.parse(data).write({"Strings!B3": "Guardar cambios"})
    workbook = load_workbook(io.BytesIO(out))
    assert workbook.sheetnames == ["Strings", "Notes"]
    assert workbook["Strings"]["B3"].fill.fgColor.rgb == "00FFFF00"
    assert workbook["Strings"]["A1"].font.bold


def test_explicit_columns() -> None:
    doc = XlsxDocument.parse((DATA / "ui-strings.xlsx").read_bytes(), columns=["Topic"])
    assert [u.source for u in doc.units] == ["Tone", "Terms"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\x01binary", id="binary"),
        pytest.param(b"id,text\n1,Hi\n", id="csv-text"),
    ],
)
def test_unreadable_input_raises(data: bytes) -> None:
    with pytest.raises(FormatError):
        XlsxDocument.parse(data, name="bad.xlsx")
