"""CSV and TSV files: chosen columns' cells are units; every other byte stays as it was.

Unit model: the first record is the header; each non-blank cell of a translated column in a
later record is one unit with id ``"<record>:<column>"`` (``record`` counts records from 1 at
the header, like a spreadsheet row; ``column`` is the header name, suffixed ``#2``, ``#3``
for repeated names) and the header name as context. Which columns are translated:
``columns`` (header names) when given, else :func:`choose_columns`.

Invariants:

- Byte-faithful: the output is the input with only the translated cells' spans replaced, so
  quoting, delimiters, line endings (CRLF, LF, mixed), the BOM and untouched rows never pass
  through a CSV writer. A replaced cell is quoted when it was quoted or when it needs it.
- Encoding: UTF-8 (BOM kept) or UTF-16 with a BOM (Excel's "Unicode text"); anything else
  raises :class:`~lingoflow.errors.FormatError`, as does binary input (NUL bytes).
- Malformed input: ragged rows are parsed best effort (missing cells are simply absent, cells
  past the header are never translated); a quoted field that is not closed, or is followed
  by text before the next delimiter, raises ``FormatError`` with its line, since any guess
  could move text between cells.
- Memory: the scan is a generator over records, and a document keeps the decoded text plus
  the spans of translatable cells only; a later streaming writer can consume the same
  generator over a chunked reader.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.languages import Language

__all__ = ["CsvDocument", "choose_columns", "is_text_value"]

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


def _sniff_delimiter(text: str, name: str) -> str:
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    first_line = re.sub(r'"(?:[^"]|"")*"', "", text.split("\n", 1)[0])
    counts = Counter(ch for ch in first_line if ch in _DELIMITERS)
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def _field_pattern(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    return re.compile(rf'"(?P<q>(?:[^"]|"")*)"(?={d}|\r|\n|$)|(?P<u>[^{d}\r\n"][^{d}\r\n]*|)')


def _scan(text: str, delimiter: str, name: str) -> Iterator[list[_Field]]:
    """Yield records as lists of field spans; one pass, holding one record at a time."""
    pattern = _field_pattern(delimiter)
    pos, line = 0, 1
    record: list[_Field] = []
    while pos < len(text) or record:
        match = pattern.match(text, pos)
        if match is None or (match.group("u") == "" and text.startswith('"', pos)):
            raise FormatError(name, "a quoted field is not closed properly", line=line)
        quoted = match.group("q") is not None
        value = match.group("q").replace('""', '"') if quoted else match.group("u")
        record.append(_Field(pos, match.end(), value, quoted, line))
        line += value.count("\n") + (value.count("\r") - value.count("\r\n") if quoted else 0)
        pos = match.end()
        if text.startswith(delimiter, pos):
            pos += 1
            continue
        newline = "\r\n" if text.startswith("\r\n", pos) else text[pos : pos + 1]
        pos += len(newline)
        line += 1
        yield record
        record = []


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


class CsvDocument(Document):
    """A CSV or TSV file whose chosen columns are translated in place."""

    format_name: ClassVar[str] = "csv"
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv")
    columns: ClassVar[Sequence[str] | None] = None
    """Header names to translate for every parse of this class; ``None`` picks them."""

    def __init__(self, text: str, codec: TextCodec, delimiter: str, cells: list[_Cell]) -> None:
        self._text = text
        self._codec = codec
        self._delimiter = delimiter
        self._cells = cells

    @classmethod
    def parse(
        cls, data: bytes, *, name: str = "<input>", columns: Sequence[str] | None = None
    ) -> Self:
        """Parse ``data``; ``columns`` (header names) overrides :attr:`columns`."""
        codec = detect_codec(data, name, "a CSV/TSV text file")
        text = codec.decode(data, name)
        delimiter = _sniff_delimiter(text, name)
        records = [r for r in _scan(text, delimiter, name) if [f.value for f in r] != [""]]
        if not records:
            return cls(text, codec, delimiter, [])
        header = [field.value for field in records[0]]
        chosen = cls._resolve_columns(header, records[1:], columns or cls.columns, name)
        return cls(text, codec, delimiter, cls._collect_cells(header, records, chosen))

    @staticmethod
    def _resolve_columns(
        header: list[str], rows: list[list[_Field]], asked: Sequence[str] | None, name: str
    ) -> set[int]:
        if asked is None:
            values = [[field.value for field in row] for row in rows]
            asked = choose_columns(header, values)
        missing = [column for column in asked if column not in header]
        if missing:
            raise ConfigurationError(
                f"{name}: no column named {', '.join(map(repr, missing))}; "
                f"the header has {', '.join(map(repr, header))}."
            )
        return {index for index, column in enumerate(header) if column in asked}

    @staticmethod
    def _collect_cells(
        header: list[str], records: list[list[_Field]], chosen: set[int]
    ) -> list[_Cell]:
        ids = _header_ids(header)
        cells = []
        for number, record in enumerate(records[1:], start=2):
            for index, field in enumerate(record):
                if index in chosen and field.value.strip():
                    unit = Unit(f"{number}:{ids[index]}", field.value, context=header[index])
                    cells.append(_Cell(unit, field))
        return cells

    @property
    def units(self) -> list[Unit]:
        """The translatable cells, row by row."""
        return [cell.unit for cell in self._cells]

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with the translated cells' spans replaced; nothing else changes."""
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
        return self._codec.encode("".join(parts))
