"""``lingoflow review``: the queue of flagged segments — list, show, approve, edit, reject.

A run queues a segment whose quality score is below the review threshold or that has a
critical finding. Approving or editing one writes it into its translation memory (the run's
``--tm``, else ``reviewed``), which the next run consults first, so the reviewed text goes
into the output; rejecting makes the next run ask the engine again. An empty queue is not
an error (exit 0); an unknown id is (exit 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import console, open_storage, print_json, settings
from lingoflow.errors import InputError, ReviewError

if TYPE_CHECKING:  # SQLAlchemy loads only for the commands that use it
    from lingoflow.storage import ReviewItem, ReviewStatus

__all__ = ["register"]

STATUSES = ("pending", "approved", "edited", "rejected")
PREVIEW = 60
"""Characters of source and translation shown per row of ``review list``."""

ItemId = Annotated[int, typer.Argument(help="Review item number (see `lingoflow review list`).")]
Db = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
Note = Annotated[str, typer.Option("--note", help="A note kept with the decision.")]


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group to ``app``."""
    group = typer.Typer(
        help="Review flagged segments: approve, edit or reject them.", no_args_is_help=True
    )
    group.command("list")(list_command)
    group.command("show")(show_command)
    group.command("approve")(approve_command)
    group.command("edit")(edit_command)
    group.command("reject")(reject_command)
    app.add_typer(group, name="review")


def _status(value: str) -> ReviewStatus | None:
    if value == "all":
        return None
    if value not in STATUSES:
        raise InputError(f"--status must be {', '.join(STATUSES)} or all, not {value!r}.")
    return value  # type: ignore[return-value]


def list_command(
    job: Annotated[int | None, typer.Option("--job", help="Only this job's items.")] = None,
    status: Annotated[
        str, typer.Option("--status", help="pending, approved, edited, rejected or all.")
    ] = "pending",
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Most items.")] = None,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """List the review queue (pending items unless --status says otherwise)."""
    chosen = _status(status)
    with open_storage(settings(), db) as storage:
        items = storage.review.items(job_id=job, status=chosen, limit=limit)
    if as_json:
        print_json([_as_json(i) for i in items])
    elif not items:
        what = "items" if chosen is None else f"{chosen} items"
        scope = f" for job {job}" if job is not None else ""
        console.print(f"The review queue has no {what}{scope}.", markup=False)
    else:
        console.print(_table(items))


def show_command(item_id: ItemId, db: Db = None, as_json: AsJson = False) -> None:
    """Show one item: source, machine translation, findings, score and decision."""
    with open_storage(settings(), db) as storage:
        item = storage.review.get(item_id)
    if as_json:
        print_json(_as_json(item))
    else:
        _print_item(item)


def approve_command(item_id: ItemId, note: Note = "", db: Db = None) -> None:
    """Accept the machine translation; it goes into the translation memory."""
    from lingoflow.qa.review import approve

    with open_storage(settings(), db) as storage:
        item = approve(storage, item_id, note=note)
    console.print(f"Item {item_id} approved; TM {item.memory!r} has it.", markup=False)


def edit_command(
    item_id: ItemId,
    text: Annotated[str | None, typer.Option("--text", help="The corrected translation.")] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Write the correction in $EDITOR.")
    ] = False,
    note: Note = "",
    db: Db = None,
) -> None:
    """Replace the translation (--text or --editor); it goes into the translation memory."""
    from lingoflow.qa.review import edit

    if (text is None) == (not editor):
        raise InputError("Give the corrected translation with --text TEXT or --editor (one).")
    with open_storage(settings(), db) as storage:
        if editor:
            text = _from_editor(storage.review.get(item_id))
        item = edit(storage, item_id, text or "", note=note)
    console.print(f"Item {item_id} edited; TM {item.memory!r} has it.", markup=False)


def reject_command(item_id: ItemId, note: Note = "", db: Db = None) -> None:
    """Reject the translation; the next run translates the segment again."""
    from lingoflow.qa.review import reject

    with open_storage(settings(), db) as storage:
        reject(storage, item_id, note=note)
    console.print(f"Item {item_id} rejected; the next run translates it again.", markup=False)


def _from_editor(item: ReviewItem) -> str:
    """Open $EDITOR on the item's current translation; return what was saved."""
    current = item.final_text or item.machine_text
    try:
        edited = click.edit(current + "\n", require_save=True)
    except click.UsageError as exc:  # no editor could be started
        raise ReviewError(f"Cannot start an editor: {exc}. Set $EDITOR or use --text.") from exc
    if edited is None:
        raise ReviewError("The editor closed without saving; nothing changed.")
    return edited.rstrip("\n")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _table(items: list[ReviewItem]) -> Table:
    table = Table("id", "job", "pair", "score", "status", "findings", "source", "translation")
    for i in items:
        table.add_row(
            str(i.id),
            "" if i.job_id is None else str(i.job_id),
            f"{i.source_lang}→{i.target_lang}",
            "" if i.score is None else f"{i.score:.0f}",
            i.status,
            escape(", ".join(dict.fromkeys(f.check for f in i.findings))),
            escape(_short(i.source)),
            escape(_short(i.final_text or i.machine_text)),
        )
    return table


def _print_item(item: ReviewItem) -> None:
    where = f"job {item.job_id}" if item.job_id is not None else "no job"
    if item.path:
        where += f", {item.path}"
    score = "none" if item.score is None else f"{item.score:.1f}"
    lines = [
        f"Item {item.id}: {item.status} ({where}; {item.source_lang}→{item.target_lang})",
        f"  score: {score}; engine: {item.engine} {item.model}; TM: {item.memory}",
        f"  source:      {item.source}",
        f"  translation: {item.machine_text}",
    ]
    if item.final_text is not None and item.final_text != item.machine_text:
        lines.append(f"  final:       {item.final_text}")
    lines += [f"  [{f.severity}] {f.check}: {f.message}" for f in item.findings]
    if item.note:
        lines.append(f"  note: {item.note}")
    for line in lines:
        console.print(line, markup=False)


def _as_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "job": item.job_id,
        "status": item.status,
        "source_lang": item.source_lang,
        "target_lang": item.target_lang,
        "source": item.source,
        "machine_text": item.machine_text,
        "final_text": item.final_text,
        "score": item.score,
        "findings": [
            {"check": f.check, "severity": f.severity, "message": f.message} for f in item.findings
        ],
        "path": item.path,
        "memory": item.memory,
        "engine": item.engine,
        "model": item.model,
        "note": item.note,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
    }
