"""``lingoflow usage`` and ``lingoflow cost estimate``: what was spent, what a run would cost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import build_translator, console, err_console, open_storage, print_json
from lingoflow.cli.common import settings as load_config
from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import InputError
from lingoflow.estimate import Estimate, estimate_file, estimate_tree
from lingoflow.pricing import OUTPUT_RATIO, format_usd, price_for, price_table
from lingoflow.settings import parse_duration

if TYPE_CHECKING:
    from lingoflow.storage import UsageGroup

__all__ = ["register", "show_estimate"]

Db = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
_GROUPS: tuple[UsageGroup, ...] = ("model", "language", "job", "key")


def register(app: typer.Typer) -> None:
    """Add the ``usage`` command and the ``cost`` group to ``app``."""
    app.command("usage")(usage_command)
    cost = typer.Typer(help="Estimate what translating files would cost.", no_args_is_help=True)
    cost.command("estimate")(estimate_command)
    app.add_typer(cost, name="cost")


def usage_command(
    since: Annotated[
        str | None, typer.Option("--since", help="Only calls this recent: 7d, 12h, 30m.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Group by model, language, job or key.")
    ] = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Report engine calls, tokens and cost (USD), in total or grouped."""
    group = _group(by)
    start = datetime.now(UTC) - parse_duration(since) if since else None
    with open_storage(load_config(), db) as storage:
        totals = storage.usage.totals(since=start, by=group)
    if as_json:
        rows = [t.as_dict() for t in totals]
        print_json({"since": start.isoformat() if start else None, "by": by, "rows": rows})
        return
    table = Table(by or "", "calls", "tokens in", "tokens out", "cost (USD)", title="Usage")
    for t in totals:
        cells = (t.calls, t.input_tokens, t.output_tokens)
        table.add_row(escape(t.group or "-"), *map(str, cells), format_usd(t.cost_usd))
    console.print(table)


def estimate_command(
    path: Annotated[Path, typer.Argument(help="Document or folder to estimate.")],
    to: Annotated[str, typer.Option("--to", "-t", help="Target language(s), comma-separated.")],
    source: Annotated[str, typer.Option("--from", "-f", help="Source language, or auto.")] = "auto",
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="Engine.")] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model (only its cost is shown).")
    ] = None,
    include: Annotated[list[str] | None, typer.Option("--include", help="Glob.")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Glob.")] = None,
    domain: Annotated[
        str | None, typer.Option("--domain", "-d", help=f"{', '.join(DOMAINS)}, or a sentence.")
    ] = None,
    formality: Annotated[str | None, typer.Option("--formality", help="formal/informal.")] = None,
    tm: Annotated[str | None, typer.Option("--tm", help="Translation memory to reuse.")] = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Count segments, cache/TM reuse, tokens and cost of translating PATH; call no engine."""
    targets = [t.strip() for t in to.split(",") if t.strip()]
    prices = price_table(load_config().prices)
    price = price_for(model, prices) if model else None
    if model and price:
        prices = {model: price}
    translator = build_translator(targets, source, engine, model, None, None, tm, False, None, db)
    sentence, register_ = domain_sentence(domain), formality_value(formality)
    with translator:
        if path.is_dir():
            found = estimate_tree(
                path,
                targets,
                translator,
                include=include or (),
                exclude=exclude or (),
                source=source,
                domain=sentence,
                formality=register_,
                prices=prices,
            )
        else:
            found = estimate_file(
                path,
                targets,
                translator,
                source=source,
                domain=sentence,
                formality=register_,
                prices=prices,
            )
    show_estimate(found, as_json)


def show_estimate(estimate: Estimate, as_json: bool) -> None:
    """Print a dry run's estimate as a table (or JSON); exit 1 when any file would fail."""
    for path, reason in estimate.skipped:
        err_console.print(f"[yellow]skipped:[/] {escape(path)}: {escape(reason)}")
    for path, error in estimate.failed:
        err_console.print(f"[red]failed:[/] {escape(path)}: {escape(error)}")
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


def _group(by: str | None) -> UsageGroup | None:
    for group in _GROUPS:
        if by == group:
            return group
    if by is not None:
        raise InputError(f"--by must be one of {', '.join(_GROUPS)}, not {by!r}.")
    return None
