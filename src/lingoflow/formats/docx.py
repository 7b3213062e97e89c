"""Word documents (.docx): each paragraph with text is one unit; run formatting becomes tags.

Unit model: every ``w:p`` with text in the main document and in each header/footer part (body
paragraphs, table cells, nested tables, text boxes) is a unit with id ``"<part>/<n>"``:
``part`` is ``body``, ``header1``, ``footer2`` …, ``n`` the paragraph's position among all
paragraphs of that part (empty ones counted, so ids are stable). Adjacent runs with identical
formatting (``w:rPr``) are merged first. The formatting used for most of the paragraph's text
is the base and stays untagged; every other span is wrapped as ``<rN>…</rN>`` and every
non-text element between text (a field, image, bookmark, footnote mark) is ``<xN/>``. Units
with tags have ``markup=True`` and their text is XML-escaped (``&amp;``, ``&lt;``, ``&gt;``).

Invariants:

- ``write({})`` returns the original bytes (a zip re-save can never be byte-identical). With
  translations, python-docx re-saves the package; each translated paragraph gets new runs
  carrying the original ``w:rPr`` of its tags, and its ``<xN/>`` elements back in place
  (any the translation dropped are appended, so images and fields are never lost). Other
  paragraphs, paragraph properties and everything outside the paragraphs stay as they were.
- A translation whose tags cannot be read is written best effort: tags stripped, all text
  in the base formatting, ``<xN/>`` elements kept.
- Limits: hyperlink, tracked-change and content-control text is kept as ``<xN/>``
  (untranslated, never lost); the paragraph's leading and trailing non-text elements stay
  outside the unit.
- Unreadable input raises :class:`~lingoflow.errors.FormatError`.
"""

from __future__ import annotations

import copy
import html
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Self

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.languages import Language

__all__ = ["DocxDocument"]

_TEXT_CHILDREN = {qn("w:rPr"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")}
_PART_NAME = re.compile(r"^/word/(document|header\d*|footer\d*)\.xml$")
_TOKEN = re.compile(r"<r(\d+)>(.*?)</r\1>|<x(\d+)/>|([^<]+)", re.DOTALL)


@dataclass(slots=True)
class _Span:
    rpr: etree._Element | None
    key: bytes
    text: str = ""


@dataclass(slots=True)
class _Paragraph:
    """A paragraph's content between its first and last text run."""

    element: etree._Element
    middle: list[etree._Element]
    pieces: list[_Span | etree._Element] = field(default_factory=list)
    base: bytes = b""


def _open(data: bytes, name: str) -> docx.document.Document:
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormatError(name, f"not a readable .docx document ({exc})") from exc


def _parts(document: docx.document.Document) -> Iterator[tuple[str, etree._Element]]:
    parts = [p for p in document.part.package.iter_parts() if isinstance(p, XmlPart)]
    for part in sorted(parts, key=lambda p: (p.partname != "/word/document.xml", p.partname)):
        match = _PART_NAME.match(part.partname)
        if match:
            label = "body" if match.group(1) == "document" else match.group(1)
            yield label, part.element


def _is_text_run(element: etree._Element) -> bool:
    if element.tag != qn("w:r"):
        return False
    return all(child.tag in _TEXT_CHILDREN for child in element) and all(
        child.get(qn("w:type")) in (None, "textWrapping") for child in element.iter(qn("w:br"))
    )


def _run_text(run: etree._Element) -> str:
    out = []
    for child in run:
        if child.tag == qn("w:t"):
            out.append(child.text or "")
        elif child.tag == qn("w:tab"):
            out.append("\t")
        elif child.tag in (qn("w:br"), qn("w:cr")):
            out.append("\n")
    return "".join(out)


def _spans(middle: list[etree._Element]) -> list[_Span | etree._Element]:
    """Merge adjacent text runs with identical formatting; keep other elements as they are."""
    pieces: list[_Span | etree._Element] = []
    for element in middle:
        if not _is_text_run(element):
            pieces.append(element)
            continue
        rpr = element.find(qn("w:rPr"))
        key = b"" if rpr is None else etree.tostring(rpr)
        last = pieces[-1] if pieces else None
        if isinstance(last, _Span) and last.key == key:
            last.text += _run_text(element)
        else:
            pieces.append(_Span(rpr, key, _run_text(element)))
    return pieces


def _analyse(paragraph: etree._Element) -> _Paragraph | None:
    children = [c for c in paragraph if c.tag != qn("w:pPr")]
    runs = [i for i, c in enumerate(children) if _is_text_run(c) and _run_text(c)]
    if not runs:
        return None
    middle = children[runs[0] : runs[-1] + 1]
    found = _Paragraph(paragraph, middle, _spans(middle))
    totals: dict[bytes, int] = {}
    for piece in found.pieces:
        if isinstance(piece, _Span):
            totals[piece.key] = totals.get(piece.key, 0) + len(piece.text)
    found.base = max(totals, key=lambda k: totals[k])
    return found


def _source(paragraph: _Paragraph) -> tuple[str, bool]:
    if len(paragraph.pieces) == 1:
        span = paragraph.pieces[0]
        if isinstance(span, _Span):
            return span.text, False
    out = []
    for index, piece in enumerate(paragraph.pieces, start=1):
        if not isinstance(piece, _Span):
            out.append(f"<x{index}/>")
        elif piece.key == paragraph.base:
            out.append(html.escape(piece.text, quote=False))
        else:
            out.append(f"<r{index}>{html.escape(piece.text, quote=False)}</r{index}>")
    return "".join(out), True


def _new_run(rpr: etree._Element | None, text: str) -> etree._Element:
    run = OxmlElement("w:r")
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        for cell_index, chunk in enumerate(line.split("\t")):
            if cell_index:
                run.append(OxmlElement("w:tab"))
            if chunk:
                t = OxmlElement("w:t")
                t.text = chunk
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run.append(t)
    return run


def _tokens(text: str, markup: bool) -> list[tuple[int | None, str, int | None]]:
    """Split a translation into (span index, text, element index) pieces."""
    if not markup:
        return [(None, text, None)]
    tokens = [(m, m.group()) for m in _TOKEN.finditer(text)]
    if "".join(raw for _, raw in tokens) != text:
        plain = html.unescape(re.sub(r"</?[rx]\d+/?>", "", text))
        return [(None, plain, None)]
    out: list[tuple[int | None, str, int | None]] = []
    for match, _ in tokens:
        if match.group(1):
            out.append((int(match.group(1)), html.unescape(match.group(2)), None))
        elif match.group(3):
            out.append((None, "", int(match.group(3))))
        else:
            out.append((None, html.unescape(match.group(4)), None))
    return out


def _rewrite(paragraph: _Paragraph, text: str, markup: bool) -> None:
    pieces = dict(enumerate(paragraph.pieces, start=1))
    base = next(p.rpr for p in pieces.values() if isinstance(p, _Span) and p.key == paragraph.base)
    new: list[etree._Element] = []
    used: set[int] = set()
    for span, chunk, slot in _tokens(text, markup):
        piece = pieces.get(slot or span or 0)
        if slot is not None and isinstance(piece, etree._Element) and slot not in used:
            new.append(piece)
            used.add(slot)
        elif chunk:
            rpr = piece.rpr if span is not None and isinstance(piece, _Span) else base
            new.append(_new_run(rpr, chunk))
    new += [p for i, p in pieces.items() if not isinstance(p, _Span) and i not in used]
    anchor = paragraph.middle[0]
    for element in new:
        anchor.addprevious(element)
    for element in paragraph.middle:
        if element not in new:
            paragraph.element.remove(element)


def _paragraphs(document: docx.document.Document) -> Iterator[tuple[str, _Paragraph]]:
    for label, root in _parts(document):
        for number, element in enumerate(root.iter(qn("w:p"))):
            found = _analyse(element)
            if found is not None:
                yield f"{label}/{number}", found


class DocxDocument(Document):
    """A Word document whose paragraphs are translated with their run formatting kept."""

    format_name: ClassVar[str] = "docx"
    extensions: ClassVar[tuple[str, ...]] = (".docx",)

    def __init__(self, data: bytes, name: str, units: list[Unit]) -> None:
        self._data = data
        self._name = name
        self._units = units

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse ``data``; raise :class:`FormatError` if it is not a Word document."""
        units = []
        for unit_id, paragraph in _paragraphs(_open(data, name)):
            text, markup = _source(paragraph)
            if text.strip():
                units.append(Unit(unit_id, text, markup=markup))
        return cls(data, name, units)

    @property
    def units(self) -> list[Unit]:
        """The paragraphs with text, part by part, in document order."""
        return list(self._units)

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the original bytes if nothing changes, else the re-saved document."""
        changed = {u.id: u for u in self._units if translations.get(u.id, u.source) != u.source}
        if not changed:
            return self._data
        document = _open(self._data, self._name)
        for unit_id, paragraph in list(_paragraphs(document)):
            if unit_id in changed:
                _rewrite(paragraph, translations[unit_id], changed[unit_id].markup)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
