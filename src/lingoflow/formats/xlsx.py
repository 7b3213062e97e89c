"""Excel workbooks (.xlsx): chosen columns' string cells are units, read and written by openpyxl.

Unit model: on every worksheet the first row is the header; each non-blank string cell below
it in a translated column is one unit with id ``"<sheet>!<cell>"`` (``"Menu!B7"``) and the
header name as context. Columns are chosen by header name as in
:mod:`lingoflow.formats.csv`: ``columns`` when given (a name missing from a sheet is simply
not translated there), else :func:`~lingoflow.formats.csv.choose_columns` per sheet.

Invariants:

- ``write({})`` returns the original bytes: a zip re-save can never be byte-identical, so
  "unchanged" means untouched. With translations the workbook is re-saved by openpyxl with
  the same sheets, cells, styles and formulas; only translated cells' values change.
  Formulas, numbers, dates and booleans are never units.
- Limits of openpyxl's round trip: charts, images and shapes are dropped and rich text
  inside a cell is flattened to plain text when a translated workbook is saved.
- Unreadable input (not a zip, not a workbook, binary junk) raises
  :class:`~lingoflow.errors.FormatError`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import ClassVar, Self

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.csv import choose_columns
from lingoflow.languages import Language

__all__ = ["XlsxDocument"]


def _load(data: bytes, name: str) -> Workbook:
    try:
        return load_workbook(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FormatError(name, f"not a readable .xlsx workbook ({exc})") from exc


def _text(cell: object) -> str | None:
    """Return a cell's string value, or ``None`` for formulas, numbers and other values."""
    if not isinstance(cell, Cell) or cell.data_type != "s" or not isinstance(cell.value, str):
        return None
    return cell.value


def _string_rows(sheet: Worksheet) -> list[list[str]]:
    return [[_text(cell) or "" for cell in row] for row in sheet.iter_rows()]


def _sheet_units(sheet: Worksheet, asked: Sequence[str] | None) -> list[Unit]:
    rows = _string_rows(sheet)
    if not rows:
        return []
    header = rows[0]
    chosen = set(choose_columns(header, rows[1:]) if asked is None else asked)
    units = []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            value = _text(cell)
            index = (cell.column or 0) - 1
            column = header[index] if 0 <= index < len(header) else ""
            if value and value.strip() and column and column in chosen:
                unit_id = f"{sheet.title}!{cell.coordinate}"
                units.append(Unit(unit_id, value, context=column))
    return units


class XlsxDocument(Document):
    """An Excel workbook whose chosen columns are translated."""

    format_name: ClassVar[str] = "xlsx"
    extensions: ClassVar[tuple[str, ...]] = (".xlsx",)
    columns: ClassVar[Sequence[str] | None] = None
    """Header names to translate for every parse of this class; ``None`` picks them."""

    def __init__(self, data: bytes, name: str, units: list[Unit]) -> None:
        self._data = data
        self._name = name
        self._units = units

    @classmethod
    def parse(
        cls, data: bytes, *, name: str = "<input>", columns: Sequence[str] | None = None
    ) -> Self:
        """Parse ``data``; ``columns`` (header names) overrides :attr:`columns`."""
        workbook = _load(data, name)
        asked = columns or cls.columns
        units = [unit for sheet in workbook.worksheets for unit in _sheet_units(sheet, asked)]
        return cls(data, name, units)

    @property
    def units(self) -> list[Unit]:
        """The translatable cells, sheet by sheet, row by row."""
        return list(self._units)

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the original bytes if nothing changes, else the re-saved workbook."""
        changed = {
            unit.id: translations[unit.id]
            for unit in self._units
            if unit.id in translations and translations[unit.id] != unit.source
        }
        if not changed:
            return self._data
        workbook = _load(self._data, self._name)
        for unit_id, text in changed.items():
            sheet, coordinate = unit_id.rsplit("!", 1)
            workbook[sheet][coordinate].value = text
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
