"""SubRip (.srt) and WebVTT (.vtt) subtitles: each cue's text is one unit, spliced in place.

Unit model: one unit per cue holding all its text lines joined with ``"\\n"`` (line breaks
are part of the text a translator rebalances); id ``"<n>"``, the cue's position from 1;
context the cue identifier (if any) and timing line; ``markup=True`` when the text has tags
(``<i>``, ``<v Roger>``, ``<c.yellow>``) or ASS overrides (``{\\an8}``).

Invariants:

- Only a cue's text span is ever replaced: indices, identifiers, timing lines and cue
  settings, the ``WEBVTT`` header, ``NOTE``/``STYLE``/``REGION`` blocks, blank lines, the
  BOM and line endings stay byte for byte. A translation's line breaks are written with the
  line ending of the cue it replaces.
- Encoding: UTF-8/16/32 (BOM kept), else detected (legacy subtitle files are often
  Windows-1252, Shift_JIS or GBK) and written back in it (see
  :mod:`lingoflow.formats.encoding`); binary input raises :class:`~lingoflow.errors.FormatError`.
- Malformed input: a line that looks like a timing line (has ``-->``) but cannot be read
  raises ``FormatError`` with its line, since guessing would shift text between cues. In
  SRT a block without a timing line after a cue is a blank line inside that cue's text
  (common in real files) and stays part of its unit; before the first cue it is an error.
  In VTT such blocks are kept untouched, as players ignore them; a file not starting with
  ``WEBVTT`` is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.languages import Language

__all__ = ["SrtDocument", "VttDocument"]

_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{2}[,.]\d{1,3}"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
_MARKUP = re.compile(r"<[a-zA-Z/][^>]*>|\{\\[^}]*\}|&[a-z]+;")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+\Z")
_VTT_SKIPPED = re.compile(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    start: int
    text: str  # without its line ending
    ending: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(slots=True)
class _Cue:
    unit: Unit
    start: int  # span of the text lines in the decoded text, last line ending excluded
    end: int
    newline: str


def _lines(text: str) -> list[_Line]:
    lines = []
    for number, match in enumerate(_LINE.finditer(text), start=1):
        raw = match.group()
        body = raw.rstrip("\r\n")
        lines.append(_Line(number, match.start(), body, raw[len(body) :]))
    return lines


def _blocks(lines: list[_Line]) -> Iterator[list[_Line]]:
    """Yield runs of non-blank lines (blank = empty or whitespace only)."""
    block: list[_Line] = []
    for line in lines:
        if line.text.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _timing_index(block: list[_Line], name: str) -> int | None:
    """Return the index of the block's timing line (0 or 1), or ``None`` if it has none."""
    for index, line in enumerate(block[:2]):
        if "-->" in line.text:
            if not _TIMING.match(line.text):
                raise FormatError(
                    name, f"cannot read the timing line {line.text!r}", line=line.number
                )
            return index
    return None


def _unit_text(text: str, newline: str) -> str:
    return text.replace(newline, "\n") if newline else text


class _SubtitleDocument(Document):
    """Shared skeleton: the decoded text and the spans of each cue's text."""

    codec: TextCodec

    def __init__(self, codec: TextCodec, text: str, cues: list[_Cue]) -> None:
        self.codec = codec
        self._text = text
        self._cues = cues

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse ``data``; raise :class:`FormatError` for unreadable timing lines."""
        codec = detect_codec(data, name, "a subtitle file")
        text = codec.decode(data, name)
        return cls(codec, text, cls._find_cues(text, _lines(text), name))

    @classmethod
    def _find_cues(cls, text: str, lines: list[_Line], name: str) -> list[_Cue]:
        raise NotImplementedError

    @staticmethod
    def _cue(text: str, number: int, head: list[_Line], body: list[_Line]) -> _Cue:
        start, end = body[0].start, body[-1].end
        newline = body[0].ending if len(body) > 1 else (head[-1].ending or "\n")
        source = _unit_text(text[start:end], newline)
        context = " ".join(line.text.strip() for line in head)
        unit = Unit(str(number), source, context=context, markup=bool(_MARKUP.search(source)))
        return _Cue(unit, start, end, newline)

    @property
    def units(self) -> list[Unit]:
        """One unit per cue with text, in file order."""
        return [cue.unit for cue in self._cues]

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with each translated cue's text lines replaced."""
        parts, pos = [], 0
        for cue in self._cues:
            value = translations.get(cue.unit.id)
            if value is None or value == cue.unit.source:
                continue
            parts += [self._text[pos : cue.start], value.replace("\n", cue.newline)]
            pos = cue.end
        parts.append(self._text[pos:])
        return self.codec.encode("".join(parts), target)


class SrtDocument(_SubtitleDocument):
    """A SubRip subtitle file."""

    format_name: ClassVar[str] = "srt"
    extensions: ClassVar[tuple[str, ...]] = (".srt",)

    @classmethod
    def _find_cues(cls, text: str, lines: list[_Line], name: str) -> list[_Cue]:
        cues: list[_Cue] = []
        groups: list[tuple[list[_Line], list[_Line]]] = []
        for block in _blocks(lines):
            timing = _timing_index(block, name)
            if timing is not None:
                groups.append((block[: timing + 1], block[timing + 1 :]))
            elif groups:
                groups[-1][1].extend(block)  # a blank line inside the previous cue's text
            else:
                raise FormatError(name, "text before the first timing line", line=block[0].number)
        for head, body in groups:
            if body:
                cues.append(cls._cue(text, len(cues) + 1, head, body))
        return cues


class VttDocument(_SubtitleDocument):
    """A WebVTT subtitle file."""

    format_name: ClassVar[str] = "vtt"
    extensions: ClassVar[tuple[str, ...]] = (".vtt",)

    @classmethod
    def _find_cues(cls, text: str, lines: list[_Line], name: str) -> list[_Cue]:
        if not lines or not re.match(r"^WEBVTT(?:[ \t]|$)", lines[0].text):
            raise FormatError(name, "a WebVTT file must start with 'WEBVTT'", line=1)
        cues: list[_Cue] = []
        for block in list(_blocks(lines))[1:]:
            if _VTT_SKIPPED.match(block[0].text):
                continue
            timing = _timing_index(block, name)
            if timing is not None and len(block) > timing + 1:
                head, body = block[: timing + 1], block[timing + 1 :]
                cues.append(cls._cue(text, len(cues) + 1, head, body))
        return cues
