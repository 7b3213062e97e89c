"""Plain-text documents: one unit per paragraph, everything else kept byte for byte.

Unit model: a paragraph is a run of lines that are not blank; paragraphs are separated by
blank (whitespace-only) lines. A unit's source is the paragraph without its surrounding
whitespace, with CRLF line ends inside it shown as ``\\n``; its id is ``line-N`` (the
1-based line the paragraph starts on) and stays stable for the same input.

Invariants: the gaps between paragraphs (blank lines, indentation, trailing spaces), the
UTF-8 byte-order mark and the file's line ends are written back verbatim (newlines in a
translation get the paragraph's line end: CRLF if it has one); a translation that equals the
source writes the original bytes, so ``parse(data).write({}) == data``.

The input must be UTF-8 (with or without BOM); other encodings and binary files (NUL bytes)
raise :class:`~lingoflow.errors.FormatError`. :func:`decode_text` is shared by the other
text-based formats (Markdown, HTML) for the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.languages import Language

__all__ = ["Span", "TextDocument", "decode_text", "splice"]

BOM = "\ufeff"
_PARAGRAPH = re.compile(r"(?:^[^\S\n]*\S.*(?:\n|$))+", re.MULTILINE)


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 ``data`` (a BOM stays as the first character) or raise FormatError."""
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise FormatError(
            name, "looks like a binary file (it contains NUL bytes); give a text file", line=line
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(
            name,
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it to UTF-8 and try again",
            line=line,
        ) from exc


@dataclass(frozen=True, slots=True)
class Span:
    """Where a unit's text sits in the decoded file: ``text[start:end]``."""

    start: int
    end: int


def splice(text: str, replacements: list[tuple[Span, str]]) -> str:
    """Return ``text`` with each span replaced; spans must not overlap."""
    parts: list[str] = []
    cursor = 0
    for span, new in sorted(replacements, key=lambda item: item[0].start):
        parts.append(text[cursor : span.start])
        parts.append(new)
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


def _strip_span(text: str, start: int, end: int) -> Span:
    """Shrink ``text[start:end]`` to exclude surrounding whitespace."""
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    return Span(start + lead, end - trail)


class TextDocument(Document):
    """A UTF-8 plain-text file whose paragraphs are the units."""

    format_name: ClassVar[str] = "text"
    extensions: ClassVar[tuple[str, ...]] = (".txt",)

    def __init__(self, text: str, spans: dict[str, Span], units: list[Unit]) -> None:
        self._text = text
        self._spans = spans
        self._units = units

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse UTF-8 text into paragraph units."""
        text = decode_text(data, name)
        bom = text.startswith(BOM)
        # Blank out the BOM so that "^" matches at the first line and it is no paragraph text.
        searched = " " + text[1:] if bom else text
        spans: dict[str, Span] = {}
        units: list[Unit] = []
        for match in _PARAGRAPH.finditer(searched):
            span = _strip_span(searched, match.start(), match.end())
            unit_id = f"line-{text.count(chr(10), 0, span.start) + 1}"
            spans[unit_id] = span
            source = text[span.start : span.end].replace("\r\n", "\n")
            units.append(Unit(id=unit_id, source=source, context="paragraph"))
        return cls(text, spans, units)

    @property
    def units(self) -> list[Unit]:
        """The paragraphs in reading order."""
        return list(self._units)

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with the translated paragraphs spliced in (``target`` is unused)."""
        replacements: list[tuple[Span, str]] = []
        for unit in self._units:
            new = translations.get(unit.id, unit.source)
            if new == unit.source:
                continue
            span = self._spans[unit.id]
            if "\r\n" in self._text[span.start : span.end + 2]:
                new = new.replace("\r\n", "\n").replace("\n", "\r\n")
            replacements.append((span, new))
        return splice(self._text, replacements).encode("utf-8")
