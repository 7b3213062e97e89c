"""TMX 1.4 exchange: stream translation units in from CAT tools and write them back out.

:func:`read_tmx` streams ``<tu>`` elements with lxml's ``iterparse`` (memory stays flat for
files of any size); :func:`write_tmx` writes with lxml's incremental ``xmlfile`` into a
temporary file that replaces the target only once complete; :func:`import_tmx` feeds a file
into a :class:`~lingoflow.storage.TranslationMemory`.

Invariants:

- XXE-safe: the parser never resolves entities, loads no DTD and uses no network. An entity
  reference in a segment is dropped, never expanded.
- Language tags go through :func:`lingoflow.languages.resolve`; units carry Qwen-MT codes.
  A variant whose language lingoflow does not know is *skipped*, and its tag listed in
  :attr:`TmxUnit.unknown_languages` (``import_tmx`` counts them): one exotic column should not
  stop the import of a 100,000-unit memory. Two variants resolving to one language (``en-US``
  and ``en-GB``) keep the first.
- Inline markup: lingoflow's TM holds plain text. The native codes of ``<bpt>``, ``<ept>``,
  ``<ph>``, ``<it>`` and ``<ut>`` are dropped (``keep_codes=True`` keeps their native text,
  e.g. ``<b>``, inline instead); the text inside ``<hi>`` is kept; ``<sub>`` (text belonging
  to a code, such as an alt attribute) goes with its code. Whitespace inside ``<seg>`` is
  kept as written. Export writes plain text segments, so codes do not survive a round trip.
- The source language of a unit is its ``srclang``, else the header's; where that is
  ``*all*`` the first variant is the source (CAT tools write the source first).
- Malformed XML or TMX raises :class:`TmxError` naming the file and line number.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from lingoflow.errors import TmxError, UnknownLanguageError
from lingoflow.languages import resolve
from lingoflow.signature import current_version
from lingoflow.storage.tm import DEFAULT_MEMORY, TmEntry, TranslationMemory, normalize

__all__ = ["TmxError", "TmxImportReport", "TmxUnit", "import_tmx", "read_tmx", "write_tmx"]

ORIGIN = "import:tmx"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})
_DATE = "%Y%m%dT%H%M%SZ"
_ORIGIN_PROP = "x-lingoflow-origin"


@dataclass(frozen=True, slots=True)
class TmxUnit:
    """One ``<tu>``: its text per language (Qwen-MT codes, source first) and metadata."""

    variants: Mapping[str, str]
    source_lang: str
    tuid: str | None = None
    props: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    created: datetime | None = None
    changed: datetime | None = None
    line: int | None = None
    unknown_languages: tuple[str, ...] = ()

    @property
    def source(self) -> str | None:
        """The source text, or None when the unit has no variant in its source language."""
        return self.variants.get(self.source_lang)

    def entries(self, memory: str = DEFAULT_MEMORY, origin: str = ORIGIN) -> list[TmEntry]:
        """Return one TM entry per target language (none without source text)."""
        source = self.source
        if source is None or not source.strip():
            return []
        return [
            TmEntry(
                source=source,
                target=target,
                source_lang=self.source_lang,
                target_lang=lang,
                origin=origin,
                memory=memory,
                created_at=self.created,
                updated_at=self.changed or self.created,
            )
            for lang, target in self.variants.items()
            if lang != self.source_lang and target.strip()
        ]


@dataclass(frozen=True, slots=True)
class TmxImportReport:
    """What :func:`import_tmx` did: units read, entries stored, languages skipped (tag: count)."""

    units: int
    entries: int
    unknown_languages: Mapping[str, int] = field(default_factory=dict)


def _local(tag: Any) -> str:
    """Return an element's tag without namespace ('' for comments, PIs and entities)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _code_text(element: etree._Element) -> str:
    """Return the native code text of an inline code, without its ``<sub>`` flows."""
    parts = [element.text or ""]
    parts += [child.tail or "" for child in element]
    return "".join(parts)


def _flatten(element: etree._Element, keep_codes: bool) -> str:
    """Return the plain text of a ``<seg>`` or ``<hi>`` (see the module's inline rules)."""
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag == "hi":
            parts.append(_flatten(child, keep_codes))
        elif tag in _CODES and keep_codes:
            parts.append(_code_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _date(value: str | None) -> datetime | None:
    """Parse a TMX date (``YYYYMMDDThhmmssZ``); None when absent or malformed."""
    try:
        return datetime.strptime(value or "", _DATE).replace(tzinfo=UTC)
    except ValueError:
        return None


def _language(tuv: etree._Element, path: str | Path) -> str:
    """Return the raw language tag of a ``<tuv>`` (TMX 1.4 ``xml:lang``, 1.1 ``lang``)."""
    tag = tuv.get(_XML_LANG) or tuv.get("lang")
    if not tag:
        raise TmxError(path, tuv.sourceline, "<tuv> without xml:lang")
    return tag


def _variants(
    tu: etree._Element, path: str | Path, keep_codes: bool
) -> tuple[dict[str, str], list[str]]:
    """Return the unit's text by language code and the tags that no language matched."""
    variants: dict[str, str] = {}
    unknown: list[str] = []
    for tuv in tu.iterchildren("tuv"):
        tag = _language(tuv, path)
        seg = tuv.find("seg")
        if seg is None:
            raise TmxError(path, tuv.sourceline, "<tuv> without <seg>")
        try:
            code = resolve(tag).code
        except UnknownLanguageError:
            unknown.append(tag)
            continue
        variants.setdefault(code, _flatten(seg, keep_codes))
    return variants, unknown


def _source_lang(declared: str | None, variants: Mapping[str, str]) -> str | None:
    """Return the unit's source language code: declared, else the first variant's."""
    if declared and declared.lower() != "*all*":
        with contextlib.suppress(UnknownLanguageError):
            return resolve(declared).code
    return next(iter(variants), None)


def _unit(tu: etree._Element, header_srclang: str | None, path: str | Path, keep: bool) -> TmxUnit:
    """Build a :class:`TmxUnit` from a parsed ``<tu>`` element."""
    variants, unknown = _variants(tu, path, keep)
    source_lang = _source_lang(tu.get("srclang") or header_srclang, variants) or ""
    if source_lang in variants:  # source first, as the entries and exports expect
        variants = {source_lang: variants.pop(source_lang), **variants}
    return TmxUnit(
        variants=variants,
        source_lang=source_lang,
        tuid=tu.get("tuid"),
        props=tuple((p.get("type", ""), p.text or "") for p in tu.iterchildren("prop")),
        notes=tuple(n.text or "" for n in tu.iterchildren("note")),
        created=_date(tu.get("creationdate")),
        changed=_date(tu.get("changedate")),
        line=tu.sourceline,
        unknown_languages=tuple(unknown),
    )


def _release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it (keeps iterparse's memory flat)."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _check_root(root: etree._Element | None, path: str | Path) -> None:
    """Raise :class:`TmxError` unless ``root`` is a ``<tmx>`` element."""
    if root is None or root.tag != "tmx":
        line = root.sourceline if root is not None else None
        raise TmxError(path, line, "not a TMX file: the root element is not <tmx>")


def read_tmx(path: str | Path, *, keep_codes: bool = False) -> Iterator[TmxUnit]:
    """Yield the translation units of the TMX file at ``path``, streaming."""
    try:
        # Opened here rather than by lxml, so that the file is closed when a unit is rejected.
        with open(path, "rb") as file:
            yield from _units(file, path, keep_codes)
    except etree.XMLSyntaxError as exc:
        raise TmxError(path, exc.lineno, f"malformed XML: {exc.msg}") from exc
    except OSError as exc:
        raise TmxError(path, None, f"cannot read the file: {exc.strerror or exc}") from exc


def _units(file: BinaryIO, path: str | Path, keep_codes: bool) -> Iterator[TmxUnit]:
    """Parse ``file`` safely and yield its units, freeing each one once it is yielded."""
    events = etree.iterparse(
        file, events=("end",), tag=("header", "tu"), resolve_entities=False,
        no_network=True, load_dtd=False, huge_tree=False, remove_pis=True,
    )  # fmt: skip
    header_srclang: str | None = None
    for _, element in events:
        _check_root(element.getroottree().getroot(), path)
        if element.tag == "header":
            header_srclang = element.get("srclang")
            continue
        yield _unit(element, header_srclang, path, keep_codes)
        _release(element)
    _check_root(events.root, path)


def import_tmx(
    tm: TranslationMemory,
    path: str | Path,
    *,
    memory: str = DEFAULT_MEMORY,
    keep_codes: bool = False,
) -> TmxImportReport:
    """Store every unit of the TMX file in ``memory``; report what was read and skipped."""
    units = 0
    unknown: Counter[str] = Counter()

    def entries() -> Iterator[TmEntry]:
        nonlocal units
        for unit in read_tmx(path, keep_codes=keep_codes):
            units += 1
            unknown.update(unit.unknown_languages)
            yield from unit.entries(memory)

    stored = tm.add_many(entries())
    return TmxImportReport(units, stored, dict(unknown))


def _bcp47(code: str) -> str:
    """Return the BCP-47 tag for a Qwen-MT code (unknown codes pass through)."""
    try:
        return resolve(code).bcp47
    except UnknownLanguageError:
        return code


def _tmx_date(value: datetime | None) -> str | None:
    """Format an aware datetime as a TMX date."""
    return value.astimezone(UTC).strftime(_DATE) if value else None


def _tuv(lang: str, text: str, origin: str | None = None) -> etree._Element:
    """Build a ``<tuv>`` with one plain-text ``<seg>`` (and the entry's origin as a prop)."""
    tuv = etree.Element("tuv", {_XML_LANG: _bcp47(lang)})
    if origin:
        etree.SubElement(tuv, "prop", type=_ORIGIN_PROP).text = origin
    etree.SubElement(tuv, "seg").text = text
    return tuv


def _tu(group: list[TmEntry], header_lang: str) -> etree._Element:
    """Build one ``<tu>`` from entries sharing a source text and language."""
    first = group[0]
    tu = etree.Element("tu")
    if first.source_lang != header_lang:
        tu.set("srclang", _bcp47(first.source_lang))
    dates = {
        "creationdate": _tmx_date(min((e.created_at for e in group if e.created_at), default=None)),
        "changedate": _tmx_date(max((e.updated_at for e in group if e.updated_at), default=None)),
    }
    for name, value in dates.items():
        if value:
            tu.set(name, value)
    tu.append(_tuv(first.source_lang, first.source))
    for entry in group:
        tu.append(_tuv(entry.target_lang, entry.target, entry.origin))
    return tu


def _groups(entries: Iterable[TmEntry]) -> Iterator[list[TmEntry]]:
    """Group consecutive entries with the same source language and normalised source."""
    group: list[TmEntry] = []
    for entry in entries:
        if group and (entry.source_lang, normalize(entry.source)) != (
            group[0].source_lang,
            normalize(group[0].source),
        ):
            yield group
            group = []
        group.append(entry)
    if group:
        yield group


def _header(srclang: str) -> etree._Element:
    """Build the TMX header lingoflow writes."""
    attributes = {
        "creationtool": "lingoflow",
        "creationtoolversion": current_version(),
        "segtype": "sentence",
        "o-tmf": "lingoflow",
        "adminlang": "en",
        "srclang": _bcp47(srclang),
        "datatype": "plaintext",
        "creationdate": _tmx_date(datetime.now(UTC)) or "",
    }
    return etree.Element("header", attributes)


def _atomic(path: Path, write: Callable[[Any], None]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it into place."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_tmx(path: str | Path, entries: Iterable[TmEntry], srclang: str) -> int:
    """Write ``entries`` as TMX 1.4 to ``path`` atomically; return the units written.

    Consecutive entries sharing a source become one multilingual unit, as
    :meth:`TranslationMemory.iter_entries` orders them.
    """
    units = 0

    def write(file: Any) -> None:
        nonlocal units
        with etree.xmlfile(file, encoding="UTF-8") as xf:
            xf.write_declaration()
            xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
            with xf.element("tmx", version="1.4"):
                xf.write("\n", _header(srclang), "\n")
                with xf.element("body"):
                    for group in _groups(entries):
                        xf.write("\n", _tu(group, srclang))
                        units += 1
                    xf.write("\n")
                xf.write("\n")

    _atomic(Path(path), write)
    return units
