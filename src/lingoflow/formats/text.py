"""Plain-text documents: one unit per paragraph, everything else kept byte for byte.

Unit model: a paragraph is a run of lines that are not blank; paragraphs are separated by
blank (whitespace-only) lines. A unit's source is the paragraph without its surrounding
whitespace, with CRLF line ends inside it shown as ``\\n``; its id is ``line-N`` (the
1-based line the paragraph starts on) and stays stable for the same input.

Invariants: the gaps between paragraphs (blank lines, indentation, trailing spaces), the
byte-order mark and the file's line ends are written back verbatim (newlines in a
translation get the paragraph's line end: CRLF if it has one); a translation that equals the
source writes the original bytes, so ``parse(data).write({}) == data``.

Encoding: see :mod:`lingoflow.formats.encoding` (UTF-8/16/32, else detected; binary files
raise :class:`~lingoflow.errors.FormatError`).

Streaming (:meth:`TextDocument.pieces`): a big file is cut just after a blank line, where no
paragraph can span the cut, so every piece's units are the whole file's units (same ids,
same sources). A paragraph that runs on for more than :data:`LONGEST_PARAGRAPH` characters
(and four pieces) without a blank line is cut at a line end instead: the one case where
streamed units differ from whole-file ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO, ClassVar, Self

from lingoflow.formats.base import StreamableDocument, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.formats.pieces import read_pieces
from lingoflow.languages import Language

__all__ = ["LONGEST_PARAGRAPH", "ParagraphCut", "Span", "TextDocument", "splice"]

_PARAGRAPH = re.compile(r"(?:^[^\S\n]*\S.*(?:\n|$))+", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")  # a line end, then a blank line with its own
_KIND = "a text file"
LONGEST_PARAGRAPH = 1 << 22
"""Characters a streamed paragraph may run on before it is cut at a line end."""


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


class ParagraphCut:
    """Where a piece of plain text may end: after the first blank line past ``size`` characters.

    A cut right after a blank line splits no paragraph. Without a blank line, a buffer over
    :data:`LONGEST_PARAGRAPH` characters (or four pieces) is cut after its last line end, so
    memory stays bounded. The text already searched is not searched again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.searched = 0  # the buffer holds no blank line ending before this offset + 1

    def __call__(self, buffer: str) -> int:
        match = _BLANK_LINE.search(buffer, max(self.size - 1, self.searched, 0))
        if match is not None:
            self.searched = 0
            return match.end()
        end = 0
        if len(buffer) > max(4 * self.size, LONGEST_PARAGRAPH):
            end = buffer.rfind("\n") + 1
        self.searched = max(buffer.rfind("\n", end), 0) - end
        return end


class TextDocument(StreamableDocument):
    """A plain-text file whose paragraphs are the units."""

    format_name: ClassVar[str] = "text"
    extensions: ClassVar[tuple[str, ...]] = (".txt",)

    def __init__(self, text: str, codec: TextCodec, first_line: int = 1) -> None:
        self._text = text
        self.codec = codec
        self._spans: dict[str, Span] = {}
        self._units: list[Unit] = []
        line, counted = first_line, 0
        for match in _PARAGRAPH.finditer(text):
            span = _strip_span(text, match.start(), match.end())
            line += text.count("\n", counted, span.start)  # counted once: linear in the file
            counted = span.start
            unit_id = f"line-{line}"
            self._spans[unit_id] = span
            source = text[span.start : span.end].replace("\r\n", "\n")
            self._units.append(Unit(id=unit_id, source=source, context="paragraph"))

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse a text file into paragraph units."""
        codec = detect_codec(data, name, _KIND)
        return cls(codec.decode(data, name), codec)

    @classmethod
    def pieces(cls, stream: BinaryIO, *, name: str = "<input>", size: int) -> Iterator[Self]:
        """Read ``stream`` in pieces cut after blank lines (see the module docstring)."""
        codec, pieces = read_pieces(
            stream,
            name=name,
            kind=_KIND,
            size=size,
            cut=ParagraphCut(size),
        )
        for piece in pieces:
            yield cls(piece.text, codec, piece.first_line)

    @property
    def units(self) -> list[Unit]:
        """The paragraphs in reading order."""
        return list(self._units)

    def write_text(self, translations: Mapping[str, str], *, target: Language | None = None) -> str:
        """Return the text with the translated paragraphs spliced in (``target`` is unused)."""
        replacements: list[tuple[Span, str]] = []
        for unit in self._units:
            new = translations.get(unit.id, unit.source)
            if new == unit.source:
                continue
            span = self._spans[unit.id]
            if "\r\n" in self._text[span.start : span.end + 2]:
                new = new.replace("\r\n", "\n").replace("\n", "\r\n")
            replacements.append((span, new))
        return splice(self._text, replacements)
