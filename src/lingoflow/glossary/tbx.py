"""TBX glossaries (ISO 30042): TBX v2 ``martif`` and TBX v3 ``tbx``, read and written.

Reading accepts both generations, with or without the v3 namespace, element names matched by
local name:

- v2 (TBX-Basic, Microsoft Terminology exports): ``martif/text/body/termEntry/langSet[@xml:lang]``
  → ``tig/term`` or ``ntig/termGrp/term``;
- v3 (TBX-Basic DCA): ``tbx/text/body/conceptEntry/langSec[@xml:lang]`` → ``termSec/term``.

Each ``termEntry``/``conceptEntry`` is one concept-oriented concept (usable in any direction
between its languages). ``xml:lang`` may be any tag :func:`lingoflow.languages.resolve`
accepts (``en-US``, ``zh-Hant``). Data categories kept:

- ``note`` and ``descrip type="definition"`` (also inside ``descripGrp``) at the entry level
  become the concept note; at the language or term level, the term's note;
- ``termNote type="administrativeStatus"`` (or ``normativeAuthorization``, or a v3 DCT
  ``administrativeStatus`` element): ``preferred…`` terms become targets before admitted ones;
  ``deprecated``/``superseded``/``forbidden``/``obsolete`` terms are never targets and are
  listed in the entry note as ``avoid: …`` (as sources they still match);
- ``termNote type="translationNote"`` ``no`` marks a do-not-translate term (Weblate's usage);
- ``termNote type="x-caseSensitive"`` ``yes`` marks a case-sensitive term (lingoflow's own).

Parsing is XXE-safe: no DTD loading, no network, no entity expansion; a term holding an
entity reference is an error. Writing produces TBX-Basic v2 (``martif``, the generation most
tools import) or v3 with ``version=3``: one entry per glossary entry, its note at the entry
level, flags as term notes on the source term, languages as BCP-47 tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from lxml import etree

from lingoflow.glossary.formats import (
    Concept,
    GlossaryDocument,
    GlossaryFormat,
    GlossaryFormatError,
    TermForm,
    TermStatus,
    clean_term,
    language_code,
    language_tag,
)
from lingoflow.types import GlossaryEntry

__all__ = ["dump", "parse"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TBX3_NS = "urn:iso:std:iso:30042:ed-2"
_NOTE_DESCRIPS = frozenset({"definition"})
_STATUS_TYPES = frozenset({"administrativeStatus", "normativeAuthorization"})
_AVOID_WORDS = ("deprecated", "superseded", "forbidden", "obsolete", "rejected")


def _parser() -> etree.XMLParser:
    """Return an XML parser that loads no DTD, touches no network and expands no entity."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(element: etree._Element) -> str:
    """Return an element's tag without its namespace ('' for comments and the like)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    """Yield the child elements whose local name is one of ``names``."""
    return (child for child in element if _local(child) in names)


def _text(element: etree._Element, name: str) -> str:
    """Return an element's whole text, rejecting unexpanded entity references."""
    if any(isinstance(node, etree._Entity) for node in element.iter()):
        raise GlossaryFormatError(
            "entity references are not supported in TBX glossaries",
            name=name,
            line=element.sourceline,
        )
    return clean_term("".join(element.itertext()))


def _notes(element: etree._Element, name: str) -> list[str]:
    """Return the notes and definitions directly under ``element`` (and its descripGrp)."""
    notes: list[str] = []
    for child in element:
        local = _local(child)
        if local == "note" or (local == "descrip" and child.get("type") in _NOTE_DESCRIPS):
            notes.append(_text(child, name))
        elif local == "descripGrp":
            notes.extend(_notes(child, name))
    return [n for n in notes if n]


def _status(value: str) -> TermStatus:
    """Return the term status an administrativeStatus value means."""
    folded = value.casefold()
    if any(word in folded for word in _AVOID_WORDS):
        return TermStatus.DEPRECATED
    return TermStatus.PREFERRED if "preferred" in folded else TermStatus.ADMITTED


def _term_group(group: etree._Element) -> etree._Element:
    """Return the element holding a term's ``term`` and ``termNote`` (ntig's termGrp)."""
    return next(_children(group, "termGrp"), group)


def _term_notes(holder: etree._Element, name: str) -> tuple[TermStatus, bool, bool]:
    """Return (status, do_not_translate, case_sensitive) from a term's term notes."""
    status, dnt, case = TermStatus.ADMITTED, False, False
    for note in _children(holder, "termNote", "administrativeStatus"):
        kind = note.get("type") or _local(note)
        value = _text(note, name).casefold()
        if kind in _STATUS_TYPES:
            status = _status(value)
        elif kind == "translationNote":
            dnt = value in ("no", "false")
        elif kind == "x-caseSensitive":
            case = value in ("yes", "true")
    return status, dnt, case


def _form(group: etree._Element, lang_notes: Sequence[str], name: str) -> TermForm | None:
    """Return the term of one tig/ntig/termSec, or None when it is empty."""
    holder = _term_group(group)
    term = next(_children(holder, "term"), None)
    if term is None or not (text := _text(term, name)):
        return None
    status, dnt, case = _term_notes(holder, name)
    notes = [*lang_notes, *_notes(group, name)]
    if holder is not group:
        notes += _notes(holder, name)
    return TermForm(
        text,
        term.sourceline or 0,
        status=status,
        note="; ".join(dict.fromkeys(notes)),
        case_sensitive=case,
        do_not_translate=dnt,
    )


def _language(section: etree._Element, name: str) -> str:
    """Return the Qwen-MT code of a langSet/langSec's ``xml:lang``."""
    tag = section.get(_XML_LANG)
    if not tag:
        raise GlossaryFormatError(
            f"<{_local(section)}> has no xml:lang", name=name, line=section.sourceline
        )
    return language_code(tag, name=name, line=section.sourceline)


def _concept(entry: etree._Element, name: str) -> Concept:
    """Build the concept of one termEntry/conceptEntry."""
    terms: dict[str, tuple[TermForm, ...]] = {}
    for section in _children(entry, "langSet", "langSec"):
        lang = _language(section, name)
        lang_notes = _notes(section, name)
        groups = _children(section, "tig", "ntig", "termSec")
        forms = (_form(group, lang_notes, name) for group in groups)
        terms[lang] = terms.get(lang, ()) + tuple(f for f in forms if f is not None)
    note = "; ".join(dict.fromkeys(_notes(entry, name)))
    return Concept(entry.sourceline or 0, terms, note=note)


def _root(data: bytes, name: str) -> etree._Element:
    """Parse ``data`` and return its TBX root element, or a located error."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise GlossaryFormatError(
            f"not well-formed XML: {exc.msg}", name=name, line=exc.lineno
        ) from exc
    if _local(root) not in ("martif", "tbx"):
        raise GlossaryFormatError(
            f"not a TBX file: the root is <{_local(root)}>, not <martif> (TBX v2) or <tbx> (v3)",
            name=name,
            line=root.sourceline,
        )
    return root


def parse(data: bytes, *, name: str) -> GlossaryDocument:
    """Parse TBX bytes (v2 or v3) into a glossary document."""
    root = _root(data, name)
    entries = root.iter("{*}termEntry", "{*}conceptEntry")
    concepts = tuple(_concept(entry, name) for entry in entries)
    return GlossaryDocument(name, GlossaryFormat.TBX, concepts)


# --- writing -------------------------------------------------------------------------------

_V2 = {"entry": "termEntry", "lang": "langSet", "term": "tig", "header": "martifHeader"}
_V3 = {"entry": "conceptEntry", "lang": "langSec", "term": "termSec", "header": "tbxHeader"}


def _sub(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    """Append a child element in the parent's namespace and return it."""
    namespace = etree.QName(parent).namespace
    child = etree.SubElement(parent, f"{{{namespace}}}{tag}" if namespace else tag, attrs)
    if text:
        child.text = text
    return child


def _header(root: etree._Element, names: dict[str, str]) -> None:
    """Append the minimal TBX header (file description)."""
    desc = _sub(_sub(_sub(root, names["header"]), "fileDesc"), "sourceDesc")
    _sub(desc, "p", "Exported by lingoflow")


def _term(section: etree._Element, tag: str, text: str, flags: Iterable[tuple[str, str]]) -> None:
    """Append a term group holding ``text`` and its term notes."""
    group = _sub(section, tag)
    _sub(group, "term", text)
    for kind, value in flags:
        _sub(group, "termNote", value, type=kind)


def _entry_element(
    body: etree._Element, entry: GlossaryEntry, n: int, names: dict[str, str]
) -> None:
    """Append one entry as a concept with a source and a target language section."""
    concept = _sub(body, names["entry"], id=f"e{n}")
    if entry.note:
        _sub(concept, "note", entry.note)
    flags = [("x-caseSensitive", "yes")] if entry.case_sensitive else []
    flags += [("translationNote", "no")] if entry.do_not_translate else []
    for lang, text, term_flags in (
        (entry.source_lang, entry.source, flags),
        (entry.target_lang, entry.target, []),
    ):
        section = _sub(concept, names["lang"], **{_XML_LANG: language_tag(lang)})
        _term(section, names["term"], text, term_flags)


def dump(entries: Sequence[GlossaryEntry], *, version: Literal[2, 3] = 2) -> bytes:
    """Return ``entries`` as a TBX-Basic document (v2 ``martif`` or v3 ``tbx``)."""
    names = _V2 if version == 2 else _V3
    lang = language_tag(entries[0].source_lang) if entries else "en"
    if version == 2:
        root = etree.Element("martif")
    else:
        root = etree.Element(f"{{{_TBX3_NS}}}tbx", nsmap={None: _TBX3_NS})
        root.set("style", "dca")
    root.set("type", "TBX-Basic")
    root.set(_XML_LANG, lang)
    _header(root, names)
    body = _sub(_sub(root, "text"), "body")
    for n, entry in enumerate(entries, start=1):
        _entry_element(body, entry, n, names)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
