"""``lingoflow tm``: the translation memory — TMX import and export, search, statistics.

Every command works on one named memory (``--memory``, default ``"default"``) except
``stats``, which counts all memories unless ``--memory`` names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import console, err_console, open_storage, print_json, settings, writing
from lingoflow.errors import InputError
from lingoflow.languages import resolve

if TYPE_CHECKING:  # SQLAlchemy, lxml and rapidfuzz load only for the commands that use them
    from lingoflow.storage import MemoryStats, TmEntry, TmMatch

__all__ = ["register"]

DEFAULT_MEMORY = "default"
"""The memory commands use unless ``--memory`` names one (``lingoflow.storage.DEFAULT_MEMORY``,
spelled out here so that loading the CLI does not load the storage layer)."""

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: the configured one, else SQLite in home)."),
]
Memory = Annotated[str, typer.Option("--memory", "-m", help="Name of the memory.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def register(app: typer.Typer) -> None:
    """Add the ``tm`` command group to ``app``."""
    group = typer.Typer(
        help="Import, export, search and count translation memory.", no_args_is_help=True
    )
    group.command("import")(import_command)
    group.command("export")(export_command)
    group.command("search")(search_command)
    group.command("stats")(stats_command)
    app.add_typer(group, name="tm")


def import_command(
    file: Annotated[Path, typer.Argument(help="TMX file to import.")],
    memory: Memory = DEFAULT_MEMORY,
    keep_codes: Annotated[
        bool, typer.Option("--keep-codes", help="Keep inline codes (<b>...) as text.")
    ] = False,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Import the translation units of a TMX file into a memory."""
    from lingoflow.tmx import import_tmx

    with open_storage(settings(), db) as storage:
        report = import_tmx(storage.tm, file, memory=memory, keep_codes=keep_codes)
        stats = _stats(storage.tm.stats(), memory)
    data = {
        "memory": memory,
        "units": report.units,
        "entries": report.entries,
        "unknown_languages": dict(report.unknown_languages),
        "memory_pairs": _pairs_json(stats),  # the memory's totals after the import
    }
    if as_json:
        print_json(data)
    else:
        _print_import(data)


def export_command(
    file: Annotated[Path, typer.Argument(help="TMX file to write.")],
    source: Annotated[str, typer.Option("--from", "-f", help="Source language of the units.")],
    target: Annotated[
        str | None, typer.Option("--to", "-t", help="Only this target language.")
    ] = None,
    memory: Memory = DEFAULT_MEMORY,
    db: Db = None,
) -> None:
    """Write a memory's entries from one source language to a TMX file."""
    from lingoflow.tmx import write_tmx

    source_lang, target_lang = resolve(source).code, _code(target)
    with open_storage(settings(), db) as storage, writing(file):
        entries = storage.tm.iter_entries(memory, source_lang, target_lang)
        units = write_tmx(file, entries, source_lang)
    console.print(f"Wrote {units} unit(s) of memory {memory!r} to {file}.", markup=False)
    if not units:
        pair = f"{source_lang}→{target_lang or '*'}"
        _warn(f"memory {memory!r} has no {pair} entries; the file holds no units")


def search_command(
    query: Annotated[str, typer.Argument(help="Text to look for.")],
    source: Annotated[
        str | None, typer.Option("--from", "-f", help="Source language (for --fuzzy).")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--to", "-t", help="Target language (for --fuzzy).")
    ] = None,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Rank sources by similarity to QUERY.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most results.")] = 20,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.0, max=1.0, help="Lowest fuzzy score (0..1).")
    ] = 0.75,
    memory: Memory = DEFAULT_MEMORY,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Find entries whose source or target contains QUERY, or (--fuzzy) whose source is like it."""
    pair = _search_pair(source, target, fuzzy)
    with open_storage(settings(), db) as storage:
        if pair:
            found = storage.tm.fuzzy(memory, *pair, query, limit=limit, threshold=threshold)
            rows = [_match_json(match, memory, pair) for match in found]
        else:
            rows = [_entry_json(e) for e in storage.tm.search(query, memory=memory, limit=limit)]
    if as_json:
        print_json(rows)
    elif not rows:
        console.print(f"No matches in memory {memory!r}.", markup=False)
    else:
        _print_rows(rows, fuzzy=bool(pair))


def stats_command(
    memory: Annotated[
        str | None, typer.Option("--memory", "-m", help="Only this memory (default: all).")
    ] = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Count the entries of each memory and language pair."""
    with open_storage(settings(), db) as storage:
        stats = [s for s in storage.tm.stats() if memory is None or s.memory == memory]
    if as_json:
        print_json(
            [{"memory": s.memory, "entries": s.entries, "pairs": _pairs_json(s)} for s in stats]
        )
    elif not stats:
        console.print(
            "The translation memory is empty; import a TMX file with "
            "`lingoflow tm import FILE.tmx`.",
            markup=False,
        )
    else:
        table = Table("Memory", "Pair", "Entries")
        for s in stats:
            for p in s.pairs:
                table.add_row(escape(s.memory), f"{p.source_lang}→{p.target_lang}", str(p.entries))
        console.print(table)


def _code(language: str | None) -> str | None:
    """Return the Qwen-MT code of a language named on the command line."""
    return resolve(language).code if language else None


def _search_pair(source: str | None, target: str | None, fuzzy: bool) -> tuple[str, str] | None:
    """Return the pair of a fuzzy search, None for a substring search; reject mixtures."""
    source_lang, target_lang = _code(source), _code(target)
    if not fuzzy:
        if source_lang or target_lang:
            raise InputError(
                "--from/--to choose the pair of a --fuzzy search; a substring search looks "
                "in every pair of the memory. Add --fuzzy, or drop --from/--to."
            )
        return None
    if not (source_lang and target_lang):
        raise InputError("--fuzzy needs the pair to search: add --from LANG --to LANG.")
    return source_lang, target_lang


def _stats(stats: Sequence[MemoryStats], memory: str) -> MemoryStats | None:
    """Return the statistics of ``memory``, None when it holds nothing."""
    return next((s for s in stats if s.memory == memory), None)


def _pairs_json(stats: MemoryStats | None) -> list[dict[str, Any]]:
    """Return a memory's entry counts per pair as JSON-ready data."""
    return [
        {"source_lang": p.source_lang, "target_lang": p.target_lang, "entries": p.entries}
        for p in (stats.pairs if stats else ())
    ]


def _entry_json(entry: TmEntry) -> dict[str, Any]:
    """Return a substring search hit as JSON-ready data."""
    return {
        "memory": entry.memory,
        "source_lang": entry.source_lang,
        "target_lang": entry.target_lang,
        "source": entry.source,
        "target": entry.target,
        "origin": entry.origin,
    }


def _match_json(match: TmMatch, memory: str, pair: tuple[str, str]) -> dict[str, Any]:
    """Return a fuzzy match as JSON-ready data."""
    return {
        "memory": memory,
        "source_lang": pair[0],
        "target_lang": pair[1],
        "score": round(match.score, 4),
        "source": match.source,
        "target": match.target,
        "origin": match.origin,
    }


def _print_import(data: dict[str, Any]) -> None:
    """Print what a TMX import stored and what it skipped."""
    console.print(
        f"Imported {data['units']} unit(s) as {data['entries']} entries "
        f"into memory {data['memory']!r}.",
        markup=False,
    )
    for tag, count in sorted(data["unknown_languages"].items()):
        _warn(f"skipped {count} variant(s) in unknown language {tag!r}")
    pairs = data["memory_pairs"]
    held = ", ".join(f"{p['source_lang']}→{p['target_lang']} {p['entries']}" for p in pairs)
    console.print(f"The memory now holds: {held or 'nothing'}.", markup=False)


def _warn(message: str) -> None:
    """Print one warning line on standard error (never wrapped, never read as markup)."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def _print_rows(rows: Sequence[dict[str, Any]], *, fuzzy: bool) -> None:
    """Print search hits as a table, with their scores for a fuzzy search."""
    table = Table(*(["Score"] if fuzzy else []), "Pair", "Source", "Target", "Origin")
    for row in rows:
        score = [f"{row['score']:.0%}"] if fuzzy else []
        pair = f"{row['source_lang']}→{row['target_lang']}"
        cells = (escape(row[k]) for k in ("source", "target", "origin"))
        table.add_row(*score, pair, *cells)
    console.print(table)
