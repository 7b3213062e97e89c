"""Glossary files: the model every format reads into, and the rules that make it entries.

A reader (:mod:`.csv`, :mod:`.tbx`, :mod:`.yaml`) turns a file into a
:class:`GlossaryDocument`: a list of :class:`Concept` records, each holding the terms of one
meaning per language. :meth:`GlossaryDocument.select` then builds the
:class:`~lingoflow.types.GlossaryEntry` list of one language pair, applying the rules below
once for every format. Writers take entries and return text or bytes. The entry points
(``load_glossary`` ...) are in :mod:`lingoflow.glossary`.

Invariants:

- Languages are Qwen-MT codes (``en``, ``zh_tw``) everywhere after reading; files may use any
  name, code or BCP-47 tag :func:`lingoflow.languages.resolve` accepts (``en-US``,
  ``zh-Hant``). Writers emit BCP-47 tags in TBX and codes in CSV/YAML.
- Term text is NFC-normalised with runs of whitespace collapsed to one space and the ends
  stripped, so ``import(export(entries)) == entries`` for such entries.
- A *concept-oriented* concept (TBX, CSV/YAML with one column or key per language) offers every
  ordered pair of its languages; a *directional* one (``source``/``target``) offers only pairs
  from its source language.
- Empty terms are skipped, never an error: ``GlossaryImport.skipped_empty`` counts them and
  one warning per skipped concept names its line.
- Duplicates in one pair are found by source term (case-folded unless ``case_sensitive``). The
  same target twice is kept once, with a warning. Different targets are *conflicts*: by default
  :class:`GlossaryConflictError` lists every one with its lines; ``on_conflict="keep-first"``
  keeps the first and returns one warning per dropped entry instead.
- Reading never guesses an encoding: UTF-8, or UTF-8/16/32 with a BOM, or the ``encoding``
  the caller names; anything else is a :class:`GlossaryFormatError` naming the line.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from lingoflow.errors import (
    GlossaryConflictError,
    GlossaryFormatError,
    GlossaryPairError,
    UnknownLanguageError,
)
from lingoflow.languages import resolve
from lingoflow.types import GlossaryEntry

__all__ = [
    "Concept",
    "Conflict",
    "ConflictPolicy",
    "GlossaryConflictError",
    "GlossaryDocument",
    "GlossaryFormat",
    "GlossaryFormatError",
    "GlossaryImport",
    "GlossaryPairError",
    "GlossaryWarning",
    "TermForm",
    "TermStatus",
]

ConflictPolicy = Literal["error", "keep-first"]
Pair = tuple[str, str]


# --- errors (to move to lingoflow.errors; defined here until then) -------------------------


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two entries of one pair with the same source term and different targets."""

    kept: GlossaryEntry
    kept_line: int
    dropped: GlossaryEntry
    dropped_line: int

    def describe(self) -> str:
        """Return a one-line account of the conflict."""
        return (
            f"{self.kept.source!r} → {self.kept.target!r} (line {self.kept_line}) vs "
            f"{self.dropped.target!r} (line {self.dropped_line})"
        )


# --- the model ---------------------------------------------------------------------------


class GlossaryFormat(StrEnum):
    """A glossary file format."""

    CSV = "csv"
    TSV = "tsv"
    TBX = "tbx"
    YAML = "yaml"


class TermStatus(StrEnum):
    """How a terminology says a term may be used (TBX ``administrativeStatus``)."""

    PREFERRED = "preferred"
    ADMITTED = "admitted"
    DEPRECATED = "deprecated"


@dataclass(frozen=True, slots=True)
class TermForm:
    """One term of a concept in one language, with the line it was read from."""

    text: str
    line: int
    status: TermStatus = TermStatus.ADMITTED
    note: str = ""
    case_sensitive: bool = False
    do_not_translate: bool = False


@dataclass(frozen=True, slots=True)
class Concept:
    """One meaning: its terms per language (a language may have none), and its note.

    ``source_lang`` is set for directional concepts, which offer only pairs from it.
    """

    line: int
    terms: Mapping[str, tuple[TermForm, ...]]
    note: str = ""
    source_lang: str | None = None

    def pairs(self) -> Iterable[Pair]:
        """Yield the ordered language pairs this concept offers."""
        sources = [self.source_lang] if self.source_lang else list(self.terms)
        for source in sources:
            yield from ((source, target) for target in self.terms if target != source)


@dataclass(frozen=True, slots=True)
class GlossaryWarning:
    """Something skipped or dropped while reading, with the line it concerns."""

    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class GlossaryImport:
    """The entries of one language pair read from a glossary, and what was left out."""

    name: str
    source_lang: str
    target_lang: str
    entries: tuple[GlossaryEntry, ...]
    warnings: tuple[GlossaryWarning, ...] = ()
    skipped_empty: int = 0


@dataclass(frozen=True, slots=True)
class GlossaryDocument:
    """A parsed glossary file: its concepts, before a language pair is chosen."""

    name: str
    format: GlossaryFormat
    concepts: tuple[Concept, ...]
    warnings: tuple[GlossaryWarning, ...] = field(default=())

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """Return the ordered language pairs the file has terms for, sorted."""
        return tuple(sorted({pair for c in self.concepts for pair in c.pairs()}))

    def select(
        self, source_lang: str, target_lang: str, *, on_conflict: ConflictPolicy = "error"
    ) -> GlossaryImport:
        """Return the entries for ``source_lang`` → ``target_lang`` (see the module rules)."""
        pair = (resolve(source_lang).code, resolve(target_lang).code)
        if pair not in self.pairs:
            raise GlossaryPairError(name=self.name, requested=pair, available=self.pairs)
        rows: list[tuple[GlossaryEntry, int]] = []
        empty: list[GlossaryWarning] = []
        for concept in self.concepts:
            if pair in set(concept.pairs()):
                found = _concept_entries(concept, *pair)
                rows.extend(found)
                if not found:
                    message = f"skipped: no {pair[0]} or no {pair[1]} term"
                    empty.append(GlossaryWarning(message, concept.line))
        entries, warnings = _deduplicate(rows, on_conflict=on_conflict, name=self.name, pair=pair)
        return GlossaryImport(
            self.name,
            *pair,
            entries,
            (*self.warnings, *empty, *warnings),
            skipped_empty=len(empty),
        )


# --- building entries ---------------------------------------------------------------------


def _target_form(forms: Sequence[TermForm]) -> TermForm | None:
    """Return the preferred usable target term: preferred first, never a deprecated one."""
    usable = [f for f in forms if f.status is not TermStatus.DEPRECATED]
    preferred = [f for f in usable if f.status is TermStatus.PREFERRED]
    candidates = preferred or usable
    return candidates[0] if candidates else None


def _join_notes(*notes: str) -> str:
    """Join the distinct non-empty notes with '; '."""
    return "; ".join(dict.fromkeys(n for n in notes if n))


def _concept_entries(
    concept: Concept, source_lang: str, target_lang: str
) -> list[tuple[GlossaryEntry, int]]:
    """Return (entry, line) for each source term of the pair that has a target."""
    target_forms = concept.terms.get(target_lang, ())
    target = _target_form(target_forms)
    avoid = [f.text for f in target_forms if f.status is TermStatus.DEPRECATED]
    avoid_note = f"avoid: {', '.join(avoid)}" if avoid else ""
    rows: list[tuple[GlossaryEntry, int]] = []
    for form in concept.terms.get(source_lang, ()):
        if form.do_not_translate:
            text, target_note = form.text, ""
        elif target is not None:
            text, target_note = target.text, target.note
        else:
            continue
        note = _join_notes(concept.note, form.note, target_note, avoid_note)
        entry = GlossaryEntry(
            form.text,
            text,
            source_lang,
            target_lang,
            note=note,
            case_sensitive=form.case_sensitive,
            do_not_translate=form.do_not_translate,
        )
        rows.append((entry, form.line))
    return rows


def _source_key(entry: GlossaryEntry) -> tuple[bool, str]:
    """Return the key under which two entries count as the same source term."""
    text = entry.source if entry.case_sensitive else entry.source.casefold()
    return entry.case_sensitive, text


def _deduplicate(
    rows: Sequence[tuple[GlossaryEntry, int]],
    *,
    on_conflict: ConflictPolicy,
    name: str,
    pair: Pair,
) -> tuple[tuple[GlossaryEntry, ...], list[GlossaryWarning]]:
    """Keep the first entry per source term; raise or warn on conflicts (see module)."""
    first: dict[tuple[bool, str], tuple[GlossaryEntry, int]] = {}
    warnings: list[GlossaryWarning] = []
    conflicts: list[Conflict] = []
    for entry, line in rows:
        kept = first.setdefault(_source_key(entry), (entry, line))
        if kept[0] is entry:
            continue
        if kept[0].target == entry.target:
            message = f"duplicate of line {kept[1]} dropped: {entry.source!r}"
            warnings.append(GlossaryWarning(message, line))
            continue
        conflict = Conflict(kept[0], kept[1], entry, line)
        conflicts.append(conflict)
        warnings.append(GlossaryWarning(f"conflict, kept the first: {conflict.describe()}", line))
    if conflicts and on_conflict == "error":
        raise GlossaryConflictError(name=name, pair=pair, conflicts=conflicts)
    return tuple(entry for entry, _ in first.values()), warnings


# --- helpers shared by the readers ---------------------------------------------------------


def clean_term(text: str) -> str:
    """Return ``text`` NFC-normalised, with whitespace runs collapsed and ends stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


def parse_flag(value: str, *, field_name: str, name: str, line: int) -> bool:
    """Return the boolean a cell spells (true/false, yes/no, 1/0, x, empty)."""
    folded = value.strip().casefold()
    if folded in _TRUE or folded in _FALSE:
        return folded in _TRUE
    raise GlossaryFormatError(
        f"{field_name} must be true or false (or yes/no, 1/0), not {value!r}",
        name=name,
        line=line,
    )


def language_code(tag: str, *, name: str, line: int | None) -> str:
    """Return the Qwen-MT code of a language named in a file, or a located error."""
    try:
        return resolve(tag).code
    except UnknownLanguageError as exc:
        raise GlossaryFormatError(str(exc), name=name, line=line) from exc


def language_tag(code: str) -> str:
    """Return the BCP-47 tag of a Qwen-MT language code (``zh_tw`` → ``zh-TW``)."""
    return resolve(code).bcp47


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """Return ``data`` decoded: the named encoding, else by BOM, else strict UTF-8."""
    if encoding is None:
        encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise GlossaryFormatError(f"unknown encoding {encoding!r}", name=name) from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GlossaryFormatError(
            f"not valid {encoding} (byte 0x{data[exc.start]:02x}); save the file as UTF-8 "
            "or pass the encoding it uses (encoding='cp1252', ...)",
            name=name,
            line=line,
        ) from exc


def entry_pairs(entries: Iterable[GlossaryEntry]) -> list[Pair]:
    """Return the distinct language pairs of ``entries`` in first-seen order."""
    return list(dict.fromkeys((e.source_lang, e.target_lang) for e in entries))
