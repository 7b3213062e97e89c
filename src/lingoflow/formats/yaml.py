"""YAML locale files (Rails ``en:`` files, Symfony/Hugo/Jekyll translation files).

Unit model: every non-blank **string scalar value** (a mapping value or a sequence item) is one
unit; its id (and context) is its path as a JSON pointer (``/en/errors/messages/blank``,
``/de/date/day_names/0``). Keys, numbers, booleans, nulls, dates, Ruby symbols (plain
``:day``) and plain scalars YAML 1.1 readers take for booleans or numbers (``yes``, ``off``,
``1:30``; Rails reads its locale files with YAML 1.1) are never units, and no translation is
written in a form a YAML 1.1 reader would take for anything but a string. An anchored
scalar is one unit at its anchor; its aliases follow it.
Documents after the first in a multi-document stream get ids prefixed ``#n``.

Invariants:

- ruamel.yaml's round-trip dump is not byte-identical on real files (it re-indents sequences,
  re-folds long plain scalars, drops ``---``), so ruamel is used only to *find* each scalar:
  its start/end marks give the character span, and :meth:`YamlDocument.write` splices the new
  scalar into the original text. Comments, anchors, quoting and layout stay byte for byte.
- A translated scalar keeps its style where that is safe: plain stays plain when the text
  reads back as the same string, single- and double-quoted stay quoted, literal and folded
  block scalars become a literal block (``|``, ``|-``) at the original indentation; anything
  a style cannot hold falls back to a double-quoted scalar (JSON-style escapes).
- A plain or single-quoted scalar that the original folded over several lines is folded the
  way libyaml-based emitters (Psych, PyYAML, ruamel) fold: a space becomes a line break once
  the line passes 80 columns. So files normalised by such tools (i18n-tasks, rails-i18n) keep
  their shape, and restoring the sources restores the file.
- A translation equal to the unit's source keeps the original scalar text.
- Encoding: UTF-8, UTF-16 or UTF-32 (YAML 1.2, section 5.2), told by the BOM or the null-byte
  pattern of the first bytes, and written back the same way; anything else raises
  :class:`~lingoflow.errors.FormatError` naming the file and line.
- An empty file has no units; invalid YAML raises :class:`~lingoflow.errors.FormatError` with
  the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, unicode_codec
from lingoflow.languages import Language

__all__ = ["YamlDocument"]

_STR_TAG = "tag:yaml.org,2002:str"
_RUBY_SYMBOL = re.compile(r":[A-Za-z_][A-Za-z0-9_]*")
# Plain scalars that YAML 1.1 readers (Ruby's Psych, PyYAML) take for booleans or
# sexagesimal numbers although YAML 1.2 (ruamel) reads strings: not units, never written plain.
_YAML11_NON_STRING = re.compile(r"(?i:y|n|yes|no|on|off)|[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?")
_PROPERTIES = re.compile(r"(?:[&!][^\s]*\s+)*")  # anchor and tag before a scalar
_WIDTH = 80  # libyaml's default best_width
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
_TAIL = re.compile(r"(?:\r?\n[ \t]*)*\Z")
_PLAIN_UNSAFE = re.compile(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|: |\s#|:$|\s$|[\n\r\t]")
# Line breaks other than \n, and what YAML does not allow unescaped: only double quotes hold it.
_NEEDS_ESCAPE = re.compile(
    "[\r\x85\u2028\u2029]|[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(frozen=True, slots=True)
class _Scalar:
    """One string scalar: ``text[start:end]`` is its source form without anchor or tag."""

    path: str
    start: int
    end: int
    value: str
    style: str | None
    flow: bool  # inside a flow collection (``[a, b]``), where ``,[]{}`` end a plain scalar


def _pointer(parent: str, key: object) -> str:
    """Extend a JSON pointer by one key or index."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _is_unit(node: ScalarNode) -> bool:
    value = node.value
    if node.tag != _STR_TAG or not isinstance(value, str) or not value.strip():
        return False
    plain = node.style is None
    return not (plain and (_RUBY_SYMBOL.fullmatch(value) or _YAML11_NON_STRING.fullmatch(value)))


class _Walker:
    """Collect the string scalar values of a composed node tree, each node once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.seen: set[int] = set()
        self.scalars: list[_Scalar] = []

    def walk(self, node: Node, path: str, flow: bool = False) -> None:
        if id(node) in self.seen:  # an alias of a node already visited
            return
        self.seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                self.walk(value, _pointer(path, key.value), flow or bool(node.flow_style))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, _pointer(path, index), flow or bool(node.flow_style))
        elif isinstance(node, ScalarNode) and _is_unit(node):
            self.add(node, path, flow)

    def add(self, node: ScalarNode, path: str, flow: bool) -> None:
        start, end = node.start_mark.index, node.end_mark.index
        props = _PROPERTIES.match(self.text, start, end)
        start = props.end() if props else start
        self.scalars.append(_Scalar(path, start, end, node.value, node.style, flow))


def _compose(text: str, name: str) -> Iterator[Node]:
    yaml = YAML(typ="safe", pure=True)
    try:
        yield from yaml.compose_all(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise FormatError(name, f"invalid YAML: {problem}", line=line) from exc


def _unique(scalars: list[_Scalar]) -> list[_Scalar]:
    """Give repeated paths (duplicate keys) a ``#n`` suffix so ids stay unique."""
    seen: dict[str, int] = {}
    result = []
    for scalar in scalars:
        count = seen.get(scalar.path, 0) + 1
        seen[scalar.path] = count
        path = scalar.path if count == 1 else f"{scalar.path}#{count}"
        result.append(replace(scalar, path=path))
    return result


def _reads_back_as(source: str, value: str) -> bool:
    """Whether ``key: <source>`` loads as the string ``value``."""
    try:
        loaded: Any = YAML(typ="safe", pure=True).load(f"k: {source}\n")
    except YAMLError:
        return False
    return isinstance(loaded, dict) and loaded.get("k") == value


def _double_quoted(value: str) -> str:
    """Quote ``value`` with JSON escapes (valid YAML), escaping what YAML reads differently."""
    literal = json.dumps(value, ensure_ascii=False)
    return _NEEDS_ESCAPE.sub(lambda match: f"\\u{ord(match.group()):04x}", literal)


def _plain_ok(value: str, flow: bool) -> bool:
    """Whether ``value`` can be written as a plain scalar and read back unchanged."""
    if _PLAIN_UNSAFE.search(value) or _NEEDS_ESCAPE.search(value):
        return False
    if _YAML11_NON_STRING.fullmatch(value) or _RUBY_SYMBOL.fullmatch(value):
        return False
    if flow and _FLOW_INDICATORS.search(value):
        return False
    return _reads_back_as(value, value)


def _fold(rendered: str, column: int, indent: str, newline: str) -> str:
    """Break ``rendered`` at single spaces once past the emitter width, as libyaml does."""
    out: list[str] = []
    for index, char in enumerate(rendered):
        after = rendered[index + 1 : index + 2]
        previous = rendered[index - 1 : index] if index else ""
        if char == " " and column > _WIDTH and previous != " " and after not in ("", " "):
            out.append(newline + indent)
            column = len(indent)
            continue
        out.append(char)
        column += 1
    return "".join(out)


def _flow(value: str, scalar: _Scalar, layout: tuple[int, str, str] | None) -> str:
    """Render ``value`` as a flow scalar, keeping plain or single-quoted style if safe.

    ``layout`` (column, continuation indent, newline) is given when the original was folded.
    """
    rendered: str | None = None
    if scalar.style is None and _plain_ok(value, scalar.flow):
        rendered = value
    elif scalar.style == "'" and "\n" not in value and not _NEEDS_ESCAPE.search(value):
        rendered = "'" + value.replace("'", "''") + "'"
    if rendered is None:
        return _double_quoted(value)
    if layout is None:
        return rendered
    folded = _fold(rendered, *layout)
    return folded if _reads_back_as(folded.replace(layout[2], "\n"), value) else rendered


def _block(value: str, original: str, newline: str) -> str | None:
    """Render ``value`` as a literal block replacing ``original``; ``None`` if it cannot."""
    indents = [
        len(line) - len(line.lstrip(" ")) for line in original.split("\n")[1:] if line.strip()
    ]
    body = value[:-1] if value.endswith("\n") else value
    if not indents or body.endswith("\n") or body[:1] in (" ", "\t"):
        return None
    if _NEEDS_ESCAPE.search(body):
        return None
    indent = " " * indents[0]
    header = "|" if value.endswith("\n") else "|-"
    lines = [indent + line if line else "" for line in body.split("\n")]
    if not _reads_back_as(header + "\n" + "\n".join(lines), value):
        return None
    content = newline.join(lines)
    tail = _TAIL.search(original)
    return f"{header}{newline}{content}{tail.group() if tail else ''}"


class YamlDocument(Document):
    """A YAML file whose string scalar values are the units."""

    codec: TextCodec

    format_name: ClassVar[str] = "yaml"
    extensions: ClassVar[tuple[str, ...]] = (".yml", ".yaml")

    def __init__(self, codec: TextCodec, text: str, scalars: list[_Scalar]) -> None:
        self.codec = codec
        self._text = text
        self._scalars = scalars
        self._newline = "\r\n" if "\r\n" in text else "\n"

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse a YAML file; invalid YAML raises ``FormatError`` with the line."""
        codec = unicode_codec(data, name, "a YAML file")
        text = codec.decode(data, name)
        walker = _Walker(text)
        for index, root in enumerate(_compose(text, name)):
            walker.walk(root, f"#{index}" if index else "")
        return cls(codec, text, _unique(walker.scalars))

    @property
    def units(self) -> list[Unit]:
        """The non-blank string scalar values in file order."""
        return [Unit(s.path, s.value, context=s.path) for s in self._scalars]

    def _render(self, scalar: _Scalar, value: str) -> str:
        if scalar.style in ("|", ">"):
            original = self._text[scalar.start : scalar.end]
            block = _block(value, original, self._newline)
            if block is not None:
                return block
            tail = _TAIL.search(original)
            return _double_quoted(value) + (tail.group() if tail else "")
        return _flow(value, scalar, self._layout(scalar))

    def _layout(self, scalar: _Scalar) -> tuple[int, str, str] | None:
        """Column, continuation indent and newline of a scalar folded over lines, else None."""
        original = self._text[scalar.start : scalar.end]
        if "\n" not in original:
            return None
        column = scalar.start - (self._text.rfind("\n", 0, scalar.start) + 1)
        second = original.split("\n", 1)[1]
        indent = second[: len(second) - len(second.lstrip(" "))]
        return column, indent, self._newline

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Splice the translated scalars into the original text; keys stay as they are."""
        pieces: list[str] = []
        last = 0
        for scalar in self._scalars:
            text = translations.get(scalar.path)
            if text is None or text == scalar.value:
                continue
            pieces += [self._text[last : scalar.start], self._render(scalar, text)]
            last = scalar.end
        pieces.append(self._text[last:])
        return self.codec.encode("".join(pieces), target)
