"""``lingoflow translate-file`` and ``translate-dir``: translate documents and folder trees.

Every real run is a durable job (:mod:`lingoflow.jobs`): the command says its number, and
``lingoflow jobs resume N`` continues it after a crash, Ctrl-C or a budget stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lingoflow.cli.common import build_translator, quality_options, settings
from lingoflow.cli.jobs import execute
from lingoflow.cli.usage import show_estimate
from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import InputError
from lingoflow.estimate import estimate_file, estimate_tree
from lingoflow.jobs import JobSpec, create_job
from lingoflow.pricing import price_table
from lingoflow.translator import Translator

__all__ = ["register"]

To = Annotated[str, typer.Option("--to", "-t", help="Target language(s), comma-separated.")]
Source = Annotated[str, typer.Option("--from", "-f", help="Source language, or auto.")]
Engine = Annotated[
    str | None,
    typer.Option("--engine", "-e", help="Engine, or auto (best measured); default local."),
]
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
AsJson = Annotated[
    bool, typer.Option("--json", help="Print the run report (or the --dry-run estimate) as JSON.")
]
Budget = Annotated[
    float | None,
    typer.Option("--budget", min=0.0, help="Pause the job before it spends more (USD)."),
]
Concurrency = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, help="Requests in flight at once (remote engines)."),
]
Rpm = Annotated[int | None, typer.Option("--rpm", min=1, help="Most requests per minute, per key.")]
Tpm = Annotated[int | None, typer.Option("--tpm", min=1, help="Most tokens per minute, per key.")]
Executor = Annotated[
    str,
    typer.Option(
        "--executor",
        help="inprocess, or celery: workers (`lingoflow worker`) translate, this process writes.",
    ),
]
Broker = Annotated[
    str | None, typer.Option("--broker", help="Celery broker URL (default: LINGOFLOW_BROKER_URL).")
]
Queue = Annotated[str | None, typer.Option("--queue", help="Celery queue the workers listen on.")]
_EXECUTORS = ("inprocess", "celery")
Similarity = Annotated[
    str,
    typer.Option(
        "--similarity", help="Embedding signal in the quality score: auto (local engine), on, off."
    ),
]
ReviewThreshold = Annotated[
    float | None,
    typer.Option("--review-threshold", min=0, max=100, help="Score below which review (60)."),
]
SkipChecks = Annotated[
    str | None, typer.Option("--skip-checks", help="QA checks to leave out, comma-separated.")
]


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
    budget: Budget = None,
    concurrency: Concurrency = None,
    rpm: Rpm = None,
    tpm: Tpm = None,
    executor: Executor = "inprocess",
    broker: Broker = None,
    queue: Queue = None,
    similarity: Similarity = "auto",
    review_threshold: ReviewThreshold = None,
    skip_checks: SkipChecks = None,
) -> None:
    """Translate FILE into each language as name_<code>.ext (a resumable job)."""
    targets, translator, spec = _prepare(
        "file",
        file,
        to,
        out,
        source=source,
        engine=engine,
        model=model,
        base_url=base_url,
        glossary=glossary,
        domain=domain,
        formality=formality,
        tm=tm,
        no_cache=no_cache,
        cache_ttl=cache_ttl,
        db=db,
        budget=budget,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        executor=executor,
        similarity=similarity,
        review_threshold=review_threshold,
        skip_checks=skip_checks,
        fmt=fmt,
    )
    if dry_run:
        with translator:
            estimate = estimate_file(
                file,
                targets,
                translator,
                fmt=fmt,
                source=source,
                domain=spec.domain,
                formality=spec.formality,
                prices=price_table(settings().prices),
            )
        show_estimate(estimate, as_json)
        return
    _run(spec, translator, as_json, executor, broker, queue)


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
    budget: Budget = None,
    concurrency: Concurrency = None,
    rpm: Rpm = None,
    tpm: Tpm = None,
    executor: Executor = "inprocess",
    broker: Broker = None,
    queue: Queue = None,
    similarity: Similarity = "auto",
    review_threshold: ReviewThreshold = None,
    skip_checks: SkipChecks = None,
) -> None:
    """Translate every document under FOLDER into OUT (a resumable job); copy or skip the rest."""
    targets, translator, spec = _prepare(
        "tree",
        folder,
        to,
        out,
        source=source,
        engine=engine,
        model=model,
        base_url=base_url,
        glossary=glossary,
        domain=domain,
        formality=formality,
        tm=tm,
        no_cache=no_cache,
        cache_ttl=cache_ttl,
        db=db,
        budget=budget,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        executor=executor,
        similarity=similarity,
        review_threshold=review_threshold,
        skip_checks=skip_checks,
        layout=layout,
        untranslatable=untranslatable,
        include=include,
        exclude=exclude,
    )
    if dry_run:
        with translator:
            estimate = estimate_tree(
                folder,
                targets,
                translator,
                include=spec.include,
                exclude=spec.exclude,
                source=source,
                domain=spec.domain,
                formality=spec.formality,
                prices=price_table(settings().prices),
            )
        show_estimate(estimate, as_json)
        return
    _run(spec, translator, as_json, executor, broker, queue)


def _prepare(
    kind: str,
    path: Path,
    to: str,
    out: Path | None,
    *,
    source: str,
    engine: str | None,
    model: str | None,
    base_url: str | None,
    glossary: str | None,
    domain: str | None,
    formality: str | None,
    tm: str | None,
    no_cache: bool,
    cache_ttl: str | None,
    db: str | None,
    budget: float | None,
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    executor: str,
    similarity: str,
    review_threshold: float | None,
    skip_checks: str | None,
    **more: Any,
) -> tuple[list[str], Translator, JobSpec]:
    """Check the options both commands share; build the translator and the job spec.

    ``more`` holds the command's own spec fields (``fmt``; or layout, include, exclude…).
    """
    _check_executor(executor)
    targets = _targets(to)
    quality = quality_options(similarity, review_threshold, skip_checks)
    translator = build_translator(
        targets,
        source,
        engine,
        model,
        base_url,
        glossary,
        tm,
        no_cache,
        cache_ttl,
        db,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        quality=quality,
    )
    options = _options(source, domain, formality, glossary, tm, no_cache, cache_ttl, base_url)
    spec = _spec(
        translator,
        kind,
        path,
        targets,
        out,
        options,
        budget=budget,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        similarity=quality.similarity,
        review_threshold=review_threshold,
        skip_checks=quality.skip,
        **more,
    )
    return targets, translator, spec


def _options(
    source: str,
    domain: str | None,
    formality: str | None,
    glossary: str | None,
    tm: str | None,
    no_cache: bool,
    cache_ttl: str | None,
    base_url: str | None,
) -> dict[str, Any]:
    """The run options both commands share, normalised for the job spec."""
    if glossary and Path(glossary).is_file():  # a file: absolute, so a resume finds it
        glossary = str(Path(glossary).resolve())
    return {
        "source": source,
        "domain": domain_sentence(domain),
        "formality": formality_value(formality),
        "glossary": glossary,
        "tm": tm,
        "use_cache": not no_cache,
        "cache_ttl": cache_ttl,
        "base_url": base_url,
    }


def _spec(
    translator: Translator,
    kind: str,
    path: Path,
    targets: list[str],
    out: Path | None,
    options: dict[str, Any],
    **more: Any,
) -> JobSpec:
    """The job spec of this run: the engine and model the translator resolved, no secrets."""
    engine = translator.engine
    return JobSpec.create(
        "file" if kind == "file" else "tree",
        path,
        targets,
        out,
        engine=engine.name,
        model=engine.model,
        **options,
        **more,
    )


def _check_executor(executor: str) -> None:
    if executor not in _EXECUTORS:
        raise InputError(f"Unknown executor {executor!r}: use {' or '.join(_EXECUTORS)}.")


def _run(
    spec: JobSpec,
    translator: Translator,
    as_json: bool,
    executor: str = "inprocess",
    broker: str | None = None,
    queue: str | None = None,
) -> None:
    """Store the job and run it (table or JSON report; Ctrl-C exits 130).

    With the ``celery`` executor, workers first translate the job's distinct texts into the
    shared database; the in-process run then finds them there and writes the outputs.
    """
    job = create_job(spec, translator, prices=price_table(settings().prices))
    if executor == "celery":
        from lingoflow.cli.worker import distribute_run

        distribute_run(
            translator,
            list(spec.targets),
            Path(spec.path),
            engine=spec.engine,
            source=spec.source,
            base_url=spec.base_url,
            glossary=spec.glossary,
            tm=spec.tm,
            cache_ttl=spec.cache_ttl,
            domain=spec.domain,
            formality=spec.formality,
            fmt=spec.fmt,
            include=list(spec.include),
            exclude=list(spec.exclude),
            job_id=job.id,
            budget=spec.budget,
            broker=broker,
            queue=queue,
        )
    execute(job, translator, as_json=as_json)


def _targets(to: str) -> list[str]:
    targets = [t.strip() for t in to.split(",") if t.strip()]
    if not targets:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    return targets
