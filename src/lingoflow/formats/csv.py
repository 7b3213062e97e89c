"""CSV and TSV files: chosen columns' cells are units; every other byte stays as it was.

Unit model: the first record is the header; each non-blank cell of a translated column in a
later record is one unit with id ``"<record>:<column>"`` (``record`` counts records from 1 at
the header, like a spreadsheet row; ``column`` is the header name, suffixed ``#2``, ``#3``
for repeated names) and the header name as context. Which columns are translated:
``columns`` (header names) when given, else :func:`choose_columns` over the header and the
first :data:`SAMPLE_RECORDS` records (a sample, so a streamed file chooses the same columns
as a whole one).

Invariants:

- Byte-faithful: the output is the input with only the translated cells' spans replaced, so
  quoting, delimiters, line endings (CRLF, LF, mixed), the BOM and untouched rows never pass
  through a CSV writer. A replaced cell is quoted when it was quoted or when it needs it.
- Encoding: UTF-8/16/32 (BOM kept; Excel's "Unicode text" is UTF-16), else detected
  (Excel's "CSV" is the system code page: Windows-1252, Shift_JIS, GBK ...) and written back
  in it; see :mod:`lingoflow.formats.encoding`. Binary input (NUL bytes) raises
  :class:`~lingoflow.errors.FormatError`.
- Malformed input: ragged rows are parsed best effort (missing cells are simply absent, cells
  past the header are never translated); a quoted field that is not closed, or is followed
  by text before the next delimiter, raises ``FormatError`` with its line, since any guess
  could move text between cells.
- Streaming (:meth:`CsvDocument.pieces`): a big file is cut after complete records (a quoted
  field's line breaks never end a record), and every piece knows the header, delimiter and
  chosen columns of the first, so units (ids, sources) are the whole file's. A quoted field
  that never closes is found only when the file ends, so such a file is buffered to its end.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, ClassVar, Self

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.formats.base import StreamableDocument, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.formats.pieces import read_pieces
from lingoflow.languages import Language

__all__ = ["SAMPLE_RECORDS", "CsvDocument", "choose_columns", "is_text_value"]

SAMPLE_RECORDS = 1000
"""Records after the header that :func:`choose_columns` looks at."""
_KIND = "a CSV/TSV text file"
_QUOTED = re.compile(r'"(?:[^"]|"")*"')

_DELIMITERS = (",", ";", "\t", "|")
_ID_LIKE = re.compile(r"(?i)^(id|ids|key|keys|uuid|guid|sku|code|slug|url|uri|email|.*[_ ]id)$")
_TOKEN = re.compile(r"^[\w]+(?:[._\-/:@#][\w]+)+$")
_NUMBERISH = re.compile(r"^[\s\d.,:;/+\-%$€£()eE]*$")
_LETTER = re.compile(r"[^\W\d_]")


def is_text_value(value: str) -> bool:
    """Tell whether a cell holds prose rather than a number, date, key path, URL or e-mail."""
    stripped = value.strip()
    if not _LETTER.search(stripped) or _NUMBERISH.match(stripped):
        return False
    return not _TOKEN.match(stripped)


def choose_columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Pick the header names to translate: mostly-prose columns whose name is not id-like.

    A column qualifies when at least half of its non-blank cells pass :func:`is_text_value`
    and its name is not ``id``, ``key``, ``code``, ``url``, ``*_id`` and the like.
    """
    chosen = []
    for index, name in enumerate(header):
        if _ID_LIKE.match(name.strip()):
            continue
        values = [row[index] for row in rows if index < len(row) and row[index].strip()]
        texts = sum(is_text_value(value) for value in values)
        if values and texts * 2 >= len(values):
            chosen.append(name)
    return chosen


@dataclass(frozen=True, slots=True)
class _Field:
    start: int  # span in the decoded text, quotes included
    end: int
    value: str
    quoted: bool
    line: int


@dataclass(frozen=True, slots=True)
class _Cell:
    unit: Unit
    field: _Field


@dataclass(frozen=True, slots=True)
class _Layout:
    """What every piece of a file shares: delimiter, header and the translated columns."""

    delimiter: str
    header: list[str]
    chosen: set[int]


def _sniff_delimiter(text: str, name: str) -> str:
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    first_line = _QUOTED.sub("", text.split("\n", 1)[0])
    counts = Counter(ch for ch in first_line if ch in _DELIMITERS)
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def _field_pattern(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    return re.compile(rf'"(?P<q>(?:[^"]|"")*)"(?={d}|\r|\n|$)|(?P<u>[^{d}\r\n"][^{d}\r\n]*|)')


def _scan(
    text: str, delimiter: str, name: str, *, line: int = 1, final: bool = True
) -> Iterator[tuple[list[_Field], int]]:
    """Yield each record's fields and the offset after its line end, holding one at a time.

    With ``final=False`` the text may continue past its end: the scan stops before a record
    that might (it reaches the end, or ends in a lone ``\r``).
    """
    pattern = _field_pattern(delimiter)
    pos = 0
    record: list[_Field] = []
    while pos < len(text) or record:
        match = pattern.match(text, pos)
        if match is None or (match.group("u") == "" and text.startswith('"', pos)):
            if not final and _may_close_later(text, pos):
                return
            raise FormatError(name, "a quoted field is not closed properly", line=line)
        quoted = match.group("q") is not None
        value = match.group("q").replace('""', '"') if quoted else match.group("u")
        record.append(_Field(pos, match.end(), value, quoted, line))
        line += value.count("\n") + (value.count("\r") - value.count("\r\n") if quoted else 0)
        pos = match.end()
        if text.startswith(delimiter, pos):
            pos += 1
            continue
        if not final and (pos >= len(text) or (text.endswith("\r") and pos == len(text) - 1)):
            return
        newline = "\r\n" if text.startswith("\r\n", pos) else text[pos : pos + 1]
        pos += len(newline)
        line += 1
        yield record, pos
        record = []


def _may_close_later(text: str, pos: int) -> bool:
    """Tell whether the quoted field at ``pos`` may still close in text not read yet.

    It may when it does not close before the end, or closes on the last character but one
    and the last is a quote (the first half of an escaped ``""``).
    """
    closed = _QUOTED.match(text, pos)
    return closed is None or closed.end() == len(text) or text[closed.end() :] == '"'


def _records(text: str, delimiter: str, name: str, line: int = 1) -> list[list[_Field]]:
    """The non-blank records of ``text``."""
    return [r for r, _ in _scan(text, delimiter, name, line=line) if [f.value for f in r] != [""]]


def _needs_quotes(value: str, delimiter: str) -> bool:
    return any(ch in value for ch in (delimiter, '"', "\r", "\n")) or value.startswith(" ")


def _render(field: _Field, value: str, delimiter: str) -> str:
    if field.quoted or _needs_quotes(value, delimiter):
        return '"' + value.replace('"', '""') + '"'
    return value


def _header_ids(header: Sequence[str]) -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for name in header:
        seen[name] += 1
        ids.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return ids


def _layout(
    header: list[str],
    rows: list[list[_Field]],
    delimiter: str,
    asked: Sequence[str] | None,
    name: str,
) -> _Layout:
    """Settle the columns to translate from the header and a sample of the rows."""
    if asked is None:
        values = [[field.value for field in row] for row in rows[:SAMPLE_RECORDS]]
        asked = choose_columns(header, values)
    missing = [column for column in asked if column not in header]
    if missing:
        raise ConfigurationError(
            f"{name}: no column named {', '.join(map(repr, missing))}; "
            f"the header has {', '.join(map(repr, header))}."
        )
    chosen = {index for index, column in enumerate(header) if column in asked}
    return _Layout(delimiter, header, chosen)


def _cells(layout: _Layout, rows: list[list[_Field]], number: int) -> list[_Cell]:
    """The translatable cells of ``rows``, the first of which is record ``number``."""
    ids = _header_ids(layout.header)
    cells = []
    for record, row in enumerate(rows, start=number):
        for index, field in enumerate(row):
            if index in layout.chosen and field.value.strip():
                unit = Unit(f"{record}:{ids[index]}", field.value, context=layout.header[index])
                cells.append(_Cell(unit, field))
    return cells


class CsvDocument(StreamableDocument):
    """A CSV or TSV file whose chosen columns are translated in place."""

    format_name: ClassVar[str] = "csv"
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv")
    columns: ClassVar[Sequence[str] | None] = None
    """Header names to translate for every parse of this class; ``None`` picks them."""

    def __init__(self, text: str, codec: TextCodec, delimiter: str, cells: list[_Cell]) -> None:
        self._text = text
        self.codec = codec
        self._delimiter = delimiter
        self._cells = cells

    @classmethod
    def parse(
        cls, data: bytes, *, name: str = "<input>", columns: Sequence[str] | None = None
    ) -> Self:
        """Parse ``data``; ``columns`` (header names) overrides :attr:`columns`."""
        codec = detect_codec(data, name, _KIND)
        text = codec.decode(data, name)
        delimiter = _sniff_delimiter(text, name)
        records = _records(text, delimiter, name)
        if not records:
            return cls(text, codec, delimiter, [])
        header = [field.value for field in records[0]]
        layout = _layout(header, records[1:], delimiter, columns or cls.columns, name)
        return cls(text, codec, delimiter, _cells(layout, records[1:], 2))

    @classmethod
    def pieces(
        cls,
        stream: BinaryIO,
        *,
        name: str = "<input>",
        size: int,
        columns: Sequence[str] | None = None,
    ) -> Iterator[Self]:
        """Read ``stream`` in pieces of whole records (see the module docstring)."""
        asked = columns or cls.columns
        cutter = _RecordCut(name, size, SAMPLE_RECORDS + 1 if asked is None else 1)
        codec, pieces = read_pieces(stream, name=name, kind=_KIND, size=size, cut=cutter)
        layout: _Layout | None = None
        number = 2
        for piece in pieces:
            delimiter = cutter.delimiter or _sniff_delimiter(piece.text, name)
            records = _records(piece.text, delimiter, name, piece.first_line)
            if layout is None and records:
                header = [field.value for field in records[0]]
                layout = _layout(header, records[1:], delimiter, asked, name)
                records = records[1:]
            cells = _cells(layout, records, number) if layout else []
            number += len(records)
            yield cls(piece.text, codec, delimiter, cells)

    @property
    def units(self) -> list[Unit]:
        """The translatable cells, row by row."""
        return [cell.unit for cell in self._cells]

    def write_text(self, translations: Mapping[str, str], *, target: Language | None = None) -> str:
        """Return the text with the translated cells' spans replaced; nothing else changes."""
        parts, pos = [], 0
        for cell in self._cells:
            value = translations.get(cell.unit.id)
            if value is None or value == cell.unit.source:
                continue
            parts += [
                self._text[pos : cell.field.start],
                _render(cell.field, value, self._delimiter),
            ]
            pos = cell.field.end
        parts.append(self._text[pos:])
        return "".join(parts)


class _RecordCut:
    """Where a piece of CSV may end: after the first complete record past ``size`` characters.

    The first piece holds at least ``first_records`` non-blank records (the header and the
    sample columns are chosen from), or the whole file. The scan starts at the buffer's start
    each time (quotes decide what a line end is), so a record of many pieces costs a rescan
    per block read.
    """

    def __init__(self, name: str, size: int, first_records: int) -> None:
        self.name = name
        self.size = size
        self.delimiter = ""
        self.needed = first_records

    def __call__(self, buffer: str) -> int:
        if not self.delimiter:
            if "\n" not in buffer:
                return 0  # the delimiter is sniffed from the whole first line
            self.delimiter = _sniff_delimiter(buffer, self.name)
        records = 0
        for record, end in _scan(buffer, self.delimiter, self.name, final=False):
            records += [f.value for f in record] != [""]
            if records >= self.needed and end >= self.size:
                self.needed = 1
                return end
        return 0
