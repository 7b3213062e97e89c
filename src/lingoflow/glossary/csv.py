"""CSV and TSV glossaries: one row per term, the header row says what each column holds.

Columns are found by their header (case and spaces/hyphens ignored, order free):

Directional forms — one source term and its target(s) per row:

- ``source,target``: the languages come from ``source_lang``/``target_lang`` columns on each
  row, or else from the caller (``load_glossary(path, "en", "es")``).
- ``source:en,target:es`` (or ``source:English``, ``target:es-ES``): languages in the header.
  Several ``target:xx`` columns give one pair per target: ``source:en,target:es,target:de``.

Concept-oriented form — one concept per row, usable in any direction between its languages:

- ``en,es,de`` (codes, names or BCP-47 tags, at least two). Every column that is not a field
  below must name a language; note that ``id`` is Indonesian, so prefix columns to ignore
  with ``#`` (``#id``).

Optional field columns in every form: ``note`` (or ``notes``, ``comment``),
``case_sensitive``, ``do_not_translate`` (or ``dnt``); flags read ``true/false``, ``yes/no``,
``1/0``, ``x`` or empty (false). A ``do_not_translate`` row keeps the source term as the
target; its target cell may be left empty. In the directional forms, unknown columns are
ignored with a warning; ``#`` columns are always ignored silently.

The delimiter is a tab for ``.tsv``; for ``.csv`` it is whichever of ``, ; TAB |`` the
header line holds most (Excel writes ``;`` in many locales). Blank rows are skipped; a row
with more cells than the header is an error naming its line (usually an unquoted delimiter);
fewer cells are read as empty. Written files are UTF-8 without BOM, ``\\r\\n`` line ends,
header ``source:xx,target:yy,note,case_sensitive,do_not_translate`` for one pair, or
``source_lang,target_lang,source,target,...`` for several.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lingoflow.glossary.formats import (
    Concept,
    GlossaryDocument,
    GlossaryFormat,
    GlossaryFormatError,
    GlossaryWarning,
    TermForm,
    clean_term,
    entry_pairs,
    language_code,
    parse_flag,
)
from lingoflow.types import GlossaryEntry

__all__ = ["dump", "parse"]

_FIELDS = {
    "note": "note",
    "notes": "note",
    "comment": "note",
    "case_sensitive": "case_sensitive",
    "do_not_translate": "do_not_translate",
    "dnt": "do_not_translate",
    "source_lang": "source_lang",
    "target_lang": "target_lang",
}
_DELIMITERS = (",", ";", "\t", "|")
_FLAGS = ("case_sensitive", "do_not_translate")


@dataclass
class _Layout:
    """Where each kind of column is; ``sources``/``targets`` hold (column, language)."""

    concept: bool = False
    sources: list[tuple[int, str | None]] = field(default_factory=list)
    targets: list[tuple[int, str | None]] = field(default_factory=list)
    fields: dict[str, int] = field(default_factory=dict)
    width: int = 0


def _key(header: str) -> str:
    """Return the normalised form of a header cell."""
    return "_".join(header.strip().casefold().replace("-", " ").split())


def _choose_delimiter(text: str) -> str:
    """Return the candidate delimiter found most often in the first non-blank line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(text: str, delimiter: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) for each non-blank row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise GlossaryFormatError(f"malformed CSV: {exc}", name=name, line=line) from exc
        if any(cell.strip() for cell in row):
            yield line, row


def _term_column(key: str, header: str, name: str) -> tuple[str, str | None] | None:
    """Return (role, language) for a source/target header cell, else None."""
    role, _, label = key.partition(":")
    if role not in ("source", "target"):
        return None
    if not label:
        return role, None
    return role, language_code(header.split(":", 1)[1].strip(), name=name, line=1)


def _add_field(layout: _Layout, key: str, column: int, name: str) -> None:
    """Record a field column; a field named twice is an error."""
    canonical = _FIELDS[key]
    if canonical in layout.fields:
        raise GlossaryFormatError(f"column {canonical!r} appears twice", name=name, line=1)
    layout.fields[canonical] = column


def _layout(header: Sequence[str], name: str) -> tuple[_Layout, list[GlossaryWarning]]:
    """Classify the header cells (see the module docstring)."""
    layout = _Layout(width=len(header))
    rest: list[tuple[int, str]] = []
    for column, cell in enumerate(header):
        key = _key(cell)
        if not key or key.startswith("#"):
            continue
        if key in _FIELDS:
            _add_field(layout, key, column, name)
        elif (term := _term_column(key, cell, name)) is not None:
            role, lang = term
            (layout.sources if role == "source" else layout.targets).append((column, lang))
        else:
            rest.append((column, cell))
    if layout.sources or layout.targets:
        _check_directional(layout, name)
        return layout, [GlossaryWarning(f"ignored column {cell!r}", 1) for _, cell in rest]
    _concept_columns(layout, rest, name)
    return layout, []


def _check_directional(layout: _Layout, name: str) -> None:
    """Require one source column and target columns that can be told apart."""
    if len(layout.sources) != 1 or not layout.targets:
        raise GlossaryFormatError(
            "the header needs one source column and at least one target column "
            "(source,target or source:en,target:es)",
            name=name,
            line=1,
        )
    if len(layout.targets) > 1 and any(lang is None for _, lang in layout.targets):
        raise GlossaryFormatError(
            "several target columns need their languages: target:es,target:de",
            name=name,
            line=1,
        )


def _concept_columns(layout: _Layout, cells: Sequence[tuple[int, str]], name: str) -> None:
    """Resolve every remaining header cell as a language column."""
    layout.concept = True
    seen: set[str] = set()
    for column, cell in cells:
        lang = language_code(cell.strip(), name=name, line=1)
        if lang in seen:
            raise GlossaryFormatError(f"language {lang!r} has two columns", name=name, line=1)
        seen.add(lang)
        layout.sources.append((column, lang))
    if len(layout.sources) < 2:
        raise GlossaryFormatError(
            "no term columns: name them source,target or source:en,target:es, or one "
            "column per language (en,es); prefix columns to ignore with '#'",
            name=name,
            line=1,
        )


@dataclass(frozen=True, slots=True)
class _RowContext:
    """What every row of one file shares while being read."""

    name: str
    layout: _Layout
    defaults: tuple[str | None, str | None]


def _cell(row: Sequence[str], column: int | None) -> str:
    """Return the cell at ``column``, or '' when the row is short or there is no column."""
    return row[column] if column is not None and column < len(row) else ""


def _row_language(ctx: _RowContext, row: Sequence[str], role: str, line: int) -> str:
    """Return the language of the unlabelled source or target column on this row."""
    cell = _cell(row, ctx.layout.fields.get(f"{role}_lang")).strip()
    if cell:
        return language_code(cell, name=ctx.name, line=line)
    default = ctx.defaults[0 if role == "source" else 1]
    if default is None:
        raise GlossaryFormatError(
            f"no {role} language: label the column ({role}:en), add a {role}_lang column, "
            f"or pass {role}_lang",
            name=ctx.name,
            line=line,
        )
    return default


def _flags(ctx: _RowContext, row: Sequence[str], line: int) -> dict[str, bool]:
    """Return the row's case_sensitive and do_not_translate flags."""
    return {
        flag: parse_flag(
            _cell(row, ctx.layout.fields.get(flag)), field_name=flag, name=ctx.name, line=line
        )
        for flag in _FLAGS
    }


def _concept(ctx: _RowContext, line: int, row: Sequence[str]) -> Concept:
    """Build the concept one row describes."""
    if len(row) > ctx.layout.width:
        raise GlossaryFormatError(
            f"{len(row)} cells but the header has {ctx.layout.width}; quote cells that "
            "contain the delimiter",
            name=ctx.name,
            line=line,
        )
    flags = _flags(ctx, row, line)
    note = clean_term(_cell(row, ctx.layout.fields.get("note")))
    terms: dict[str, tuple[TermForm, ...]] = {}
    for role, columns in (("source", ctx.layout.sources), ("target", ctx.layout.targets)):
        flagged = role == "source" or ctx.layout.concept
        for column, label in columns:
            lang = label or _row_language(ctx, row, role, line)
            text = clean_term(_cell(row, column))
            form = TermForm(
                text,
                line,
                case_sensitive=flagged and flags["case_sensitive"],
                do_not_translate=flagged and flags["do_not_translate"],
            )
            terms[lang] = (form,) if text else ()
    source_lang = None if ctx.layout.concept else next(iter(terms))
    return Concept(line, terms, note=note, source_lang=source_lang)


def parse(
    text: str,
    *,
    name: str,
    tab: bool,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> GlossaryDocument:
    """Parse CSV (``tab=False``) or TSV text into a glossary document."""
    delimiter = "\t" if tab else _choose_delimiter(text)
    rows = _rows(text, delimiter, name)
    header = next(rows, None)
    if header is None:
        raise GlossaryFormatError("the file is empty; it needs a header row", name=name, line=1)
    layout, warnings = _layout(header[1], name)
    ctx = _RowContext(name, layout, (source_lang, target_lang))
    concepts = tuple(_concept(ctx, line, row) for line, row in rows)
    fmt = GlossaryFormat.TSV if tab else GlossaryFormat.CSV
    return GlossaryDocument(name, fmt, concepts, tuple(warnings))


def _flag(value: bool) -> str:
    """Return the cell text of a flag."""
    return "true" if value else "false"


def dump(entries: Sequence[GlossaryEntry], *, tab: bool) -> str:
    """Return ``entries`` as CSV (or TSV) text with a header row."""
    pairs = entry_pairs(entries)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t" if tab else ",", lineterminator="\r\n")
    flags = ["note", "case_sensitive", "do_not_translate"]
    if len(pairs) == 1:
        writer.writerow([f"source:{pairs[0][0]}", f"target:{pairs[0][1]}", *flags])
    else:
        writer.writerow(["source_lang", "target_lang", "source", "target", *flags])
    for e in entries:
        langs = [] if len(pairs) == 1 else [e.source_lang, e.target_lang]
        tail = [e.note, _flag(e.case_sensitive), _flag(e.do_not_translate)]
        writer.writerow([*langs, e.source, e.target, *tail])
    return out.getvalue()
