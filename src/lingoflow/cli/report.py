"""``lingoflow report``: a job's quality report as Markdown, a self-contained HTML page or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lingoflow.cli.common import open_storage, settings, writing
from lingoflow.report import FORMATS, load_report, renderer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)


def report_command(
    job: Annotated[
        int | None,
        typer.Argument(help="Job id (default: the most recent job).", min=1, metavar="JOB"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-F", help=f"One of {', '.join(FORMATS)}.")
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")
    ] = None,
) -> None:
    """Report a job's quality: scores, findings by check, review backlog, tokens and cost."""
    render = renderer(fmt)  # an unknown format fails before the database is opened
    with open_storage(settings(), db) as storage:
        text = render(load_report(storage, job))
    if output is None:
        sys.stdout.write(text)
        return
    with writing(output):
        output.write_text(text, encoding="utf-8")
