"""Gather a job's quality report from storage: job, files, journal, usage and review queue.

Invariants:

- Only store methods are called here (no SQL); what each table holds is turned into the
  plain rows of :mod:`lingoflow.report.model` by small converters.
- No job id means the most recent job; an unknown id raises
  :class:`~lingoflow.errors.UnknownJobError`, no job at all :class:`~lingoflow.errors.InputError`.
- A segment's findings are its journal row's plus those of its review items (by segment
  key), each distinct finding once: the run's QA findings reach the review queue even where
  the journal keeps only the pipeline's own.
- Tokens and cost per language are the journal's (what each kept segment cost); the
  ``billed`` line is the usage records' total for the job, which also counts calls whose
  output was not kept (safe retries, a run stopped mid-batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lingoflow.errors import InputError
from lingoflow.report.model import (
    Billed,
    FileRow,
    JobInfo,
    QualityReport,
    ReviewItem,
    SegmentRow,
    build_report,
)

if TYPE_CHECKING:
    from lingoflow.storage import Storage
    from lingoflow.storage.jobs import Job, JobFile, JournalEntry
    from lingoflow.storage.review import ReviewItem as StoredReviewItem
    from lingoflow.types import Finding

__all__ = ["file_rows", "job_info", "load_report", "review_items", "segment_rows"]


def _text(spec: Mapping[str, Any], name: str) -> str:
    """Return ``spec[name]`` as text, ``""`` when it is missing or empty."""
    value = spec.get(name)
    return str(value) if value else ""


def job_info(job: Job) -> JobInfo:
    """Describe ``job`` from its stored row and normalised spec (see ``jobs.JobSpec``)."""
    from lingoflow.jobs import effective_status  # the pipeline and engines, only when needed

    spec = job.spec
    targets = spec.get("targets") or ()
    return JobInfo(
        id=job.id,
        kind=job.kind,
        status=effective_status(job),
        created_at=job.created_at,
        updated_at=job.updated_at,
        source=_text(spec, "source"),
        targets=tuple(str(t) for t in targets) if isinstance(targets, list | tuple) else (),
        engine=_text(spec, "engine"),
        model=_text(spec, "model"),
        inputs=_text(spec, "path") + (f" → {spec['out']}" if spec.get("out") else ""),
        error=job.error,
    )


def _merged(*groups: Iterable[Finding]) -> tuple[tuple[str, str], ...]:
    """Return the ``(check, severity)`` of each distinct finding in ``groups``, in order."""
    distinct = dict.fromkeys(f for group in groups for f in group)
    return tuple((f.check, f.severity) for f in distinct)


def segment_rows(
    entries: Iterable[JournalEntry], flagged: Mapping[str, Sequence[Finding]] | None = None
) -> list[SegmentRow]:
    """Turn journal entries into report rows, adding the findings of their review items.

    ``flagged`` maps segment keys to the findings their review items hold: the run's QA
    findings reach the queue even where the journal keeps only the pipeline's own.
    """
    extra = flagged or {}
    return [
        SegmentRow(
            target=e.target_lang,
            provenance=e.provenance,
            model=e.model,
            score=e.score,
            findings=_merged(e.findings, extra.get(e.key, ())),
            input_tokens=e.usage.input_tokens,
            output_tokens=e.usage.output_tokens,
            cost=e.cost_usd,
        )
        for e in entries
    ]


def file_rows(files: Iterable[JobFile]) -> list[FileRow]:
    """Turn the job's file results into report rows."""
    return [
        FileRow(f.path, f.status, f.segments, f.findings, f.input_tokens, f.output_tokens, f.error)
        for f in files
    ]


def _billed(storage: Storage, job_id: int) -> Billed:
    """Return the usage records' total for the job."""
    total = storage.usage.totals(job_id=job_id)[0]
    return Billed(total.calls, total.input_tokens, total.output_tokens, total.cost_usd)


def review_items(items: Iterable[StoredReviewItem]) -> list[ReviewItem]:
    """Turn the job's review queue items into report rows."""
    return [
        ReviewItem(
            id=item.id or 0,
            status=item.status,
            target=item.target_lang,
            source_text=item.source,
            text=item.final_text if item.final_text is not None else item.machine_text,
            score=item.score,
            checks=tuple(dict.fromkeys(f.check for f in item.findings)),
            file=item.path or "",
        )
        for item in items
    ]


def load_report(
    storage: Storage,
    job_id: int | None = None,
    *,
    threshold: float | None = None,
    now: datetime | None = None,
) -> QualityReport:
    """Build the quality report of job ``job_id`` (default: the most recent job).

    ``threshold`` is the review threshold the report counts scores against (default: the
    quality score's :data:`~lingoflow.qa.score.REVIEW_THRESHOLD`).
    """
    from lingoflow.qa.score import REVIEW_THRESHOLD
    from lingoflow.storage.reports import journal_entries

    if job_id is None:
        recent = storage.jobs.recent(1)
        if not recent:
            raise InputError(
                "No jobs yet: translate-file and translate-dir runs are jobs; run one first."
            )
        job = recent[0]
    else:
        job = storage.jobs.get(job_id)
    queue = storage.review.items(job_id=job.id)
    flagged: dict[str, list[Finding]] = {}
    for item in queue:
        flagged.setdefault(item.segment_key, []).extend(item.findings)
    return build_report(
        job_info(job),
        segment_rows(journal_entries(storage.database, job.id), flagged),
        file_rows(storage.jobs.files(job.id)),
        review_items(queue),
        threshold=REVIEW_THRESHOLD if threshold is None else threshold,
        billed=_billed(storage, job.id),
        generated_at=now or datetime.now(UTC),
    )
