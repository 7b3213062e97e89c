"""QA of existing bilingual files: read source/target pairs, run the registered checks on each.

Formats, chosen by extension:

- TSV (``.tsv``, ``.tab``): ``source<TAB>target``, one pair per line; blank lines are
  skipped. The first line is a header, and skipped, when its two cells are ``source`` and
  ``target`` (or ``src``/``tgt``) or name the two languages (``en``/``de``, ``English``/
  ``German``). Any other line without exactly one tab raises
  :class:`~lingoflow.errors.FormatError` naming the line. A pair's id is its line number.
- PO (``.po``, ``.pot``): ``msgid``/``msgstr`` by unit id (see
  :mod:`lingoflow.formats.po`); entries without a translation are skipped and counted.
- XLIFF (``.xlf``, ``.xliff``): ``<source>``/``<target>`` by unit id; units without a
  target are skipped and counted.
- TMX (``.tmx``): the variants of the asked pair in each ``<tu>`` (id: its ``tuid``, else
  ``line N``); units with the source but not the target are skipped and counted, units
  without the source are ignored.

:func:`check_file` runs :func:`~lingoflow.qa.run_checks` on each pair (the same checks, and
the same ``only``/``skip`` rules, as translation) and returns a :class:`QaReport`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lingoflow.errors import FormatError, InputError, UnknownLanguageError
from lingoflow.formats.po import PoDocument
from lingoflow.formats.xliff import XliffDocument
from lingoflow.glossary.matcher import TermMatcher
from lingoflow.languages import Language, resolve
from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Severity, run_checks
from lingoflow.tmx import read_tmx
from lingoflow.types import Finding, GlossaryEntry, GlossarySelection

__all__ = [
    "EXTENSIONS",
    "BilingualFile",
    "BilingualPair",
    "PairFindings",
    "QaReport",
    "check_file",
    "read_bilingual",
    "read_pairs",
]

EXTENSIONS = {
    ".tsv": "tsv",
    ".tab": "tsv",
    ".po": "po",
    ".pot": "po",
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".tmx": "tmx",
}
"""The file extensions :func:`read_bilingual` reads, and the format each means."""

_HEADER_WORDS = (frozenset({"source", "src"}), frozenset({"target", "tgt", "translation"}))


@dataclass(frozen=True, slots=True)
class BilingualPair:
    """One source text and its existing translation; ``id`` is the line number or unit id."""

    id: str
    source: str
    target: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class BilingualFile:
    """The pairs of a bilingual file, and how many units had no translation (skipped)."""

    path: Path
    format: str
    source_lang: Language
    target_lang: Language
    pairs: tuple[BilingualPair, ...]
    untranslated: int = 0


@dataclass(frozen=True, slots=True)
class PairFindings:
    """The findings on one pair (only pairs with findings are kept in a report)."""

    pair: BilingualPair
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class QaReport:
    """What :func:`check_file` found: per-pair findings and counts by check and severity."""

    file: BilingualFile
    results: tuple[PairFindings, ...]

    @property
    def checked(self) -> int:
        """Return how many pairs were checked."""
        return len(self.file.pairs)

    @property
    def findings(self) -> list[tuple[BilingualPair, Finding]]:
        """Return every finding with its pair, in file order."""
        return [(r.pair, f) for r in self.results for f in r.findings]

    @property
    def by_check(self) -> dict[str, int]:
        """Return the number of findings per check, most frequent first."""
        return dict(Counter(f.check for _, f in self.findings).most_common())

    @property
    def by_severity(self) -> dict[str, int]:
        """Return the number of findings per severity (every severity, zero included)."""
        counts = Counter(f.severity for _, f in self.findings)
        return {str(s): counts[str(s)] for s in Severity}

    @property
    def has_critical(self) -> bool:
        """Tell whether any finding is critical."""
        return self.by_severity[Severity.CRITICAL] > 0


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(name, "not valid UTF-8; convert it first", line=line) from exc


def _names_language(cell: str, language: Language) -> bool:
    try:
        return resolve(cell) == language
    except UnknownLanguageError:
        return False


def _is_header(cells: Sequence[str], source: Language, target: Language) -> bool:
    first, second = (c.strip().lower() for c in cells)
    if first in _HEADER_WORDS[0] and second in _HEADER_WORDS[1]:
        return True
    return _names_language(first, source) and _names_language(second, target)


def _tsv_pairs(text: str, name: str, source: Language, target: Language) -> list[BilingualPair]:
    pairs: list[BilingualPair] = []
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2:
            raise FormatError(
                name,
                f"expected source<TAB>target (exactly one tab), found {len(cells) - 1} tabs",
                line=number,
            )
        if first and _is_header(cells, source, target):
            first = False
            continue
        first = False
        pairs.append(BilingualPair(str(number), cells[0], cells[1], number))
    return pairs


def _document_pairs(document: PoDocument | XliffDocument) -> tuple[list[BilingualPair], int]:
    targets = document.targets
    pairs: list[BilingualPair] = []
    missing = 0
    for unit in document.units:
        target = targets.get(unit.id)
        if target is None or not target.strip():
            missing += 1
        else:
            pairs.append(BilingualPair(unit.id, unit.source, target))
    return pairs, missing


def _tmx_pairs(path: Path, source: Language, target: Language) -> tuple[list[BilingualPair], int]:
    pairs: list[BilingualPair] = []
    missing = 0
    for unit in read_tmx(path):
        text = unit.variants.get(source.code)
        if text is None or not text.strip():
            continue
        translation = unit.variants.get(target.code)
        if translation is None or not translation.strip():
            missing += 1
            continue
        ident = unit.tuid or (f"line {unit.line}" if unit.line else str(len(pairs) + 1))
        pairs.append(BilingualPair(ident, text, translation, unit.line))
    return pairs, missing


def read_bilingual(path: str | Path, source: str, target: str) -> BilingualFile:
    """Read the source/target pairs of a TSV, PO, XLIFF or TMX file (see the module)."""
    path = Path(path)
    source_lang, target_lang = resolve(source), resolve(target)
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise FormatError(
            str(path),
            f"unsupported file type {path.suffix or '(no extension)'!r}; "
            f"QA reads {', '.join(sorted(EXTENSIONS))}",
        )
    missing = 0
    if fmt == "tmx":
        pairs, missing = _tmx_pairs(path, source_lang, target_lang)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        if fmt == "tsv":
            pairs = _tsv_pairs(_decode(data, str(path)), str(path), source_lang, target_lang)
        elif fmt == "po":
            pairs, missing = _document_pairs(PoDocument.parse(data, name=str(path)))
        else:
            pairs, missing = _document_pairs(XliffDocument.parse(data, name=str(path)))
    return BilingualFile(path, fmt, source_lang, target_lang, tuple(pairs), missing)


def read_pairs(path: str | Path, source: str, target: str) -> list[BilingualPair]:
    """Return the translated source/target pairs of a bilingual file, in file order."""
    return list(read_bilingual(path, source, target).pairs)


def _entries(glossary: GlossarySelection | Iterable[GlossaryEntry] | None) -> list[GlossaryEntry]:
    if glossary is None:
        return []
    if isinstance(glossary, GlossarySelection):
        return list(glossary.entries)
    return list(glossary)


def check_file(
    path: str | Path,
    source: str,
    target: str,
    *,
    glossary: GlossarySelection | Iterable[GlossaryEntry] | None = None,
    only: Collection[str] | None = None,
    skip: Collection[str] | None = None,
) -> QaReport:
    """Run the QA checks on every translated pair of a bilingual file.

    ``glossary`` entries of other language pairs are ignored. An unknown check name in
    ``only`` or ``skip`` raises :class:`~lingoflow.errors.ConfigurationError`, even for a file
    with nothing to check.
    """
    bilingual = read_bilingual(path, source, target)
    src, tgt = bilingual.source_lang, bilingual.target_lang
    # Validates the check names before any work (a blank input runs almost nothing).
    run_checks(CheckInput("", "", src, tgt), only=only, skip=skip)
    pair_entries = [
        e for e in _entries(glossary) if (e.source_lang, e.target_lang) == (src.code, tgt.code)
    ]
    matcher = TermMatcher(pair_entries) if pair_entries else None
    results: list[PairFindings] = []
    for pair in bilingual.pairs:
        terms = matcher.match(pair.source) if matcher else ()
        item = CheckInput(pair.source, pair.target, src, tgt, glossary=terms)
        findings = run_checks(item, only=only, skip=skip)
        if findings:
            results.append(PairFindings(pair, tuple(findings)))
    return QaReport(bilingual, tuple(results))
