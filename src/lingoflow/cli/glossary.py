"""``lingoflow glossary``: import glossary files into the database, list, export, delete them.

An import reads the file once per target language (:func:`lingoflow.glossary.load_glossary`)
and stores the entries of every pair in one change, so the glossary's version rises by one
per import whatever the number of pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import console, err_console, open_storage, print_json, settings, writing
from lingoflow.errors import GlossaryConflictError, InputError
from lingoflow.glossary import GlossaryFormat, GlossaryImport, load_glossary, write_glossary
from lingoflow.languages import resolve

if TYPE_CHECKING:  # SQLAlchemy loads only for commands that store things
    from lingoflow.storage import GlossaryInfo, PairCount

__all__ = ["register"]

MAX_WARNINGS = 10
"""Warnings printed after an import; ``--json`` lists them all."""

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: the configured one, else SQLite in home)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
Format = Annotated[
    GlossaryFormat | None,
    typer.Option("--format", case_sensitive=False, help="File format (default: by extension)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``glossary`` command group to ``app``."""
    group = typer.Typer(help="Store, list, export and delete glossaries.", no_args_is_help=True)
    group.command("import")(import_command)
    group.command("list")(list_command)
    group.command("export")(export_command)
    group.command("delete")(delete_command)
    app.add_typer(group, name="glossary")


def import_command(
    file: Annotated[Path, typer.Argument(help="Glossary file: .csv, .tsv, .tbx or .yaml.")],
    name: Annotated[str, typer.Option("--name", "-n", help="Name to store the glossary under.")],
    source: Annotated[str, typer.Option("--from", "-f", help="Source language.")],
    to: Annotated[
        str, typer.Option("--to", "-t", help="Target language(s), comma-separated: one pair each.")
    ],
    fmt: Format = None,
    replace: Annotated[
        bool, typer.Option("--replace/--add", help="Replace the stored entries, or add to them.")
    ] = True,
    keep_first: Annotated[
        bool, typer.Option("--keep-first", help="Keep the first of conflicting targets.")
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="The file's encoding if not UTF-8: cp1252.")
    ] = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Import the terms of FILE for one or more language pairs into glossary NAME."""
    loaded = [_load(file, source, t, fmt, encoding, keep_first) for t in _targets(to)]
    entries = [entry for part in loaded for entry in part.entries]
    if not entries:
        raise InputError(f"{file}: no terms for {_pairs_text(loaded)}; nothing was stored.")
    with open_storage(settings(), db) as storage:
        store = storage.glossaries
        version = (store.replace if replace else store.add)(name, entries)
    report = _import_report(name, version, replace, loaded)
    if as_json:
        print_json(report)
    else:
        _print_import(report)


def list_command(db: Db = None, as_json: AsJson = False) -> None:
    """List the stored glossaries with their versions, entry counts and language pairs."""
    with open_storage(settings(), db) as storage:
        infos = storage.glossaries.list()
    if as_json:
        print_json([_info_json(info) for info in infos])
    elif not infos:
        console.print(
            "No glossaries yet; import one with "
            "`lingoflow glossary import FILE --name NAME --from LANG --to LANG`.",
            markup=False,
        )
    else:
        table = Table("Name", "Version", "Entries", "Pairs")
        for info in infos:
            pairs = _counts_text(info.pairs)
            table.add_row(escape(info.name), str(info.version), str(info.entries), pairs)
        console.print(table)


def export_command(
    name: Annotated[str, typer.Argument(help="Name of the stored glossary.")],
    file: Annotated[Path, typer.Argument(help="File to write: .csv, .tsv, .tbx or .yaml.")],
    source: Annotated[
        str | None, typer.Option("--from", "-f", help="Only this source language.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--to", "-t", help="Only this target language.")
    ] = None,
    fmt: Format = None,
    db: Db = None,
) -> None:
    """Write glossary NAME (all its pairs, or those chosen) to FILE."""
    source_lang, target_lang = _code(source), _code(target)
    with open_storage(settings(), db) as storage:
        entries = storage.glossaries.entries(name, source_lang, target_lang)
    if not entries:
        wanted = f" {source_lang or '*'}→{target_lang or '*'}" if source or target else ""
        raise InputError(f"Glossary {name!r} has no{wanted} entries; nothing was written.")
    with writing(file):
        write_glossary(entries, file, format=fmt)
    console.print(f"Wrote {len(entries)} entries of glossary {name!r} to {file}.", markup=False)


def delete_command(
    name: Annotated[str, typer.Argument(help="Name of the stored glossary.")],
    db: Db = None,
) -> None:
    """Delete glossary NAME and its entries (its version count is kept)."""
    with open_storage(settings(), db) as storage:
        storage.glossaries.delete(name)
    console.print(f"Deleted glossary {name!r}.", markup=False)


def _targets(to: str) -> list[str]:
    """Return the target languages of a comma-separated ``--to``."""
    targets = [t.strip() for t in to.split(",") if t.strip()]
    if not targets:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    return targets


def _code(language: str | None) -> str | None:
    """Return the Qwen-MT code of a language named on the command line."""
    return resolve(language).code if language else None


def _load(
    file: Path,
    source: str,
    target: str,
    fmt: GlossaryFormat | None,
    encoding: str | None,
    keep_first: bool,
) -> GlossaryImport:
    """Load one pair of ``file``, naming ``--keep-first`` when terms conflict."""
    try:
        return load_glossary(
            file,
            source,
            target,
            format=fmt,
            encoding=encoding,
            on_conflict="keep-first" if keep_first else "error",
        )
    except GlossaryConflictError as exc:
        # The library's message names its Python argument; say the option instead.
        listed = "; ".join(c.describe() for c in exc.conflicts)
        raise InputError(
            f"{exc.name}: {len(exc.conflicts)} source term(s) with different targets: {listed}. "
            "Fix the file, or pass --keep-first to keep the first target of each."
        ) from exc


def _pairs_text(loaded: Sequence[GlossaryImport]) -> str:
    """Return the pairs of ``loaded`` as ``en→de, en→fr``."""
    return ", ".join(f"{part.source_lang}→{part.target_lang}" for part in loaded)


def _counts_text(pairs: Sequence[PairCount]) -> str:
    """Return pair counts as ``en→de (12), en→fr (9)``."""
    return ", ".join(f"{p.source_lang}→{p.target_lang} ({p.entries})" for p in pairs)


def _import_report(
    name: str, version: int, replace: bool, loaded: Sequence[GlossaryImport]
) -> dict[str, Any]:
    """Return what an import did, as JSON-ready data."""
    return {
        "name": name,
        "version": version,
        "mode": "replace" if replace else "add",
        "pairs": [
            {
                "source_lang": part.source_lang,
                "target_lang": part.target_lang,
                "imported": len(part.entries),
                "skipped": part.skipped_empty,
                "warnings": [{"line": w.line, "message": w.message} for w in part.warnings],
            }
            for part in loaded
        ],
    }


def _print_import(report: dict[str, Any]) -> None:
    """Print an import report: one line per pair, the new version, then the warnings."""
    warnings = [w for pair in report["pairs"] for w in pair["warnings"]]
    for pair in report["pairs"]:
        console.print(
            f"{pair['source_lang']}→{pair['target_lang']}: {pair['imported']} entries imported, "
            f"{pair['skipped']} skipped, {len(pair['warnings'])} warning(s)",
            markup=False,
        )
    console.print(f"Glossary {report['name']!r} is now version {report['version']}.", markup=False)
    for warning in warnings[:MAX_WARNINGS]:
        where = f"line {warning['line']}: " if warning["line"] is not None else ""
        _warn(where + warning["message"])
    if len(warnings) > MAX_WARNINGS:
        more = len(warnings) - MAX_WARNINGS
        _warn(f"… and {more} more (--json lists them all)")


def _warn(message: str) -> None:
    """Print one warning line on standard error (never wrapped, never read as markup)."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def _info_json(info: GlossaryInfo) -> dict[str, Any]:
    """Return a stored glossary's summary as JSON-ready data."""
    return {
        "name": info.name,
        "version": info.version,
        "entries": info.entries,
        "pairs": [
            {"source_lang": p.source_lang, "target_lang": p.target_lang, "entries": p.entries}
            for p in info.pairs
        ],
    }
