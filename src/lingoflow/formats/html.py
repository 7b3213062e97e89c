"""HTML documents, written back byte-faithfully by splicing translations into the original text.

The file is read with the standard library's forgiving tokenizer (``html.parser``) only to
find the byte ranges of text runs and attribute values; nothing is re-serialised, so entities,
attribute quoting, whitespace and malformed markup come back exactly as they were.

Unit model:

- a *text run* is the content of a block between block-level tags: text, entities and inline
  elements (``<b>``, ``<a>``, ``<code>``, ``<img>``, ``<br>`` …) together, so a ``<p>`` with
  ``<b>`` and ``<a>`` inside is ONE unit whose source keeps the inline tags (``markup=True``);
  its id is ``<element path>/text()[N]`` (the path is XPath-like: ``/html[1]/body[1]/p[2]``);
- the ``alt``, ``title``, ``placeholder`` and ``aria-label`` attribute values are units with
  ids ``<element path>/@<name>``;
- a unit's source is the raw HTML as written, entities included (``Tom &amp; Jerry``), without
  the run's surrounding whitespace; a translation of a ``markup=True`` unit is HTML and is
  inserted as is, one of a plain unit (no tags, entities, ``<`` or ``&``) is text: ``&`` and
  ``<`` are escaped; attribute translations get their quote character escaped;
- an inline tag inside a run that carries a translatable attribute appears in the run's
  source without that attribute (``<a href="/docs">docs</a>``), so translating the run and
  the attribute are independent; writing puts the tag back in full, matching the elided tag
  in the translation (a translation that drops the tag drops its attribute too).

Untouched: ``<script>``, ``<style>``, ``<pre>``, ``<textarea>``, ``<svg>``, ``<math>``,
``<template>`` and any element with ``translate="no"`` or class ``notranslate``, with all their
content and attributes. When such an element is inline inside a sentence (``Run <code>ls</code>
now``), it stays inside the sentence's unit as markup, like Markdown's inline code; a run with
no translatable text outside such elements is no unit.

Encoding: a BOM, else the ``<meta charset>`` (or ``http-equiv`` content type) in the first
1,024 bytes, else UTF-8, else a guess (see :mod:`lingoflow.formats.encoding`). The output keeps
the file's encoding, so its declaration stays true: characters the encoding cannot hold are
written as numeric character references (``&#26085;``), which HTML reads back as the same text.

Invariants: ``parse(data).write({}) == data``; a translation equal to the source writes the
original bytes. The one structural change: when ``write`` gets a ``target``, ``<html lang>``
is set (or added) to the target's BCP-47 tag. Malformed HTML (unclosed or stray tags) is read
best effort: text is never lost because everything outside a unit is copied verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar, Self

from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.formats.text import Span, splice
from lingoflow.languages import Language

__all__ = ["HtmlDocument"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


INLINE = _words(
    "a abbr acronym b bdi bdo big br button cite code data del dfn em font i img input ins"
    " kbd label mark meter output progress q rp rt ruby s samp select small span strike"
    " strong sub sup time tt u var wbr"
)
VOID = _words("area base br col embed hr img input keygen link meta param source track wbr")
SKIPPED = _words("script style pre textarea svg math template code")
ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
# Opening one of these closes an open element of the same group (HTML's implied end tags).
_IMPLIED = {"p": "p", "li": "li", "dt": "d", "dd": "d", "tr": "tr", "td": "t", "th": "t"}
_CLOSES_P = _words(
    "address article aside blockquote details div dl fieldset figcaption figure footer form"
    " h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul"
)
_TAG_NAME = re.compile(r"<[^\s/>]+")
_ATTR = re.compile(
    r"""(?P<name>[^\s/>"'=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s>"'=<`]+)))?"""
)
_UNQUOTED_SAFE = re.compile(r"""[^\s>"'=<`&]+""")
_WHITESPACE = " \t\n\r\f"
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)


# --- Tokens with offsets --------------------------------------------------------------------


@dataclass(slots=True)
class _Event:
    """One token of the file: ``text[start:end]`` is its raw source."""

    kind: str  # start, void, end, data, entity, other
    start: int
    end: int = -1  # -1 until the next token's start is known
    tag: str = ""
    attrs: dict[str, str | None] = field(default_factory=dict)


class _Tokenizer(HTMLParser):
    """Record every token html.parser reports with its offset in the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.events: list[_Event] = []

    def _add(
        self,
        kind: str,
        length: int = -1,
        tag: str = "",
        attrs: list[tuple[str, str | None]] | None = None,
    ) -> None:
        # getpos() is the start of the token being reported: (1-based line, column).
        line, col = self.getpos()
        start = self._line_starts[line - 1] + col
        end = start + length if length >= 0 else -1
        self.events.append(_Event(kind, start, end, tag, dict(attrs or [])))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = "void" if tag in VOID else "start"
        self._add(kind, len(self.get_starttag_text() or ""), tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("void", len(self.get_starttag_text() or ""), tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._add("end", tag=tag)

    def handle_data(self, data: str) -> None:
        self._add("data", len(data))

    def handle_entityref(self, name: str) -> None:
        self._add("entity")

    def handle_charref(self, name: str) -> None:
        self._add("entity")

    def handle_comment(self, data: str) -> None:
        self._add("other")

    def handle_decl(self, decl: str) -> None:
        self._add("other")

    def handle_pi(self, data: str) -> None:
        self._add("other")

    def unknown_decl(self, data: str) -> None:
        self._add("other")


def _tokenize(text: str) -> list[_Event]:
    tokenizer = _Tokenizer(text)
    tokenizer.feed(text)
    tokenizer.close()
    events = tokenizer.events
    for index, event in enumerate(events):
        if event.end < 0:
            event.end = events[index + 1].start if index + 1 < len(events) else len(text)
    return events


# --- Units ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Attribute:
    """An attribute in a start tag: its value's span, its quote, and the whole ``name=value``."""

    name: str
    value: Span
    quote: str  # '"', "'" or "" (unquoted)
    whole: Span  # with the whitespace before the name


@dataclass(frozen=True, slots=True)
class _InlineTag:
    """An inline start tag inside a text run whose translatable attributes are units.

    The run's source shows the tag ``elided``, without those attributes, so that the run's
    text does not change when only the attributes are translated; writing puts them back.
    """

    elided: str
    span: Span
    attributes: tuple[tuple[Unit, _Attribute], ...]


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a unit's text goes: a text run (with its inline tags) or an attribute value."""

    span: Span
    attribute: _Attribute | None = None
    tags: tuple[_InlineTag, ...] = ()
    run: str = ""  # for an attribute inside a run: the run's unit id


@dataclass(slots=True)
class _Element:
    """An open element while walking: where it is and how its content is treated."""

    tag: str
    path: str
    inline: bool
    skipped: bool  # content untouched, not even inside a sentence
    protected: bool  # inline and untouched: its text does not make a sentence translatable


@dataclass(slots=True)
class _Walker:
    """Walk the tokens once, keeping open elements, to collect text runs and attributes."""

    text: str
    stack: list[_Element] = field(default_factory=list)
    children: Counter[str] = field(default_factory=Counter)
    run: list[_Event] = field(default_factory=list)
    run_has_text: bool = False
    run_parent: str = ""
    units: list[Unit] = field(default_factory=list)
    slots: dict[str, _Slot] = field(default_factory=dict)
    inline_attributes: dict[int, list[tuple[Unit, _Attribute]]] = field(default_factory=dict)
    html_tag: _Event | None = None

    @property
    def skipped(self) -> bool:
        return any(e.skipped for e in self.stack)

    def walk(self, events: list[_Event]) -> None:
        for event in events:
            if event.kind in ("start", "void"):
                self.open(event)
            elif event.kind == "end":
                self.close(event)
            elif not self.skipped and (self.run or event.kind != "other"):
                self.add_to_run(event)
        self.flush()

    def open(self, event: _Event) -> None:
        tag, inline = event.tag, event.tag in INLINE
        if tag == "html" and self.html_tag is None:
            self.html_tag = event
        if not inline:
            self.flush()
        implied = _IMPLIED.get(tag)
        top = self.stack[-1].tag if self.stack else ""
        if (implied and _IMPLIED.get(top) == implied) or (top == "p" and tag in _CLOSES_P):
            self.stack.pop()
        parent = self.stack[-1].path if self.stack else ""
        self.children[f"{parent}/{tag}"] += 1
        path = f"{parent}/{tag}[{self.children[f'{parent}/{tag}']}]"
        untouched = self.skipped or _untouched(tag, event.attrs)
        if not untouched:
            self.attribute_units(event, path)
        if inline and not self.skipped:
            self.add_to_run(event)
        if event.kind == "start":
            protected = untouched and inline and not self.skipped
            self.stack.append(_Element(tag, path, inline, untouched and not protected, protected))

    def close(self, event: _Event) -> None:
        tags = [e.tag for e in self.stack]
        if event.tag in INLINE and not self.skipped:
            self.add_to_run(event)
        elif event.tag not in INLINE:
            self.flush()
        if event.tag in tags:
            del self.stack[len(tags) - 1 - tags[::-1].index(event.tag) :]

    def add_to_run(self, event: _Event) -> None:
        if not self.run:
            blocks = [e for e in self.stack if not e.inline]
            self.run_parent = blocks[-1].path if blocks else ""
        self.run.append(event)
        if event.kind in ("data", "entity") and not any(e.protected for e in self.stack):
            self.run_has_text |= bool(self.text[event.start : event.end].strip(_WHITESPACE))

    def add(self, unit: Unit, slot: _Slot) -> None:
        self.units.append(unit)
        self.slots[unit.id] = slot

    def flush(self) -> None:
        """Turn the current run into a unit if it has translatable text."""
        run, has_text = self.run, self.run_has_text
        self.run, self.run_has_text = [], False
        while run and run[-1].kind == "other":
            run.pop()
        if not has_text or not run:
            return
        raw = self.text[run[0].start : run[-1].end]
        start = run[0].start + len(raw) - len(raw.lstrip(_WHITESPACE))
        end = run[-1].end - (len(raw) - len(raw.rstrip(_WHITESPACE)))
        self.children[f"{self.run_parent}/text()"] += 1
        unit_id = f"{self.run_parent}/text()[{self.children[f'{self.run_parent}/text()']}]"
        tags = tuple(self.inline_tag(e, unit_id) for e in run if e.start in self.inline_attributes)
        shifted = [(Span(t.span.start - start, t.span.end - start), t.elided) for t in tags]
        source = splice(self.text[start:end], shifted)
        # A bare "<" or "&" that the tokenizer let through as text is HTML, not plain text.
        markup = any(e.kind != "data" for e in run) or "<" in source or "&" in source
        self.add(Unit(unit_id, source, "text", markup), _Slot(Span(start, end), tags=tags))

    def inline_tag(self, event: _Event, run_id: str) -> _InlineTag:
        """Describe an inline tag with attribute units and tie those units to the run."""
        attributes = self.inline_attributes[event.start]
        for unit, attribute in attributes:
            self.slots[unit.id] = _Slot(attribute.value, attribute, run=run_id)
        removed = [(_shift(a.whole, -event.start), "") for _, a in attributes]
        elided = splice(self.text[event.start : event.end], removed)
        return _InlineTag(elided, Span(event.start, event.end), tuple(attributes))

    def attribute_units(self, event: _Event, path: str) -> None:
        for attribute in _attributes(self.text, event):
            value = self.text[attribute.value.start : attribute.value.end]
            if attribute.name in ATTRIBUTES and value.strip(_WHITESPACE):
                context = f"{event.tag}@{attribute.name}"
                unit = Unit(f"{path}/@{attribute.name}", value, context, "&" in value)
                self.add(unit, _Slot(attribute.value, attribute))
                if event.tag in INLINE:
                    self.inline_attributes.setdefault(event.start, []).append((unit, attribute))


def _shift(span: Span, by: int) -> Span:
    return Span(span.start + by, span.end + by)


def _untouched(tag: str, attrs: Mapping[str, str | None]) -> bool:
    classes = (attrs.get("class") or "").split()
    return (
        tag in SKIPPED
        or (attrs.get("translate") or "").lower() == "no"
        or ("notranslate" in classes)
    )


def _attributes(text: str, event: _Event) -> list[_Attribute]:
    """Find the attributes of a start tag with the spans of their values."""
    name = _TAG_NAME.match(text, event.start, event.end)
    if not name:
        return []
    found = []
    for match in _ATTR.finditer(text, name.end(), event.end):
        for group, quote in (("dq", '"'), ("sq", "'"), ("uq", "")):
            if match.group(group) is not None:
                value = Span(match.start(group), match.end(group))
                lead = match.start()
                while lead > name.end() and text[lead - 1] in _WHITESPACE:
                    lead -= 1
                whole = Span(lead, match.end())
                found.append(_Attribute(match["name"].lower(), value, quote, whole))
    return found


# --- The document ---------------------------------------------------------------------------


class HtmlDocument(Document):
    """An HTML file whose text runs and alt/title/placeholder/aria-label values are units."""

    codec: TextCodec

    format_name: ClassVar[str] = "html"
    extensions: ClassVar[tuple[str, ...]] = (".html", ".htm")

    def __init__(self, text: str, codec: TextCodec, walker: _Walker) -> None:
        self._text = text
        self.codec = codec
        self._units = walker.units
        self._slots = walker.slots
        self._html_tag = walker.html_tag

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse HTML into units; malformed markup is read best effort."""
        meta = _META_CHARSET.search(data[:1024])
        declared = meta.group(1).decode("ascii") if meta else None
        codec = detect_codec(data, name, "an HTML file", declared=declared)
        text = codec.decode(data, name)
        walker = _Walker(text)
        walker.walk(_tokenize(text))
        return cls(text, codec, walker)

    @property
    def units(self) -> list[Unit]:
        """The units in document order (an element's attributes before its content)."""
        return list(self._units)

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with translations spliced in and ``<html lang>`` set to ``target``."""
        changed = {
            unit.id: new
            for unit in self._units
            if (new := translations.get(unit.id, unit.source)) != unit.source
        }
        replacements: list[tuple[Span, str]] = []
        for unit in self._units:
            slot = self._slots[unit.id]
            if slot.run in changed or unit.id not in changed:
                continue  # unchanged, or written as part of its changed run
            if slot.attribute is None:
                new = self._run_text(unit, slot, changed)
            else:
                new = _attribute_text(unit, slot.attribute, changed[unit.id])
            replacements.append((slot.span, new))
        if target is not None and self._html_tag is not None:
            replacements.append(_lang(self._text, self._html_tag, target.bcp47))
        return self.codec.encode_references(splice(self._text, replacements), target)

    def _run_text(self, unit: Unit, slot: _Slot, changed: Mapping[str, str]) -> str:
        """A run's translation with its elided inline tags restored in full."""
        result = changed[unit.id]
        if not unit.markup:
            return result.replace("&", "&amp;").replace("<", "&lt;")
        cursor = 0
        for tag in slot.tags:
            at = result.find(tag.elided, cursor)
            if at < 0:
                continue  # the translation dropped the tag: nothing to put back
            values = [
                (_shift(a.value, -tag.span.start), _attribute_text(u, a, changed[u.id]))
                for u, a in tag.attributes
                if u.id in changed
            ]
            full = splice(self._text[tag.span.start : tag.span.end], values)
            result = result[:at] + full + result[at + len(tag.elided) :]
            cursor = at + len(full)
        return result


def _attribute_text(unit: Unit, attribute: _Attribute, translation: str) -> str:
    """Escape an attribute translation for its quoting (quote it if it was unquoted)."""
    if not unit.markup:
        translation = translation.replace("&", "&amp;")
    if attribute.quote == "" and _UNQUOTED_SAFE.fullmatch(translation):
        return translation
    quote = attribute.quote or '"'
    escaped = translation.replace(quote, "&quot;" if quote == '"' else "&#39;")
    return escaped if attribute.quote else f'"{escaped}"'


def _lang(text: str, html_tag: _Event, tag: str) -> tuple[Span, str]:
    """The edit that sets ``<html lang>`` to ``tag``."""
    for attribute in _attributes(text, html_tag):
        if attribute.name == "lang":
            return attribute.value, tag if attribute.quote else f'"{tag}"'
    at = html_tag.start + len("<html")
    return Span(at, at), f' lang="{tag}"'
