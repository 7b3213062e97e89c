"""Durable jobs: ``translate-file`` and ``translate-dir`` runs stored in the database.

A job is a :class:`JobSpec` — the normalised run arguments (absolute paths, language codes,
engine, model, glossary, TM, domain, layout, filters, budget; never a secret) — stored with a
status and the process running it. :func:`run_job` runs the spec through
:func:`~lingoflow.documents.translate_file` or :func:`~lingoflow.documents.translate_tree`
with ``PipelineOptions(job_id=...)``, so the pipeline journals every segment it settles and
stores each engine output as it arrives. Resuming is running the same spec again under the
same id: the journal answers every segment already paid for, so a resumed job calls the
engine only for what is missing and writes byte-identical outputs.

Statuses: ``running`` → ``done`` (every file translated, copied, skipped or unchanged),
``failed`` (a file or the run failed; resumable), ``paused`` (the budget was reached;
resumable with a higher one), ``cancelled`` (``lingoflow jobs cancel``; final) or
``interrupted`` (Ctrl-C, or — computed by :func:`effective_status`, never stored — a
``running`` job whose process on this host is gone, e.g. after ``kill -9``).

Invariants:

- One runner per job: :func:`check_resumable` refuses a job whose runner is alive.
- A stop (budget, cancellation) is checked before every engine chunk and between files; work
  finished before it is kept, and files that were not finished are not written.
- This module reads no environment: settings, prices and the translator come from the caller.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

from lingoflow.documents import (
    FileResult,
    Layout,
    TreeReport,
    Untranslatable,
    translate_file,
    translate_tree,
)
from lingoflow.errors import (
    BudgetExceededError,
    ConfigurationError,
    InputError,
    JobCancelledError,
    JobError,
    LingoflowError,
)
from lingoflow.estimate import Estimate, estimate_file, estimate_tree
from lingoflow.languages import resolve
from lingoflow.pricing import (
    DEFAULT_PRICES,
    Price,
    cost_usd,
    estimated_output_tokens,
    format_usd,
    price_for,
)
from lingoflow.qa.assess import QualitySummary
from lingoflow.translator import Translator

if TYPE_CHECKING:
    from lingoflow.storage import Job, JobFile, LanguageProgress, Storage

__all__ = [
    "JobReport",
    "JobSpec",
    "JobSummary",
    "cancel_job",
    "check_resumable",
    "create_job",
    "effective_status",
    "job_row",
    "job_summary",
    "run_job",
]

Kind = Literal["file", "tree"]
FileProgress = Callable[[FileResult, int], None]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything needed to run a job again, normalised; never a secret.

    ``path`` is the absolute input file (``kind="file"``) or folder (``"tree"``); ``out`` the
    absolute output folder (``None`` for a file: next to it); ``targets`` are language codes;
    ``domain`` is the domain sentence itself. Build one with :meth:`create`.
    """

    kind: Kind
    path: str
    targets: tuple[str, ...]
    out: str | None = None
    source: str = "auto"
    engine: str = "local"
    model: str | None = None
    base_url: str | None = None
    glossary: str | None = None
    tm: str | None = None
    domain: str | None = None
    formality: str | None = None
    fmt: str | None = None
    layout: str = "mirror"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    untranslatable: str = "copy"
    use_cache: bool = True
    cache_ttl: str | None = None
    budget: float | None = None
    concurrency: int | None = None
    rpm: int | None = None
    tpm: int | None = None
    similarity: str = "auto"  # the QA options: similarity signal, review threshold, skipped checks
    review_threshold: float | None = None
    skip_checks: tuple[str, ...] = ()

    @classmethod
    def create(
        cls, kind: Kind, path: Path, targets: Sequence[str], out: Path | None = None, **options: Any
    ) -> JobSpec:
        """Normalise and check the run arguments: absolute paths, language codes, options."""
        codes = tuple(dict.fromkeys(resolve(t).code for t in targets))
        if not codes:
            raise InputError("No target language given: use --to LANG[,LANG...].")
        if kind == "tree" and out is None:
            raise InputError("A folder job needs an output folder: pass --out.")
        for name in ("include", "exclude", "skip_checks"):
            options[name] = tuple(options.get(name) or ())
        spec = cls(kind, str(path.resolve()), codes, str(out.resolve()) if out else None, **options)
        spec.check()
        return spec

    def check(self) -> None:
        """Raise the error a run would raise for a bad option, before anything starts."""
        if self.layout not in ("mirror", "suffix"):
            raise InputError(f"--layout must be mirror or suffix, not {self.layout!r}.")
        if self.untranslatable not in ("copy", "skip"):
            raise InputError(f"--untranslatable must be copy or skip, not {self.untranslatable!r}.")
        if self.budget is not None and not self.budget >= 0:
            raise InputError(f"--budget must be a non-negative amount in USD, not {self.budget}.")
        if self.base_url and urlsplit(self.base_url).password:
            raise ConfigurationError(
                "The base URL holds a password; jobs store their URL, so put the key in the "
                "config file or the environment instead."
            )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (what the database stores)."""
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        """Rebuild a spec from :meth:`as_dict` output (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        return cls(**values)


@dataclass(frozen=True, slots=True)
class JobReport:
    """One run of a job: its files' results, the job's status after it and its total cost."""

    job_id: int
    status: str
    report: TreeReport
    cost_usd: float
    quality: QualitySummary | None = None  # QA over the segments the engine made in this run

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view: files with status, segments, provenance, findings, tokens, cost."""
        tokens_in, tokens_out = self.report.tokens
        return {
            "job": self.job_id,
            "status": self.status,
            "files": [_file_dict(f) for f in self.report.files],
            "segments": self.report.segments,
            "provenance": dict(self.report.provenance),
            "findings": self.report.findings,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "cost_usd": round(self.cost_usd, 6),
            "quality": self.quality.as_dict() if self.quality else None,
        }


@dataclass(frozen=True, slots=True)
class JobSummary:
    """What ``lingoflow jobs show`` reports: the job, its files, journal and usage."""

    job: Job
    status: str
    files: tuple[JobFile, ...]
    languages: tuple[LanguageProgress, ...]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    calls: int
    totals: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            **_job_dict(self.job, self.status),
            "files": [
                {k: v for k, v in asdict(f).items() if k != "updated_at"} for f in self.files
            ],
            "languages": [
                {
                    "target": p.target_lang,
                    "done": p.segments,
                    "total": self.totals.get(p.target_lang),
                    "provenance": dict(p.provenance),
                }
                for p in self.languages
            ],
            "engine_calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
        }


# --- lifecycle -----------------------------------------------------------------------------


def create_job(
    spec: JobSpec, translator: Translator, *, prices: Mapping[str, Price] = DEFAULT_PRICES
) -> Job:
    """Store a new job for ``spec`` with its plan (segments per language, estimated cost).

    The plan is the dry run's estimate (:mod:`lingoflow.estimate`), so a bad input or an
    unsupported language pair fails here, before any job is stored.
    """
    storage = _storage(translator)
    plan = _plan(_estimate(spec, translator, prices), translator.engine.model, prices)
    return storage.jobs.create(
        spec.kind, spec.as_dict(), pid=os.getpid(), host=socket.gethostname(), totals=plan
    )


def check_resumable(job: Job) -> None:
    """Raise :class:`JobError` unless ``job`` can be resumed now (not running, done, cancelled)."""
    status = effective_status(job)
    if status == "running":
        raise JobError(
            f"Job {job.id} is running (process {job.pid} on {job.host}); wait for it, or stop "
            f"it with `lingoflow jobs cancel {job.id}`."
        )
    if status == "done":
        raise JobError(f"Job {job.id} is done; there is nothing to resume.")
    if status == "cancelled":
        raise JobError(f"Job {job.id} was cancelled; start a new run instead.")


def run_job(
    job: Job,
    translator: Translator,
    *,
    budget: float | None = None,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
    progress: FileProgress | None = None,
) -> JobReport:
    """Run (or resume) ``job`` with ``translator``'s engine, storage and options.

    ``budget`` replaces the stored budget (USD). Marks the job ``done`` or ``failed`` and
    returns the report; on a budget stop marks it ``paused`` and raises
    :class:`BudgetExceededError` saying how to resume; on cancellation raises
    :class:`JobCancelledError`; on Ctrl-C marks it ``interrupted`` and re-raises.
    """
    storage = _storage(translator)
    spec = JobSpec.from_dict(job.spec)
    if budget is not None:
        spec = replace(spec, budget=budget)
        spec.check()
    storage.jobs.update(
        job.id,
        status="running",
        error="",
        pid=os.getpid(),
        host=socket.gethostname(),
        spec=spec.as_dict(),
    )
    options = replace(translator.pipeline.options, job_id=job.id, budget=spec.budget, prices=prices)
    worker = Translator(
        translator.engine, storage=storage, options=options, quality=translator.assessor.options
    )
    runner = _Runner(storage, job.id, worker, progress)
    try:
        report = runner.run(spec)
        if worker.pipeline.stopped is not None:  # stopped in the last file(s) to finish
            raise worker.pipeline.stopped
    except KeyboardInterrupt:
        storage.jobs.mark(job.id, "interrupted", unless=("cancelled",))
        raise
    except BudgetExceededError as exc:
        raise _paused(storage, storage.jobs.get(job.id), spec, exc) from exc
    except JobCancelledError:
        raise
    except LingoflowError as exc:
        storage.jobs.mark(job.id, "failed", str(exc), unless=("cancelled",))
        raise
    failed = sum(1 for f in report.files if f.status == "failed")
    status: Literal["done", "failed"] = "failed" if failed else "done"
    storage.jobs.mark(job.id, status, f"{failed} file(s) failed" if failed else "")
    return JobReport(job.id, status, report, storage.usage.spent(job.id), worker.quality)


def cancel_job(storage: Storage, job_id: int) -> Job:
    """Mark job ``job_id`` cancelled; a running runner stops at its next chunk or file."""
    job = storage.jobs.get(job_id)
    if job.status in ("done", "cancelled"):
        raise JobError(f"Job {job_id} is already {job.status}.")
    if not storage.jobs.mark(job_id, "cancelled", "cancelled by the user", unless=("done",)):
        raise JobError(f"Job {job_id} finished before it could be cancelled.")
    return storage.jobs.get(job_id)


def effective_status(job: Job) -> str:
    """The job's status, ``interrupted`` for a ``running`` job whose process here is gone."""
    if job.status != "running" or job.pid is None or job.host != socket.gethostname():
        return job.status
    return "running" if _alive(job.pid) else "interrupted"


def job_summary(storage: Storage, job_id: int) -> JobSummary:
    """Gather what ``lingoflow jobs show`` reports for job ``job_id``."""
    job = storage.jobs.get(job_id)
    (usage,) = storage.usage.totals(job_id=job_id)
    return JobSummary(
        job=job,
        status=effective_status(job),
        files=tuple(storage.jobs.files(job_id)),
        languages=tuple(storage.jobs.progress(job_id)),
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=usage.cost_usd,
        calls=usage.calls,
        totals=dict(job.totals.get("segments", {})),
    )


def job_row(job: Job) -> dict[str, Any]:
    """A JSON-ready view of a job for listings."""
    return _job_dict(job, effective_status(job))


# --- running -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Runner:
    """Runs one job's spec, recording each file and stopping between files when asked."""

    storage: Storage
    job_id: int
    translator: Translator
    progress: FileProgress | None

    def run(self, spec: JobSpec) -> TreeReport:
        t = self.translator
        if spec.kind == "file":
            report = translate_file(
                Path(spec.path),
                spec.targets,
                t,
                out_dir=Path(spec.out) if spec.out else None,
                fmt=spec.fmt,
                source=spec.source,
                domain=spec.domain,
                formality=spec.formality,
            )
            for result in report.files:
                self.file_done(result, 1)
            return report
        return translate_tree(
            Path(spec.path),
            Path(spec.out or "."),
            spec.targets,
            t,
            include=spec.include,
            exclude=spec.exclude,
            layout=cast(Layout, spec.layout),
            untranslatable=cast(Untranslatable, spec.untranslatable),
            progress=self.file_done,
            source=spec.source,
            domain=spec.domain,
            formality=spec.formality,
        )

    def file_done(self, result: FileResult, total: int) -> None:
        """Record one finished file; stop the run on a stop or a cancellation.

        After the pipeline stopped (budget, cancellation), a failed file is not recorded (it
        failed because of the stop; the resume translates it). The stop is raised — which
        cancels the files still in flight — only once no admitted segment is still on its
        way, so what was sent is stored, not lost.
        """
        from lingoflow.storage import JobFile

        pipeline = self.translator.pipeline
        stop = pipeline.stopped
        if stop is None or result.status != "failed":
            self.storage.jobs.record_file(
                self.job_id,
                JobFile(
                    result.path,
                    result.status,
                    result.error,
                    result.segments,
                    result.findings,
                    result.input_tokens,
                    result.output_tokens,
                ),
            )
            if self.progress is not None:
                self.progress(result, total)
        if stop is not None:
            if pipeline.ledger.pending == 0:
                raise stop
        elif self.storage.jobs.status(self.job_id) == "cancelled":
            raise JobCancelledError(f"Job {self.job_id} was cancelled.")


def _paused(
    storage: Storage, job: Job, spec: JobSpec, exc: BudgetExceededError
) -> BudgetExceededError:
    """Mark ``job`` paused and return the error telling the user how to go on."""
    estimated = float(job.totals.get("estimated_cost_usd") or 0.0)
    suggestion = max(exc.spent + exc.needed, estimated, exc.budget) * 1.1
    suggestion = math.ceil(suggestion * 100) / 100
    message = (
        f"Job {job.id} paused: spent {format_usd(exc.spent)} of {format_usd(exc.budget)}; "
        f"raise with `lingoflow jobs resume {job.id} --budget {suggestion:g}`."
    )
    storage.jobs.mark(job.id, "paused", message)
    return BudgetExceededError(message, spent=exc.spent, budget=exc.budget, needed=exc.needed)


def _estimate(spec: JobSpec, translator: Translator, prices: Mapping[str, Price]) -> Estimate:
    if spec.kind == "file":
        return estimate_file(
            Path(spec.path),
            spec.targets,
            translator,
            fmt=spec.fmt,
            source=spec.source,
            domain=spec.domain,
            formality=spec.formality,
            prices=prices,
        )
    return estimate_tree(
        Path(spec.path),
        spec.targets,
        translator,
        include=spec.include,
        exclude=spec.exclude,
        source=spec.source,
        domain=spec.domain,
        formality=spec.formality,
        prices=prices,
    )


def _plan(estimate: Estimate, model: str, prices: Mapping[str, Price]) -> dict[str, Any]:
    """What a job will do: distinct segments per language, engine tokens and estimated cost."""
    tokens = sum(t.engine_tokens for t in estimate.targets)
    price = price_for(model, prices)
    cost = cost_usd(price, tokens, estimated_output_tokens(tokens)) if price else 0.0
    return {
        "segments": {t.target.code: t.distinct for t in estimate.targets},
        "engine_tokens_estimate": tokens,
        "estimated_cost_usd": round(cost, 6),
    }


def _storage(translator: Translator) -> Storage:
    storage = translator.pipeline.storage
    if storage is None:
        raise JobError("Jobs are stored in the database: build the translator with a storage.")
    return storage


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists here and is not a zombie (killed, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): the signal check above is all we have
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _file_dict(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "status": result.status,
        "error": result.error,
        "segments": result.segments,
        "provenance": dict(result.provenance),
        "findings": result.findings,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "outputs": list(result.outputs),
    }


def _job_dict(job: Job, status: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": status,
        "error": job.error,
        "spec": dict(job.spec),
        "plan": dict(job.totals),
        "pid": job.pid,
        "host": job.host,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }
