"""Glossaries: read and write glossary files, and match their terms per segment.

Files (CSV/TSV, TBX v2/v3, YAML; each schema is documented in its module,
:mod:`.csv`, :mod:`.tbx`, :mod:`.yaml`) become :class:`~lingoflow.types.GlossaryEntry`
lists for one language pair through :func:`load_glossary` (or :func:`read_glossary`, then
:meth:`GlossaryDocument.select` per pair). :func:`dump_glossary`/:func:`write_glossary` write
entries back, so that loading what was written gives the same entries. The rules every format
shares (languages, empty terms, duplicates, encodings) are in :mod:`.formats`.

:class:`TermMatcher` picks the entries a segment uses (see :mod:`.matcher`) and
:func:`check_terms` reports the ones a translation does not honour.

Format modules are imported on first use, so ``lxml`` and ``ruamel.yaml`` load only when a
TBX or YAML file is read or written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lingoflow.errors import ConfigurationError, InputError
from lingoflow.glossary.formats import (
    ConflictPolicy,
    GlossaryConflictError,
    GlossaryDocument,
    GlossaryFormat,
    GlossaryFormatError,
    GlossaryImport,
    GlossaryPairError,
    GlossaryWarning,
    decode_text,
)
from lingoflow.glossary.matcher import (
    TermFinding,
    TermFindingKind,
    TermMatch,
    TermMatcher,
    check_terms,
)
from lingoflow.languages import resolve
from lingoflow.types import GlossaryEntry, GlossarySelection

if TYPE_CHECKING:
    from lingoflow.storage import Storage

__all__ = [
    "ConflictPolicy",
    "GlossaryConflictError",
    "GlossaryDocument",
    "GlossaryFormat",
    "GlossaryFormatError",
    "GlossaryImport",
    "GlossaryPairError",
    "GlossaryWarning",
    "TermFinding",
    "TermFindingKind",
    "TermMatch",
    "TermMatcher",
    "check_terms",
    "dump_glossary",
    "format_for",
    "load_glossary",
    "open_glossary",
    "parse_glossary",
    "read_glossary",
    "write_glossary",
]

_EXTENSIONS = {
    ".csv": GlossaryFormat.CSV,
    ".tsv": GlossaryFormat.TSV,
    ".tab": GlossaryFormat.TSV,
    ".tbx": GlossaryFormat.TBX,
    ".xml": GlossaryFormat.TBX,
    ".yaml": GlossaryFormat.YAML,
    ".yml": GlossaryFormat.YAML,
}


def format_for(path: str | os.PathLike[str]) -> GlossaryFormat:
    """Return the glossary format a file name's extension implies."""
    suffix = Path(path).suffix.casefold()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputError(
            f"{os.fspath(path)}: cannot tell the glossary format from {suffix or 'no'} "
            f"extension; use one of {known} or pass format="
        ) from None


def _as_format(value: GlossaryFormat | str) -> GlossaryFormat:
    """Return ``value`` as a glossary format, or a configuration error naming the known ones."""
    try:
        return GlossaryFormat(str(value).casefold())
    except ValueError:
        known = ", ".join(f.value for f in GlossaryFormat)
        raise ConfigurationError(f"unknown glossary format {value!r}; use one of {known}") from None


def parse_glossary(
    data: bytes,
    *,
    name: str,
    format: GlossaryFormat | str,
    source_lang: str | None = None,
    target_lang: str | None = None,
    encoding: str | None = None,
) -> GlossaryDocument:
    """Parse glossary bytes; ``source_lang``/``target_lang`` name unlabelled columns."""
    fmt = _as_format(format)
    langs = tuple(resolve(x).code if x else None for x in (source_lang, target_lang))
    if fmt is GlossaryFormat.TBX:
        from lingoflow.glossary import tbx

        return tbx.parse(data, name=name)
    text = decode_text(data, name=name, encoding=encoding)
    if fmt is GlossaryFormat.YAML:
        from lingoflow.glossary import yaml

        return yaml.parse(text, name=name, source_lang=langs[0], target_lang=langs[1])
    from lingoflow.glossary import csv

    tab = fmt is GlossaryFormat.TSV
    return csv.parse(text, name=name, tab=tab, source_lang=langs[0], target_lang=langs[1])


def read_glossary(
    path: str | os.PathLike[str],
    *,
    format: GlossaryFormat | str | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    encoding: str | None = None,
) -> GlossaryDocument:
    """Read a glossary file into a document (all its language pairs)."""
    fmt = _as_format(format) if format else format_for(path)
    name = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read glossary {name}: {exc.strerror}") from exc
    return parse_glossary(
        data,
        name=name,
        format=fmt,
        source_lang=source_lang,
        target_lang=target_lang,
        encoding=encoding,
    )


def load_glossary(
    path: str | os.PathLike[str],
    source_lang: str,
    target_lang: str,
    *,
    format: GlossaryFormat | str | None = None,
    encoding: str | None = None,
    on_conflict: ConflictPolicy = "error",
) -> GlossaryImport:
    """Read a glossary file and return its entries for one language pair."""
    document = read_glossary(
        path, format=format, source_lang=source_lang, target_lang=target_lang, encoding=encoding
    )
    return document.select(source_lang, target_lang, on_conflict=on_conflict)


def dump_glossary(entries: Iterable[GlossaryEntry], format: GlossaryFormat | str) -> bytes:
    """Return ``entries`` serialised in ``format`` (UTF-8)."""
    fmt = _as_format(format)
    items = list(entries)
    if fmt is GlossaryFormat.TBX:
        from lingoflow.glossary import tbx

        return tbx.dump(items)
    if fmt is GlossaryFormat.YAML:
        from lingoflow.glossary import yaml

        return yaml.dump(items).encode("utf-8")
    from lingoflow.glossary import csv

    return csv.dump(items, tab=fmt is GlossaryFormat.TSV).encode("utf-8")


def write_glossary(
    entries: Iterable[GlossaryEntry],
    path: str | os.PathLike[str],
    *,
    format: GlossaryFormat | str | None = None,
) -> None:
    """Write ``entries`` to ``path`` in ``format`` (by default the extension's)."""
    fmt = _as_format(format) if format else format_for(path)
    Path(path).write_bytes(dump_glossary(entries, fmt))


def open_glossary(
    value: str,
    *,
    storage: Storage | None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> GlossarySelection:
    """Return the glossary named ``value`` in ``storage``, or read from the file ``value``.

    A file's version tag is a hash of its content, so editing it changes every signature;
    ``source_lang``/``target_lang`` fill in languages a two-column file does not name.
    """
    path = Path(value)
    if path.is_file():
        document = read_glossary(path, source_lang=source_lang, target_lang=target_lang)
        entries = [e for pair in document.pairs for e in document.select(*pair).entries]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return GlossarySelection(tuple(entries), f"file:{digest}")
    if storage is None:
        raise InputError(f"Glossary {value!r} is not a file and no database is open.")
    version = storage.glossaries.version(value)
    return GlossarySelection(tuple(storage.glossaries.entries(value)), f"{value}@{version}")
