"""The ``lingoflow`` command line: thin commands over the library, one module per group.

Errors from lingoflow become one red line on standard error and exit code 1 (usage errors
exit 2); tracebacks are never shown for expected failures.
"""

from __future__ import annotations

import sys

import typer

from lingoflow.cli import engines, files, glossary, languages, tm, translate
from lingoflow.cli import evaluate as eval_cli
from lingoflow.cli import jobs as jobs_cli
from lingoflow.cli import qa as qa_cli
from lingoflow.cli import report as report_cli
from lingoflow.cli import review as review_cli
from lingoflow.cli import usage as usage_cli
from lingoflow.cli import worker as worker_cli
from lingoflow.cli.common import err_console
from lingoflow.errors import LingoflowError

__all__ = ["app", "main"]

app = typer.Typer(
    name="lingoflow",
    help="Translate text, files and document trees into many languages.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
translate.register(app)
languages.register(app)
engines.register(app)
glossary.register(app)
tm.register(app)
files.register(app)
eval_cli.register(app)
jobs_cli.register(app)
usage_cli.register(app)
qa_cli.register(app)
worker_cli.register(app)
report_cli.register(app)
review_cli.register(app)


def main() -> None:
    """Run the CLI, turning lingoflow errors into a message and an exit code."""
    try:
        app()  # usage errors and Ctrl-C are reported by typer itself (exit 2 and 1)
    except LingoflowError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
