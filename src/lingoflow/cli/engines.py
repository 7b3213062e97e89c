"""``lingoflow engines``: which engines are usable here, and why not."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lingoflow.cli.common import console, print_json, settings
from lingoflow.engines.registry import engine_class, engine_names

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``engines`` command to ``app``."""
    app.command("engines")(engines_command)


def engines_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Say which engines can run here, with what model, and what is missing for the rest."""
    config = settings()
    rows = []
    for name in engine_names():
        cls = engine_class(name)
        engine_config = config.engine_config(name)
        status = cls.availability(engine_config)
        rows.append(
            {
                "name": name,
                "usable": status.usable,
                "default": name == config.engine,
                "model": engine_config.model or cls.default_model(),
                "needs_key": cls.needs_key,
                "detail": status.reason,
            }
        )
    if as_json:
        print_json(rows)
        return
    table = Table("Engine", "Usable", "Model", "Details")
    for row in rows:
        mark = "[green]yes[/]" if row["usable"] else "[red]no[/]"
        label = f"{row['name']} (default)" if row["default"] else str(row["name"])
        table.add_row(label, mark, str(row["model"]), str(row["detail"]))
    console.print(table)
