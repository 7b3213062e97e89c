"""Markdown documents (CommonMark + GFM tables + YAML front matter), written back byte-faithfully.

The file is parsed with markdown-it-py only to find where the translatable text is; the output
is the original text with the translated spans spliced in, never a re-rendering.

Unit model:

- every heading, paragraph (also inside list items and blockquotes) and table cell is a unit;
  its id is ``line-N`` (1-based line where the block starts) or ``line-N-cell-K`` for the K-th
  cell of the table row on line N; ``context`` names the kind of block;
- a unit's source is the block's raw Markdown inline text: inline code, links and images stay
  inside it with their syntax (``See [the docs](https://x.y) now.``) and ``markup=True`` is
  set, so the pipeline protects code spans, URLs and tags; the link text and image alt text
  are thus translated, the URLs come back unchanged;
- emphasis delimiters (``**``, ``*``, ``__``, ``_``, ``~~``) that markdown-it pairs are shown
  in the source as paired tags named after the delimiter characters (``s`` star, ``u``
  underscore, ``t`` tilde): ``This is <md-ss>bold</md-ss> and <md-u>this</md-u>.``. The
  pipeline protects them like any inline tag (``{{n}}`` tokens), so a model cannot silently
  drop them: they come back, or the loss is a finding and the safe retry keeps them. On write
  the tags become the delimiters they stand for. A block that already contains ``<md-`` text
  keeps its raw delimiters (the mapping must be reversible). Delimiters that pair nothing
  stay as text, and so does emphasis inside image alt text;
- a multi-line paragraph's source joins its lines with ``\\n`` without the container prefixes
  (``> ``, list indentation); on write, the N-th line of the translation gets the prefix the
  block's N-th line had (lines beyond the original count get the first line's prefix with list
  markers blanked), so the block stays inside its list item or blockquote; a block whose lines
  mix line ends gets its first line end throughout;
- ATX headings and table cells are one line: newlines in their translation become spaces, and
  a ``|`` in a cell translation is escaped;
- the YAML front matter's top-level ``title`` and ``description`` values (see
  :attr:`MarkdownDocument.front_matter_keys`) are units ``front-matter/<key>``; their source
  is the decoded scalar, written back with the original quoting style when it can hold it.

Untouched: fenced and indented code blocks, HTML blocks, reference definitions, thematic
breaks, table delimiter rows, front-matter keys and other values, block scalars. Malformed
Markdown is whatever markdown-it makes of it (an unclosed fence runs to the end of the file
and is left as code); text is never lost because everything outside a unit is copied verbatim
and a translation equal to the source writes the original bytes.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline, emphasis, strikethrough
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.formats.text import Span, splice
from lingoflow.languages import Language

__all__ = ["MarkdownDocument"]

_LINE = re.compile(r"[^\r\n]*(\r\n|\r|\n|$)")
_PLAIN_TEXT = frozenset({"text", "softbreak"})
_CONTAINERS = {"list_item_open": "list item", "blockquote_open": "blockquote"}
_FRONT_MATTER_ENTRY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]+(?P<value>.*?)[ \t]*$")
_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")
_SAFE_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:(?!: | #)[^\n])*(?<=\S)")
_AT = "lingoflow.at"  # token.meta key: (offset, length) of a delimiter token in its source
_RUNS = "lingoflow.emphasis"  # env key: inline source -> its paired delimiter runs
_TAG_LETTER = {"*": "s", "_": "u", "~": "t"}
_TAG_CHAR = {letter: char for char, letter in _TAG_LETTER.items()}
_EMPHASIS_TAG = re.compile(r"<(/?)md-([sut]+)(/?)>")
_SPACE_AFTER_OPEN = re.compile(r"(<md-[sut]+>)([ \t]+)")
_SPACE_BEFORE_CLOSE = re.compile(r"([ \t]+)(</md-[sut]+>)")


@dataclass(frozen=True, slots=True)
class _Lines:
    """The file split the way markdown-it splits it (CRLF, CR and LF all end a line)."""

    starts: list[int]
    bodies: list[str]
    eols: list[str]

    @classmethod
    def of(cls, text: str) -> _Lines:
        starts: list[int] = []
        bodies: list[str] = []
        eols: list[str] = []
        for match in _LINE.finditer(text):
            if match.start() == len(text) and starts:
                break
            starts.append(match.start())
            bodies.append(text[match.start() : match.start(1)])
            eols.append(match.group(1))
        return cls(starts, bodies, eols)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a unit's text goes and how a translation is shaped to fit there."""

    span: Span
    kind: str  # "block", "line", "cell" or "yaml"
    prefixes: tuple[str, ...] = ()  # the original prefix of each line after the first
    prefix: str = ""  # the prefix for any further line
    eol: str = "\n"
    style: str = ""  # YAML scalar style: '"', "'" or "" (plain)
    emphasis: bool = False  # the source shows emphasis delimiters as <md-…> tags


class MarkdownDocument(Document):
    """A Markdown file whose headings, paragraphs, table cells and front-matter titles are units."""

    codec: TextCodec

    format_name: ClassVar[str] = "markdown"
    extensions: ClassVar[tuple[str, ...]] = (".md", ".markdown")
    front_matter_keys: ClassVar[tuple[str, ...]] = ("title", "description")

    def __init__(
        self, text: str, codec: TextCodec, units: list[Unit], slots: dict[str, _Slot]
    ) -> None:
        self._text = text
        self.codec = codec
        self._units = units
        self._slots = slots

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse Markdown into units; never fails on malformed Markdown."""
        codec = detect_codec(data, name, "a Markdown file")
        text = codec.decode(data, name)
        lines = _Lines.of(text)
        units: list[Unit] = []
        slots: dict[str, _Slot] = {}
        env: dict[str, Any] = {}
        tokens = _parser().parse(text, env)
        found = [
            *_front_matter_units(tokens, lines, cls.front_matter_keys),
            *_block_units(tokens, lines, env.get(_RUNS, {})),
        ]
        for unit, slot in found:
            unit_id = unit.id
            while unit_id in slots:  # a defensive suffix; block starts are unique in practice
                unit_id += "+"
            units.append(Unit(unit_id, unit.source, unit.context, unit.markup))
            slots[unit_id] = slot
        return cls(text, codec, units, slots)

    @property
    def units(self) -> list[Unit]:
        """The units in reading order (front matter first)."""
        return list(self._units)

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with translated spans spliced in (``target`` is unused)."""
        replacements: list[tuple[Span, str]] = []
        for unit in self._units:
            new = translations.get(unit.id, unit.source)
            if new != unit.source:
                slot = self._slots[unit.id]
                new = _untag(new) if slot.emphasis else new
                replacements.append((slot.span, _shape(new, slot)))
        return self.codec.encode(splice(self._text, replacements), target)


def _shape(translation: str, slot: _Slot) -> str:
    """Fit a translation into its slot: line prefixes, escaping, YAML quoting."""
    if slot.kind == "yaml":
        return _yaml_scalar(translation, slot.style)
    if slot.kind in ("line", "cell"):
        flat = " ".join(_split_lines(translation))
        return re.sub(r"(?<!\\)\|", r"\\|", flat) if slot.kind == "cell" else flat
    first, *rest = _split_lines(translation)
    prefixes = [*slot.prefixes[: len(rest)], *[slot.prefix] * (len(rest) - len(slot.prefixes))]
    return first + "".join(slot.eol + p + line for p, line in zip(prefixes, rest, strict=True))


def _split_lines(text: str) -> list[str]:
    """Split at the line ends markdown-it knows (not at U+2028 and the like)."""
    return re.split(r"\r\n|\r|\n", text)


# --- Headings, paragraphs and table cells -------------------------------------------------


def _block_units(
    tokens: list[Token], lines: _Lines, runs: Mapping[str, list[_Run]]
) -> Iterator[tuple[Unit, _Slot]]:
    """Yield a unit for each heading, paragraph and table cell with text in it."""
    containers: list[str] = []
    row, cell = 0, 0
    for index, token in enumerate(tokens):
        if token.type in _CONTAINERS:
            containers.append(_CONTAINERS[token.type])
        elif token.type.replace("_close", "_open") in _CONTAINERS and containers:
            containers.pop()
        elif token.type == "tr_open" and token.map:
            row, cell = token.map[0], 0
        elif token.type in ("th_open", "td_open"):
            cell += 1
        elif token.type == "inline" and token.map and _has_text(token):
            opener = tokens[index - 1].type
            if opener in ("th_open", "td_open"):
                found = _cell_unit(token, lines, row, cell, runs.get(token.content, []))
            else:
                kind = "heading" if opener == "heading_open" else "paragraph"
                context = kind if kind == "heading" or not containers else containers[-1]
                # ATX headings are one line; setext headings may span several, like paragraphs.
                atx = tokens[index - 1].markup.startswith("#")
                heading = kind == "heading" and atx
                found = _inline_unit(token, lines, context, runs.get(token.content, []), heading)
            if found:
                yield found


def _flatten(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _flatten(token.children or [])


def _has_text(token: Token) -> bool:
    return any(t.type == "text" and t.content.strip() for t in _flatten(token.children or []))


def _has_markup(token: Token) -> bool:
    return any(t.type not in _PLAIN_TEXT for t in _flatten(token.children or []))


def _inline_unit(
    token: Token, lines: _Lines, context: str, runs: list[_Run], heading: bool
) -> tuple[Unit, _Slot] | None:
    """Locate a heading's or paragraph's inline text in the source lines."""
    if token.map is None:
        return None
    first = token.map[0]
    parts = token.content.split("\n")
    cols = [lines.bodies[first + i].rfind(part) for i, part in enumerate(parts)]
    if min(cols) < 0 or first + len(parts) > len(lines.bodies):
        return None  # tabs expanded by markdown-it: leave this block untranslated
    last = first + len(parts) - 1
    span = Span(lines.starts[first] + cols[0], lines.starts[last] + cols[-1] + len(parts[-1]))
    prefixes = tuple(lines.bodies[first + i][: cols[i]] for i in range(1, len(parts)))
    prefix = re.sub(r"[^>\s]", " ", lines.bodies[first][: cols[0]])
    kind = "line" if heading else "block"
    source, tagged = _tagged(token.content, runs)
    slot = _Slot(span, kind, prefixes, prefix, lines.eols[first] or "\n", emphasis=tagged)
    unit = Unit(f"line-{first + 1}", source, context, _has_markup(token))
    return unit, slot


def _cell_unit(
    token: Token, lines: _Lines, row: int, cell: int, runs: list[_Run]
) -> tuple[Unit, _Slot] | None:
    """Locate a table cell in its row: cells follow each other left to right."""
    if not any(char.isalnum() for char in token.content):
        return None  # rules, dashes, symbols: nothing to translate, and safest left alone
    body = lines.bodies[row]
    cursor = _cell_cursor(lines, row, cell)
    for raw in (token.content, token.content.replace("|", "\\|")):
        at = body.find(raw, cursor)
        if at >= 0:
            span = Span(lines.starts[row] + at, lines.starts[row] + at + len(raw))
            markup = _has_markup(token) or raw != token.content
            source, tagged = _tagged(raw, runs if raw == token.content else [])
            unit = Unit(f"line-{row + 1}-cell-{cell}", source, "table cell", markup)
            return unit, _Slot(span, "cell", emphasis=tagged)
    return None


def _cell_cursor(lines: _Lines, row: int, cell: int) -> int:
    """Where to start looking for a cell: just after the previous cell's pipe."""
    body = lines.bodies[row]
    pipes = [m.start() for m in re.finditer(r"(?<!\\)\|", body)]
    leading = bool(pipes) and not body[: pipes[0]].strip(" \t>-*+0123456789.)")
    index = cell - 1 if leading else cell - 2
    return pipes[index] + 1 if 0 <= index < len(pipes) else 0


# --- Emphasis as paired tags ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    """Adjacent paired delimiter characters in an inline source: ``source[start:end]``."""

    start: int
    end: int
    nesting: int  # 1 opens, -1 closes, 0 both (``**a***b*``)


@functools.cache  # built on first use, then shared: parsing keeps no state in the parser
def _parser() -> MarkdownIt:
    """CommonMark + tables + strikethrough + front matter, recording paired delimiters.

    markdown-it turns each ``*``, ``_`` (one character) or ``~~`` into a text token, pairs
    them, and empties the paired ones. The wrapped rules note where each such token came
    from; :func:`_collect_runs` reads which were paired, before text tokens are merged.
    """
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)
    parser.inline.ruler.at("emphasis", _recording(emphasis.tokenize))
    parser.inline.ruler.at("strikethrough", _recording(strikethrough.tokenize))
    parser.inline.ruler2.before("fragments_join", "lingoflow_runs", _collect_runs)
    return parser


def _recording(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    def recorded(state: StateInline, silent: bool) -> bool:
        # The first push also flushes pending plain text as a token of its own: skip it.
        before, at = len(state.tokens) + bool(state.pending), state.pos
        found = rule(state, silent)
        if found and not silent:
            for token in state.tokens[before:]:
                token.meta[_AT] = (at, len(token.content))
                at += len(token.content)
        return found

    return recorded


def _collect_runs(state: StateInline) -> None:
    """Store the runs of paired delimiters of ``state.src`` in the parse's env."""
    spans = sorted(
        (*token.meta[_AT], token.nesting)
        for token in state.tokens
        if _AT in token.meta and token.content == ""  # paired: emptied by emphasis rules
    )
    runs: list[_Run] = []
    for start, length, nesting in spans:
        last = runs[-1] if runs else None
        if last and last.end == start and state.src[last.start] == state.src[start]:
            merged = (
                last.nesting if nesting in (0, last.nesting) else 0 if last.nesting else nesting
            )
            runs[-1] = _Run(last.start, start + length, merged)
        else:
            runs.append(_Run(start, start + length, nesting))
    state.env.setdefault(_RUNS, {})[state.src] = runs


def _tagged(source: str, runs: list[_Run]) -> tuple[str, bool]:
    """Return ``source`` with each delimiter run as a ``<md-…>`` tag, and if any was."""
    if not runs or "<md-" in source.lower():
        return source, False
    parts: list[str] = []
    cursor = 0
    for run in runs:
        name = "md-" + "".join(_TAG_LETTER[char] for char in source[run.start : run.end])
        tag = {1: f"<{name}>", -1: f"</{name}>"}.get(run.nesting, f"<{name}/>")
        parts += [source[cursor : run.start], tag]
        cursor = run.end
    parts.append(source[cursor:])
    return "".join(parts), True


def _untag(translation: str) -> str:
    """Turn the ``<md-…>`` tags of a translation back into their delimiters.

    Models often put a space inside a pair (``<md-s> word </md-s>``), which Markdown does not
    read as emphasis; such spaces are moved outside the delimiters.
    """
    text = _SPACE_AFTER_OPEN.sub(r"\2\1", translation)
    text = _SPACE_BEFORE_CLOSE.sub(r"\2\1", text)
    return _EMPHASIS_TAG.sub(lambda m: "".join(_TAG_CHAR[c] for c in m.group(2)), text)


# --- Front matter ---------------------------------------------------------------------------


def _front_matter_units(
    tokens: list[Token], lines: _Lines, keys: tuple[str, ...]
) -> Iterator[tuple[Unit, _Slot]]:
    """Yield a unit for each configured top-level key with a one-line string value."""
    if not tokens or tokens[0].type != "front_matter" or not tokens[0].map:
        return
    start, end = tokens[0].map
    for line in range(start + 1, min(end, len(lines.bodies)) - 1):
        match = _FRONT_MATTER_ENTRY.fullmatch(lines.bodies[line])
        if not match or match["key"] not in keys:
            continue
        raw = _strip_comment(match["value"])
        value = _yaml_value(raw)
        if value is None:
            continue
        at = lines.starts[line] + match.start("value")
        style = raw[0] if raw[0] in "'\"" else ""
        unit = Unit(f"front-matter/{match['key']}", value, f"front matter: {match['key']}")
        yield unit, _Slot(Span(at, at + len(raw)), "yaml", style=style)


def _strip_comment(raw: str) -> str:
    """The scalar at the start of ``raw``, without a trailing ``# comment``."""
    quoted = _QUOTED.match(raw)
    if quoted:
        return quoted.group()
    return re.split(r"[ \t]#", raw, maxsplit=1)[0].rstrip()


def _yaml_value(raw: str) -> str | None:
    """Decode a one-line YAML scalar; None for anything that is not a non-empty string."""
    if not raw or raw[0] in "|>&*![{#":
        return None
    try:
        value = YAML(typ="safe", pure=True).load(f"v: {raw}\n")
    except YAMLError:
        return None
    text = value.get("v") if isinstance(value, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def _yaml_scalar(text: str, style: str) -> str:
    """Encode ``text`` as a one-line YAML scalar, in ``style`` when it can hold it."""
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style == "" and _SAFE_PLAIN.fullmatch(text) and _yaml_value(text) == text:
        return text  # plain, and not read back as a number, boolean or date
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars
