"""``lingoflow translate-file`` and ``translate-dir``: translate documents and folder trees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lingoflow.cli.common import (
    build_translator,
    console,
    err_console,
    print_json,
    progress_bar,
    settings,
)
from lingoflow.documents import Layout, TreeReport, Untranslatable, translate_file, translate_tree
from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import InputError
from lingoflow.estimate import Estimate, estimate_file, estimate_tree
from lingoflow.pricing import OUTPUT_RATIO, price_table

__all__ = ["register"]

To = Annotated[str, typer.Option("--to", "-t", help="Target language(s), comma-separated.")]
Source = Annotated[str, typer.Option("--from", "-f", help="Source language, or auto.")]
Engine = Annotated[str | None, typer.Option("--engine", "-e", help="Engine (default: local).")]
Model = Annotated[str | None, typer.Option("--model", "-m", help="Engine model.")]
BaseUrl = Annotated[str | None, typer.Option("--base-url", help="Server URL for remote engines.")]
Glossary = Annotated[str | None, typer.Option("--glossary", "-g", help="Glossary name or file.")]
Domain = Annotated[
    str | None,
    typer.Option("--domain", "-d", help=f"{', '.join(DOMAINS)}, or one English sentence."),
]
Formality = Annotated[str | None, typer.Option("--formality", help="formal or informal.")]
Tm = Annotated[str | None, typer.Option("--tm", help="Translation memory to reuse and learn from.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
CacheTtl = Annotated[
    str | None, typer.Option("--cache-ttl", help="Ignore cached results older than this: 30d.")
]
Db = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Count segments, cache/TM reuse and cost; call no engine, write nothing."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="With --dry-run: print the estimate as JSON.")]


def register(app: typer.Typer) -> None:
    """Add the ``translate-file`` and ``translate-dir`` commands to ``app``."""
    app.command("translate-file")(translate_file_command)
    app.command("translate-dir")(translate_dir_command)


def translate_file_command(
    file: Annotated[Path, typer.Argument(help="Document to translate.")],
    to: To,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: next to FILE).")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Format name, if not by ext.")] = None,
    source: Source = "auto",
    engine: Engine = None,
    model: Model = None,
    base_url: BaseUrl = None,
    glossary: Glossary = None,
    domain: Domain = None,
    formality: Formality = None,
    tm: Tm = None,
    no_cache: NoCache = False,
    cache_ttl: CacheTtl = None,
    db: Db = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Translate FILE into each language as name_<code>.ext."""
    targets = _targets(to)
    translator = build_translator(
        targets, source, engine, model, base_url, glossary, tm, no_cache, cache_ttl, db
    )
    if dry_run:
        with translator:
            estimate = estimate_file(
                file,
                targets,
                translator,
                fmt=fmt,
                source=source,
                domain=domain_sentence(domain),
                formality=formality_value(formality),
                prices=price_table(settings().prices),
            )
        _show_estimate(estimate, as_json)
        return
    with progress_bar(None) as advance:
        report = translate_file(
            file,
            targets,
            translator,
            out_dir=out,
            fmt=fmt,
            source=source,
            domain=domain_sentence(domain),
            formality=formality_value(formality),
        )
        advance(total=1)
    _finish(report)


def translate_dir_command(
    folder: Annotated[Path, typer.Argument(help="Folder of documents to translate.")],
    to: To,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder, outside FOLDER.")],
    include: Annotated[
        list[str] | None, typer.Option("--include", help="Only files matching this glob.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Leave out files matching this glob.")
    ] = None,
    layout: Annotated[
        str, typer.Option("--layout", help="mirror: OUT/<code>/path; suffix: OUT/name_<code>.ext")
    ] = "mirror",
    untranslatable: Annotated[
        str, typer.Option("--untranslatable", help="copy or skip files without a format.")
    ] = "copy",
    source: Source = "auto",
    engine: Engine = None,
    model: Model = None,
    base_url: BaseUrl = None,
    glossary: Glossary = None,
    domain: Domain = None,
    formality: Formality = None,
    tm: Tm = None,
    no_cache: NoCache = False,
    cache_ttl: CacheTtl = None,
    db: Db = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Translate every document under FOLDER into OUT; copy or skip the other files."""
    targets = _targets(to)
    translator = build_translator(
        targets, source, engine, model, base_url, glossary, tm, no_cache, cache_ttl, db
    )
    if dry_run:
        _layout(layout)  # the same option errors as a real run
        _untranslatable(untranslatable)
        with translator:
            estimate = estimate_tree(
                folder,
                targets,
                translator,
                include=include or (),
                exclude=exclude or (),
                source=source,
                domain=domain_sentence(domain),
                formality=formality_value(formality),
                prices=price_table(settings().prices),
            )
        _show_estimate(estimate, as_json)
        return
    with progress_bar(None, "files") as advance:
        report = translate_tree(
            folder,
            out,
            targets,
            translator,
            include=include or (),
            exclude=exclude or (),
            layout=_layout(layout),
            untranslatable=_untranslatable(untranslatable),
            progress=lambda _result, total: advance(total=total),
            source=source,
            domain=domain_sentence(domain),
            formality=formality_value(formality),
        )
    _finish(report)


def _targets(to: str) -> list[str]:
    targets = [t.strip() for t in to.split(",") if t.strip()]
    if not targets:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    return targets


def _layout(value: str) -> Layout:
    if value == "mirror":
        return "mirror"
    if value == "suffix":
        return "suffix"
    raise InputError(f"--layout must be mirror or suffix, not {value!r}.")


def _untranslatable(value: str) -> Untranslatable:
    if value == "copy":
        return "copy"
    if value == "skip":
        return "skip"
    raise InputError(f"--untranslatable must be copy or skip, not {value!r}.")


def _finish(report: TreeReport) -> None:
    """Print failures and the summary table; exit 1 when any file failed."""
    for result in report.files:
        if result.status in ("failed", "skipped") and result.error:
            colour = "red" if result.status == "failed" else "yellow"
            err_console.print(f"[{colour}]{result.status}:[/] {result.path}: {result.error}")
    console.print(_summary(report))
    if report.failed:
        raise typer.Exit(1)


def _summary(report: TreeReport) -> Table:
    table = Table("", "count", title="Summary", show_header=False)
    for status in ("translated", "unchanged", "copied", "skipped", "failed"):
        table.add_row(f"files {status}", str(report.by_status[status]))
    table.add_row("segments", str(report.segments))
    for origin in ("engine", "cache", "tm-exact", "copy"):
        table.add_row(f"  from {origin}", str(report.provenance[origin]))
    table.add_row("QA findings", str(report.findings))
    tokens_in, tokens_out = report.tokens
    table.add_row("tokens in / out", f"{tokens_in} / {tokens_out}")
    return table


def _show_estimate(estimate: Estimate, as_json: bool) -> None:
    """Print the dry run's estimate as a table (or JSON); exit 1 when any file would fail."""
    for path, reason in estimate.skipped:
        err_console.print(f"[yellow]skipped:[/] {path}: {reason}")
    for path, error in estimate.failed:
        err_console.print(f"[red]failed:[/] {path}: {error}")
    if as_json:
        print_json({"dry_run": True, "output_ratio": OUTPUT_RATIO, **estimate.as_dict()})
    else:
        console.print(_estimate_table(estimate))
        console.print(
            f"Dry run: nothing translated or written. Tokens are estimates; output tokens "
            f"= input x {OUTPUT_RATIO}. Costs in USD for the engine-bound segments only."
        )
    if estimate.failed:
        raise typer.Exit(1)


def _estimate_table(estimate: Estimate) -> Table:
    table = Table(title="Dry run estimate")
    table.add_column("")
    for target in estimate.targets:
        table.add_column(target.target.code, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("files", [str(t.files) for t in estimate.targets]),
        ("segments", [str(t.segments) for t in estimate.targets]),
        ("source characters", [str(t.characters) for t in estimate.targets]),
        ("source tokens (est.)", [str(t.tokens) for t in estimate.targets]),
        ("  from cache", [str(t.cached) for t in estimate.targets]),
        ("  from TM exact", [str(t.tm_exact) for t in estimate.targets]),
        ("  copied (all protected)", [str(t.copied) for t in estimate.targets]),
        ("  repeated in run", [str(t.repeated) for t in estimate.targets]),
        ("  to the engine", [str(t.engine_segments) for t in estimate.targets]),
        ("engine tokens in (est.)", [str(t.engine_tokens) for t in estimate.targets]),
    ]
    models = [c.model for c in estimate.targets[0].costs] if estimate.targets else []
    for index, model in enumerate(models):
        rows.append(
            (f"cost {model} (USD)", [f"{t.costs[index].usd:.4f}" for t in estimate.targets])
        )
    for label, cells in rows:
        table.add_row(label, *cells)
    return table
