"""JSON i18n resource files (i18next, react-intl, Chrome-style flat or nested key/value files).

Unit model: every non-blank **string value** is one unit; its id (and context) is the
JSON-pointer path of the value (``/nav/title``, ``/items/0``; ``~`` and ``/`` in keys are
escaped as ``~0`` and ``~1``). Keys, numbers, booleans, ``null``, nesting and key order are never
touched. i18next plural keys (``key_one``, ``key_other``) are ordinary keys: each is its own
unit. ICU/i18next placeholders are left to the pipeline's protection (``markup=False``).

Invariants:

- The file is never re-serialised: a small scanner finds each string value's character span
  and :meth:`JsonDocument.write` splices the JSON-escaped translation into the original text,
  so whitespace, indentation, escapes elsewhere and a UTF-8 BOM stay byte for byte.
- A translation equal to the unit's source keeps the original literal (with its escapes).
  New literals follow the file's escaping style: ``\\uXXXX`` for non-ASCII when the file is
  pure ASCII and already escapes that way (PHP ``json_encode`` output), ``\\/`` when the file
  escapes slashes.
- Encoding: UTF-8, UTF-16 or UTF-32, told by the BOM or the null-byte pattern of the first
  bytes (RFC 4627), and written back the same way with its BOM; anything else raises
  :class:`~lingoflow.errors.FormatError` naming the file and line.
- An empty or whitespace-only file is a document with no units (written back unchanged);
  anything else that is not valid JSON raises :class:`~lingoflow.errors.FormatError` with
  the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, unicode_codec
from lingoflow.languages import Language

__all__ = ["JsonDocument"]

_DECODER = json.JSONDecoder()
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# json.loads also accepts NaN and Infinity, so the scanner must step over them too.
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|-?NaN|-?Infinity")


@dataclass(frozen=True, slots=True)
class _Span:
    """Where one string value sits in the text: ``text[start:end]`` is its quoted literal."""

    path: str
    start: int
    end: int
    value: str


def _string(text: str, pos: int) -> tuple[str, int]:
    """Decode the JSON string whose opening quote is at ``pos``; return it and its end."""
    value, end = _DECODER.raw_decode(text, pos)
    return str(value), end


def _pointer(parent: str, key: str | int) -> str:
    """Extend a JSON pointer by one key or index."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


class _Scanner:
    """Walk already-validated JSON text and record the span of every string value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[_Span] = []

    def skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match else pos

    def value(self, pos: int, path: str) -> int:
        """Scan the value at ``pos`` (after whitespace); return the position after it."""
        pos = self.skip(pos)
        char = self.text[pos]
        if char == "{":
            return self.object(pos + 1, path)
        if char == "[":
            return self.array(pos + 1, path)
        if char == '"':
            value, end = _string(self.text, pos)
            self.spans.append(_Span(path, pos, end, value))
            return end
        match = _SCALAR.match(self.text, pos)
        return match.end() if match else pos + 1

    def object(self, pos: int, path: str) -> int:
        pos = self.skip(pos)
        if self.text[pos] == "}":
            return pos + 1
        while True:
            key, pos = _string(self.text, self.skip(pos))
            pos = self.skip(pos) + 1  # the colon
            pos = self.skip(self.value(pos, _pointer(path, key)))
            if self.text[pos] == "}":
                return pos + 1
            pos += 1  # the comma

    def array(self, pos: int, path: str) -> int:
        pos = self.skip(pos)
        if self.text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = self.skip(self.value(pos, _pointer(path, index)))
            index += 1
            if self.text[pos] == "]":
                return pos + 1
            pos += 1


def _unique(spans: list[_Span]) -> list[_Span]:
    """Give repeated paths (duplicate keys) a ``#n`` suffix so ids stay unique."""
    seen: dict[str, int] = {}
    result = []
    for span in spans:
        count = seen.get(span.path, 0) + 1
        seen[span.path] = count
        path = span.path if count == 1 else f"{span.path}#{count}"
        result.append(_Span(path, span.start, span.end, span.value))
    return result


class JsonDocument(Document):
    """A JSON resource file whose string values are the units."""

    codec: TextCodec

    format_name: ClassVar[str] = "json"
    extensions: ClassVar[tuple[str, ...]] = (".json",)

    def __init__(self, codec: TextCodec, text: str, spans: list[_Span]) -> None:
        self.codec = codec
        self._text = text
        self._spans = spans
        self._ascii = text.isascii() and _NON_ASCII_ESCAPE.search(text) is not None
        self._escape_slash = "\\/" in text

    def _literal(self, value: str) -> str:
        """Quote ``value`` as a JSON string in the file's own escaping style."""
        literal = json.dumps(value, ensure_ascii=self._ascii)
        return literal.replace("/", "\\/") if self._escape_slash else literal

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse a JSON resource file; invalid JSON raises ``FormatError`` with the line."""
        codec = unicode_codec(data, name, "a JSON file")
        text = codec.decode(data, name)
        if not text.strip():
            return cls(codec, text, [])
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(name, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
        scanner = _Scanner(text)
        scanner.value(0, "")
        return cls(codec, text, _unique(scanner.spans))

    @property
    def units(self) -> list[Unit]:
        """The non-blank string values in file order."""
        return [Unit(s.path, s.value, context=s.path) for s in self._spans if s.value.strip()]

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Splice the translated values into the original text (JSON has no language field)."""
        pieces: list[str] = []
        last = 0
        for span in self._spans:
            text = translations.get(span.path)
            if text is None or text == span.value:
                continue
            pieces += [self._text[last : span.start], self._literal(text)]
            last = span.end
        pieces.append(self._text[last:])
        return self.codec.encode("".join(pieces), target)
