"""XLIFF 1.2 (``trans-unit``) and 2.x (``unit/segment``) bilingual files.

Unit model: XLIFF 1.2 gives one unit per ``<trans-unit>`` with a ``<source>`` (id = its
``id``); XLIFF 2.x gives one unit per ``<segment>`` (id = the unit's ``id``, plus ``/`` and the
segment's ``id`` or 1-based position when the unit has several segments). With more than one
``<file>`` the ids are prefixed by the 1-based file number (``2:welcome``). Units marked
``translate="no"`` are skipped. The context is ``resname``/``name`` and the ``<note>`` texts.

Inline codes: a ``<source>`` without child nodes is plain text (``markup=False``; entities
decoded, written back escaped). A ``<source>`` with inline codes (1.2 ``<g>``, ``<x/>``,
``<ph>``, ``<bpt>``/``<ept>``; 2.x ``<pc>``, ``<ph/>``, ``<sc/>``/``<ec/>``) is given as its
inner XML exactly as in the file, with ``markup=True`` so the pipeline protects the codes;
the translation is written as XML and must be well-formed, with the same namespace scope.

Writing: the target is filled (created right after ``<source>``, or after ``<seg-source>`` in
1.2, with the same indentation and prefix), its state set to say it needs review —
1.2 ``<target state="needs-review-translation">``, 2.x ``<segment state="translated">`` (2.x
has no review-pending state below ``reviewed``) — and, with ``target``, 1.2
``<file target-language>`` / 2.x ``<xliff trgLang>`` set to the BCP 47 tag.

Invariants: lxml re-serialisation changes bytes (declaration quotes, ``<target></target>``,
character references, CDATA), so the tree is never written. lxml (``resolve_entities=False``,
``no_network=True``, no DTD loading: no XXE, no entity expansion) reads the file, a small tag
scanner finds each element's character span in the original text, and ``write`` splices
only the changed targets and attributes. ``parse(data).write({}) == data``. Malformed XML
raises :class:`~lingoflow.errors.FormatError` with the line; an empty file has no units.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.languages import Language

__all__ = ["STATE_1_2", "STATE_2", "XliffDocument"]

STATE_1_2 = "needs-review-translation"
STATE_2 = "translated"

_TOKENS = re.compile(
    r"""<!--.*?-->
    |<!\[CDATA\[.*?\]\]>
    |<\?.*?\?>
    |<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>
    |</(?P<end>[^\s>]+)\s*>
    |<(?P<start>[^\s/>!?]+)(?:[^>"']|"[^"]*"|'[^']*')*?(?P<empty>/?)>""",
    re.DOTALL | re.VERBOSE,
)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE = re.compile(r"""(\s+)([^\s=/>]+)(\s*=\s*)(?:"[^"]*"|'[^']*')""")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(slots=True)
class _Span:
    """Character positions of one element: its start tag and its end tag."""

    name: str
    open_start: int
    open_end: int
    close_start: int = -1
    close_end: int = -1

    @property
    def empty(self) -> bool:
        return self.close_start == self.open_end and self.close_end == self.open_end


def _scan(text: str) -> list[_Span]:
    """Every element's span, in document order (the order ``iter()`` visits elements)."""
    spans: list[_Span] = []
    stack: list[_Span] = []
    for match in _TOKENS.finditer(text):
        if match.group("start"):
            span = _Span(match.group("start"), match.start(), match.end())
            spans.append(span)
            if match.group("empty"):
                span.close_start = span.close_end = match.end()
            else:
                stack.append(span)
        elif match.group("end") and stack:
            span = stack.pop()
            span.close_start, span.close_end = match.start(), match.end()
    return spans


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if isinstance(e.tag, str) and _local(e) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if isinstance(c.tag, str) and _local(c) == name), None)


def _set_attribute(tag: str, name: str, value: str) -> str:
    """Return start tag ``tag`` with attribute ``name`` set to ``value``."""
    quoted = quoteattr(value)
    for match in _ATTRIBUTE.finditer(tag):
        if match.group(2) == name:
            space, _, equals = match.group(1, 2, 3)
            return f"{tag[: match.start()]}{space}{name}{equals}{quoted}{tag[match.end() :]}"
    cut = len(tag) - 2 if tag.endswith("/>") else len(tag) - 1
    return f"{tag[:cut].rstrip()} {name}={quoted}{tag[cut:]}"


@dataclass(slots=True)
class _Item:
    """One translatable unit: where its source and target are, and how to describe it."""

    id: str
    container: etree._Element  # 1.2 trans-unit, 2.x segment
    source: etree._Element
    target: etree._Element | None
    context: str


class XliffDocument(Document):
    """An XLIFF 1.2 or 2.x file whose trans-units or segments are the units."""

    format_name: ClassVar[str] = "xliff"
    extensions: ClassVar[tuple[str, ...]] = (".xlf", ".xliff")

    def __init__(
        self,
        name: str,
        text: str,
        encoding: str,
        root: etree._Element | None,
        spans: dict[etree._Element, _Span],
    ) -> None:
        self._name = name
        self._text = text
        self._encoding = encoding
        self._root = root
        self._spans = spans
        self._version2 = root is not None and root.get("version", "1.2").startswith("2")
        self._items = list(_find_items(root, self._version2)) if root is not None else []

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse XLIFF safely (no entities, no network); malformed XML raises ``FormatError``."""
        if not data.strip():
            return cls(name, data.decode("latin-1"), "latin-1", None, {})
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as exc:
            raise FormatError(name, f"malformed XML: {exc.msg}", line=exc.lineno) from exc
        if _local(root) != "xliff":
            raise FormatError(name, f"not XLIFF: the root element is <{_local(root)}>", line=1)
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else _encoding(root)
        text = data.decode(encoding)
        return cls(name, text, encoding, root, _map_spans(root, text, name))

    def _content(self, element: etree._Element, raw: bool = False) -> tuple[str, bool]:
        """The element's text: decoded if it has no child nodes (and not ``raw``), else its
        inner XML as is."""
        if len(element) == 0 and not (raw and not self._spans[element].empty):
            return element.text or "", False
        span = self._spans[element]
        return self._text[span.open_end : span.close_start], True

    @property
    def units(self) -> list[Unit]:
        """One unit per trans-unit (1.2) or segment (2.x) with a non-blank source."""
        units = []
        for item in self._items:
            text, markup = self._content(item.source)
            if text.strip():
                units.append(Unit(item.id, text, context=item.context, markup=markup))
        return units

    @property
    def targets(self) -> dict[str, str]:
        """The non-empty targets already in the file, by unit id (same text rules as units)."""
        found = {}
        for item in self._items:
            if item.target is not None:
                markup = self._content(item.source)[1]
                text, _ = self._content(item.target, raw=markup)
                if text:
                    found[item.id] = text
        return found

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Fill the named units' targets, set their state and the target language."""
        edits: list[tuple[int, int, str]] = []
        for item in self._items:
            if item.id in translations:
                edits += self._target_edits(item, translations[item.id])
        if target is not None:
            edits += self._language_edits(target.bcp47)
        return self._apply(edits).encode(self._encoding, errors="xmlcharrefreplace")

    def _apply(self, edits: list[tuple[int, int, str]]) -> str:
        pieces: list[str] = []
        last = 0
        for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
            pieces += [self._text[last:start], replacement]
            last = end
        pieces.append(self._text[last:])
        return "".join(pieces)

    def _open_tag(self, element: etree._Element, name: str, value: str) -> tuple[int, int, str]:
        span = self._spans[element]
        tag = self._text[span.open_start : span.open_end]
        return span.open_start, span.open_end, _set_attribute(tag, name, value)

    def _language_edits(self, code: str) -> list[tuple[int, int, str]]:
        if self._root is None:
            return []
        if self._version2:
            return [self._open_tag(self._root, "trgLang", code)]
        files = _descendants(self._root, "file")
        return [self._open_tag(file, "target-language", code) for file in files]

    def _target_edits(self, item: _Item, translation: str) -> list[tuple[int, int, str]]:
        content = self._render(item, translation)
        markup = self._content(item.source)[1]
        if item.target is not None and self._content(item.target, markup)[0] == translation:
            return []
        edits: list[tuple[int, int, str]] = []
        if self._version2:
            edits.append(self._open_tag(item.container, "state", STATE_2))
        if item.target is None:
            return [*edits, self._new_target(item, content)]
        span = self._spans[item.target]
        tag = self._text[span.open_start : span.open_end]
        if not self._version2:
            tag = _set_attribute(tag, "state", STATE_1_2)
        if span.empty:
            closed = f"{tag[:-2].rstrip()}>{content}</{span.name}>"
            return [*edits, (span.open_start, span.open_end, closed)]
        edits += [(span.open_start, span.open_end, tag), (span.open_end, span.close_start, content)]
        return edits

    def _new_target(self, item: _Item, content: str) -> tuple[int, int, str]:
        """Insert ``<target>`` after the source (or 1.2 seg-source), indented like it."""
        source = self._spans[item.source]
        after = _child(item.container, "seg-source") if not self._version2 else None
        anchor = self._spans[after] if after is not None else source
        line_start = self._text.rfind("\n", 0, source.open_start) + 1
        indent = self._text[line_start : source.open_start]
        newline = "\r\n" if self._text[line_start - 2 : line_start] == "\r\n" else "\n"
        lead = f"{newline}{indent}" if not indent.strip() and line_start else ""
        name = source.name[: -len("source")] + "target"
        state = "" if self._version2 else f' state="{STATE_1_2}"'
        element = f"{lead}<{name}{state}>{content}</{name}>"
        return anchor.close_end, anchor.close_end, element

    def _render(self, item: _Item, translation: str) -> str:
        """The target's inner XML: escaped text, or the checked markup translation."""
        bad = _NOT_XML.search(translation)
        if bad:
            problem = (
                f"the translation of unit {item.id!r} contains U+{ord(bad.group()):04X}, "
                "which XML 1.0 cannot hold; remove it"
            )
            raise FormatError(self._name, problem)
        if not self._content(item.source)[1]:
            return escape(translation, {"\r": "&#13;"})
        declarations = " ".join(
            f"xmlns{':' + prefix if prefix else ''}={quoteattr(uri)}"
            for prefix, uri in item.source.nsmap.items()
        )
        try:
            etree.fromstring(f"<w {declarations}>{translation}</w>", _parser())
        except etree.XMLSyntaxError as exc:
            problem = f"the translation of unit {item.id!r} is not well-formed XML: {exc.msg}"
            raise FormatError(self._name, problem) from exc
        return translation


def _find_items(root: etree._Element, version2: bool) -> Iterator[_Item]:
    """The translatable units of every ``<file>``, ids prefixed when there are several."""
    files = _descendants(root, "file")
    for number, file in enumerate(files, start=1):
        prefix = f"{number}:" if len(files) > 1 else ""
        found = _items_2(file) if version2 else _items_1(file)
        for item in found:
            item.id = prefix + item.id
            yield item


def _items_1(file: etree._Element) -> Iterator[_Item]:
    """XLIFF 1.2: one item per trans-unit with a source."""
    units = _descendants(file, "trans-unit")
    for index, unit in enumerate(units, start=1):
        source = _child(unit, "source")
        if source is None or unit.get("translate") == "no":
            continue
        context = _context(unit, unit.get("resname"))
        uid = unit.get("id") or f"#{index}"
        yield _Item(uid, unit, source, _child(unit, "target"), context)


def _items_2(file: etree._Element) -> Iterator[_Item]:
    """XLIFF 2.x: one item per segment with a source."""
    units = _descendants(file, "unit")
    for index, unit in enumerate(units, start=1):
        if unit.get("translate") == "no":
            continue
        segments = [c for c in unit if isinstance(c.tag, str) and _local(c) == "segment"]
        uid = unit.get("id") or f"#{index}"
        notes = _child(unit, "notes")
        context = _context(notes if notes is not None else unit, unit.get("name"))
        for number, segment in enumerate(segments, start=1):
            source = _child(segment, "source")
            if source is None:
                continue
            sid = uid if len(segments) == 1 else f"{uid}/{segment.get('id') or number}"
            yield _Item(sid, segment, source, _child(segment, "target"), context)


def _encoding(root: etree._Element) -> str:
    declared = root.getroottree().docinfo.encoding
    return declared or "utf-8"


def _context(holder: etree._Element, name: str | None) -> str:
    notes = [
        (c.text or "").strip()
        for c in holder.iter()
        if isinstance(c.tag, str) and _local(c) == "note" and (c.text or "").strip()
    ]
    return "\n".join(part for part in (name, *notes) if part)


def _map_spans(root: etree._Element, text: str, name: str) -> dict[etree._Element, _Span]:
    """Pair lxml's elements with the scanner's spans, checking they agree."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    spans = _scan(text)
    if len(spans) != len(elements) or any(
        _local(e) != s.name.rpartition(":")[2] for e, s in zip(elements, spans, strict=True)
    ):
        raise FormatError(name, "cannot locate the XLIFF elements in the text; is it XLIFF?")
    return dict(zip(elements, spans, strict=True))
