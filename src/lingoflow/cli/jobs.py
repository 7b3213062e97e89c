"""``lingoflow jobs``: list, show, resume and cancel the stored translate-file/-dir jobs.

:func:`execute` is shared with ``translate-file`` and ``translate-dir``: it runs a job with a
progress bar, turns Ctrl-C into exit code 130 with the resume command, and renders the run
report as a table or JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import (
    build_translator,
    console,
    err_console,
    open_storage,
    print_json,
    progress_bar,
    quality_options,
    settings,
)
from lingoflow.documents import TreeReport
from lingoflow.jobs import (
    JobReport,
    JobSpec,
    JobSummary,
    cancel_job,
    check_resumable,
    effective_status,
    job_row,
    job_summary,
    run_job,
)
from lingoflow.pricing import format_usd, price_table
from lingoflow.translator import Translator

if TYPE_CHECKING:
    from lingoflow.storage import Job

__all__ = ["execute", "register"]

JobId = Annotated[int, typer.Argument(help="Job number (see `lingoflow jobs list`).")]
Db = Annotated[str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
Budget = Annotated[
    float | None,
    typer.Option("--budget", min=0.0, help="Stop before spending more than this (USD)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``jobs`` command group to ``app``."""
    group = typer.Typer(help="List, show, resume and cancel file jobs.", no_args_is_help=True)
    group.command("list")(list_command)
    group.command("show")(show_command)
    group.command("resume")(resume_command)
    group.command("cancel")(cancel_command)
    app.add_typer(group, name="jobs")


def list_command(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most jobs.")] = 50,
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """List the jobs, newest first."""
    with open_storage(settings(), db) as storage:
        jobs = storage.jobs.recent(limit)
        costs = {t.group: t.cost_usd for t in storage.usage.totals(by="job")}
    if as_json:
        print_json([{**job_row(j), "cost_usd": round(costs.get(str(j.id), 0.0), 6)} for j in jobs])
        return
    if not jobs:
        console.print("No jobs yet: translate-file and translate-dir runs are stored as jobs.")
        return
    table = Table("job", "status", "kind", "targets", "input", "cost", "updated")
    for j in jobs:
        spec = j.spec
        table.add_row(
            str(j.id),
            effective_status(j),
            j.kind,
            ",".join(spec.get("targets", ())),
            escape(str(spec.get("path", ""))),
            format_usd(costs.get(str(j.id), 0.0)),
            j.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


def show_command(job_id: JobId, db: Db = None, as_json: AsJson = False) -> None:
    """Show a job: status, files, segments done per language, tokens and cost."""
    with open_storage(settings(), db) as storage:
        summary = job_summary(storage, job_id)
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary)


def resume_command(
    job_id: JobId, budget: Budget = None, db: Db = None, as_json: AsJson = False
) -> None:
    """Continue a paused, failed or interrupted job where it stopped."""
    with open_storage(settings(), db) as storage:
        job = storage.jobs.get(job_id)
    check_resumable(job)
    spec = JobSpec.from_dict(job.spec)
    translator = build_translator(
        list(spec.targets),
        spec.source,
        spec.engine,
        spec.model,
        spec.base_url,
        spec.glossary,
        spec.tm,
        not spec.use_cache,
        spec.cache_ttl,
        db,
        concurrency=spec.concurrency,
        rpm=spec.rpm,
        tpm=spec.tpm,
        quality=quality_options(spec.similarity, spec.review_threshold, spec.skip_checks),
    )
    execute(job, translator, as_json=as_json, budget=budget)


def cancel_command(job_id: JobId, db: Db = None) -> None:
    """Cancel a job; a running one stops at its next chunk of segments or file."""
    with open_storage(settings(), db) as storage:
        job = cancel_job(storage, job_id)
    console.print(f"Job {job.id} cancelled.")


def execute(
    job: Job, translator: Translator, *, as_json: bool = False, budget: float | None = None
) -> None:
    """Run ``job`` with a progress bar and render its report; Ctrl-C exits 130."""
    plan_cost = float(job.totals.get("estimated_cost_usd") or 0.0)
    limit = budget if budget is not None else job.spec.get("budget")
    err_console.print(f"job {job.id}: resume with `lingoflow jobs resume {job.id}`", markup=False)
    if limit is not None and plan_cost > limit:
        err_console.print(
            f"[yellow]note:[/] the estimated cost {format_usd(plan_cost)} is over the budget "
            f"{format_usd(limit)}; the job will pause when it reaches the budget."
        )
    try:
        with progress_bar(None, "files") as advance:
            report = run_job(
                job,
                translator,
                budget=budget,
                prices=price_table(settings().prices),
                progress=lambda _result, total: advance(total=total),
            )
    except KeyboardInterrupt:
        err_console.print(
            f"[yellow]interrupted:[/] resume with `lingoflow jobs resume {job.id}`", markup=True
        )
        raise typer.Exit(130) from None
    _render(report, as_json)


def _render(result: JobReport, as_json: bool) -> None:
    """Print failures and the summary (or the JSON report); exit 1 when any file failed."""
    report = result.report
    for f in report.files:
        if f.status in ("failed", "skipped") and f.error:
            colour = "red" if f.status == "failed" else "yellow"
            err_console.print(f"[{colour}]{f.status}:[/] {escape(f.path)}: {escape(f.error)}")
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(_summary(report, result))
    if report.failed:
        raise typer.Exit(1)


def _summary(report: TreeReport, result: JobReport) -> Table:
    table = Table("", "count", title=f"Summary (job {result.job_id})", show_header=False)
    for status in ("translated", "unchanged", "copied", "skipped", "failed"):
        table.add_row(f"files {status}", str(report.by_status[status]))
    table.add_row("segments", str(report.segments))
    for origin in ("engine", "cache", "tm-exact", "copy"):
        table.add_row(f"  from {origin}", str(report.provenance[origin]))
    table.add_row("QA findings", str(report.findings))
    quality = result.quality
    if quality is not None and quality.checked:
        table.add_row("  critical (this run)", str(quality.critical))
        table.add_row("mean quality score", f"{quality.mean_score}")
        review = f"{quality.queued}"
        if quality.queued:
            review += f"  (lingoflow review list --job {result.job_id})"
        table.add_row("queued for review", review)
    tokens_in, tokens_out = report.tokens
    table.add_row("tokens in / out", f"{tokens_in} / {tokens_out}")
    table.add_row("job cost so far", format_usd(result.cost_usd))
    return table


def _print_summary(summary: JobSummary) -> None:
    job, spec = summary.job, summary.job.spec
    console.print(f"Job {job.id} ({job.kind}): {summary.status}", markup=False)
    if job.error:
        console.print(f"  {job.error}", markup=False)
    console.print(f"  input: {spec.get('path')}  output: {spec.get('out') or '(next to it)'}")
    console.print(f"  engine: {spec.get('engine')} {spec.get('model') or ''}", markup=False)
    if spec.get("budget") is not None:
        console.print(f"  budget: {format_usd(float(spec['budget']))}")
    done = {p.target_lang: p for p in summary.languages}
    table = Table("language", "segments done", "of", "engine", "cache", "tm", "copy")
    for code in dict.fromkeys([*spec.get("targets", ()), *done]):
        progress = done.get(code)
        counts = progress.provenance if progress else {}
        total = summary.totals.get(code)
        table.add_row(
            code,
            str(progress.segments if progress else 0),
            "?" if total is None else str(total),
            *(str(counts.get(k, 0)) for k in ("engine", "cache", "tm-exact", "copy")),
        )
    console.print(table)
    statuses: dict[str, int] = {}
    for f in summary.files:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    listed = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none yet"
    console.print(f"  files: {listed}", markup=False)
    console.print(
        f"  engine calls: {summary.calls}; tokens in / out: {summary.input_tokens} / "
        f"{summary.output_tokens}; cost: {format_usd(summary.cost_usd)}",
        markup=False,
    )
