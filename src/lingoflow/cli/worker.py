"""``lingoflow worker``: serve distributed translation tasks; and the ``--executor celery`` helper.

A worker builds each task's translator with the same :func:`~lingoflow.cli.common.build_translator`
the translating commands use, from this machine's settings (API keys, engine concurrency,
endpoints) plus the task's :class:`~lingoflow.workers.RunSpec`. Celery is imported only when a
worker starts or a run is distributed.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lingoflow.cli.common import build_translator, err_console, progress_bar, settings
from lingoflow.errors import ConfigurationError
from lingoflow.pricing import price_table
from lingoflow.translator import Translator

if TYPE_CHECKING:
    from lingoflow.workers import DistributionReport, RunSpec, TranslatorFactory

__all__ = ["distribute_run", "register"]

Broker = Annotated[
    str | None,
    typer.Option("--broker", help="Broker URL (default: LINGOFLOW_BROKER_URL, config broker)."),
]
Queue = Annotated[str | None, typer.Option("--queue", "-Q", help="Queue (default: lingoflow).")]


def register(app: typer.Typer) -> None:
    """Add the ``worker`` command to ``app``."""
    app.command("worker")(worker_command)


def worker_command(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help="Tasks this worker runs at once.")
    ] = 4,
    broker: Broker = None,
    queue: Queue = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: LINGOFLOW_DB, config, the task's)."),
    ] = None,
    pool: Annotated[str, typer.Option("--pool", help="threads, solo or prefork.")] = "threads",
    visibility_timeout: Annotated[
        float | None,
        typer.Option("--visibility-timeout", help="Seconds before a Redis broker redelivers."),
    ] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="Log level.")] = "info",
    hostname: Annotated[
        str | None, typer.Option("--hostname", "-n", help="Worker name (unique).")
    ] = None,
) -> None:
    """Translate the chunks that `translate-dir --executor celery` runs send, until stopped."""
    _require_celery()
    from lingoflow import workers

    config = workers.load_broker_config(
        os.environ, url=broker, queue=queue, visibility_timeout=visibility_timeout
    )
    code = workers.run_worker(
        config,
        _factory(db),
        concurrency=concurrency,
        pool=pool,
        loglevel=loglevel,
        hostname=hostname,
    )
    raise typer.Exit(code)


def distribute_run(
    translator: Translator,
    targets: list[str],
    path: Path,
    *,
    engine: str | None = None,
    source: str = "auto",
    base_url: str | None = None,
    glossary: str | None = None,
    tm: str | None = None,
    cache_ttl: str | None = None,
    domain: str | None = None,
    formality: str | None = None,
    fmt: str | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    job_id: int | None = None,
    budget: float | None = None,
    broker: str | None = None,
    queue: str | None = None,
) -> DistributionReport:
    """Have the workers translate a run before its in-process pass (``--executor celery``).

    ``path`` is translate-dir's folder (``include``/``exclude`` as for the run) or
    translate-file's file (``fmt`` as its ``--format``). The other arguments are the command's
    own options, ``domain``/``formality`` converted as passed to ``translate_tree``, and the
    run's job id and budget when it is a job. Prints one summary line, and a warning line
    when chunks failed on the workers (the in-process pass then translates what is missing).
    """
    _require_celery()
    from lingoflow import workers

    spec = _spec(translator, targets, engine, source, base_url, glossary, tm, cache_ttl, job_id)
    spec = replace(spec, domain=domain, formality=formality, budget=budget)
    config = workers.load_broker_config(os.environ, url=broker, queue=queue)
    with progress_bar(None, "chunks") as advance:

        def step(_done: int, total: int) -> None:
            advance(total=total)

        if path.is_dir():
            report = workers.distribute_tree(
                path, spec, config, include=include or (), exclude=exclude or (), progress=step
            )
        else:
            files = [(path, path.name)]
            report = workers.distribute_files(files, spec, config, fmt=fmt, progress=step)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.segments.items())) or "none"
    err_console.print(
        f"workers: {report.texts} texts in {report.chunks} chunks; segments: {counts}"
    )
    if report.errors:
        err_console.print(
            f"[yellow]warning:[/] {report.failed} of {report.chunks} chunks failed on the "
            f"workers (first: {report.errors[0]}); translating what is missing here."
        )
    return report


def _spec(
    translator: Translator,
    targets: list[str],
    engine: str | None,
    source: str,
    base_url: str | None,
    glossary: str | None,
    tm: str | None,
    cache_ttl: str | None,
    job_id: int | None,
) -> RunSpec:
    """The run's spec: the resolved engine, model and database, never a secret."""
    from lingoflow.workers import RunSpec, shareable_db_url

    storage = translator.pipeline.storage
    if storage is None or not (translator.pipeline.options.use_cache or job_id is not None):
        raise ConfigurationError(
            "--executor celery needs the cache to bring the workers' results back: drop --no-cache."
        )
    return RunSpec(
        engine=engine or settings().engine,
        targets=tuple(targets),
        source=source,
        model=translator.engine.model,
        base_url=base_url,
        glossary=glossary,
        tm=tm,
        cache_ttl=cache_ttl,
        db=shareable_db_url(storage.database.url),
        job_id=job_id,
    )


def _factory(db: str | None) -> TranslatorFactory:
    """Build task translators from this machine's settings; its own database wins."""

    def build(spec: RunSpec) -> Translator:
        config = settings()
        chosen = db or config.db_url or spec.db
        translator = build_translator(
            list(spec.targets),
            spec.source,
            spec.engine,
            spec.model,
            spec.base_url,
            spec.glossary,
            spec.tm,
            False,
            spec.cache_ttl,
            chosen,
        )
        if spec.job_id is None and spec.budget is None:
            return translator
        # The pipeline reads these when it is built: build it again with them, as jobs do.
        options = replace(
            translator.pipeline.options,
            job_id=spec.job_id,
            budget=spec.budget,
            prices=price_table(config.prices),
        )
        return Translator(translator.engine, storage=translator.pipeline.storage, options=options)

    return build


def _require_celery() -> None:
    """Say how to install Celery when it is missing, before :mod:`lingoflow.workers` loads."""
    if importlib.util.find_spec("celery") is None:
        raise ConfigurationError(
            "Distributed workers need Celery: pip install 'lingoflow[workers]'."
        )
