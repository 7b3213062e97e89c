"""The job store and the per-segment journal, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from lingoflow.errors import StorageError, UnknownJobError
from lingoflow.signature import segment_key
from lingoflow.storage import (
    Database,
    JobFile,
    JobStore,
    JournalEntry,
    LanguageProgress,
    Storage,
    UsageRecord,
)
from lingoflow.storage.cache import BATCH
from lingoflow.types import Finding, Usage

from .conftest import SIGNATURE, cache_entry

SPEC = {"kind": "tree", "path": "/data/src", "targets": ["de", "fr"], "budget": 2.5}


@pytest.fixture
def jobs(database: Database) -> JobStore:
    return JobStore(database)


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    with Storage.open(db_url) as opened:
        yield opened


def entry(
    text: str, target: str = "de", *, tokens: tuple[int, int] = (0, 0), cost: float = 0.0
) -> JournalEntry:
    """Return the journal entry of translating ``text`` from English into ``target``."""
    key = segment_key(text, "en", target, SIGNATURE)
    translation = f"{target.upper()} {text}"
    return JournalEntry(
        key, "en", target, text, translation, "engine", usage=Usage(*tokens), cost_usd=cost
    )


def test_a_created_job_round_trips_and_lists_newest_first(jobs: JobStore) -> None:
    first = jobs.create("tree", SPEC, pid=123, host="box", totals={"segments": {"de": 4}})
    second = jobs.create("file", {"kind": "file"})
    summary = (first.kind, first.spec, first.status, first.pid, first.host, first.error)
    assert summary == ("tree", SPEC, "running", 123, "box", "")
    assert first.totals == {"segments": {"de": 4}}
    assert first.created_at == first.updated_at
    assert jobs.get(first.id) == first
    assert [j.id for j in jobs.recent()] == [second.id, first.id]
    assert [j.id for j in jobs.recent(limit=1)] == [second.id]


def test_unknown_jobs_raise_a_clear_error(jobs: JobStore) -> None:
    for call in (lambda: jobs.get(99), lambda: jobs.status(99), lambda: jobs.update(99, error="")):
        with pytest.raises(UnknownJobError, match="Unknown job 99"):
            call()


def test_update_and_mark_change_status_and_fields(jobs: JobStore) -> None:
    job = jobs.create("tree", SPEC, pid=1, host="a")
    updated = jobs.update(job.id, pid=2, host="b", spec={**SPEC, "budget": 5.0}, status="paused")
    changed = (updated.pid, updated.host, updated.spec["budget"], updated.status)
    assert changed == (2, "b", 5.0, "paused")
    assert updated.updated_at >= job.updated_at
    assert jobs.mark(job.id, "cancelled", "by the user")
    assert not jobs.mark(job.id, "done", unless=("cancelled",))
    assert (jobs.status(job.id), jobs.get(job.id).error) == ("cancelled", "by the user")
    with pytest.raises(ValueError, match="Unknown job fields: colour"):
        jobs.update(job.id, colour="red")


def test_a_files_latest_result_replaces_the_previous_one(jobs: JobStore) -> None:
    job = jobs.create("tree", SPEC)
    jobs.record_file(job.id, JobFile("docs/a.md", "failed", "boom"))
    jobs.record_file(job.id, JobFile("b.json", "translated", "", 3, 1, 30, 40))
    jobs.record_file(job.id, JobFile("docs/a.md", "translated", "", 5, 0, 50, 60))
    files = jobs.files(job.id)
    assert [(f.path, f.status, f.error, f.segments, f.input_tokens) for f in files] == [
        ("b.json", "translated", "", 3, 30),
        ("docs/a.md", "translated", "", 5, 50),
    ]
    assert jobs.files(job.id + 1) == []


def test_the_journal_round_trips_entries_by_key_per_job(jobs: JobStore) -> None:
    job, other = jobs.create("tree", SPEC), jobs.create("tree", SPEC)
    findings = (Finding("placeholder-lost", "minor", "lost: token {{1}} (fixed by a retry)"),)
    saved = replace(
        entry("Save.", tokens=(3, 4), cost=0.01),
        model="qwen-mt-plus",
        key_id="key-2",
        findings=findings,
    )
    jobs.add_journal(job.id, [saved, entry("Open.", "fr")])
    found = jobs.journal(job.id, [saved.key, entry("Open.", "fr").key, "0" * 64])
    assert set(found) == {saved.key, entry("Open.", "fr").key}
    got = found[saved.key]
    assert got.updated_at is not None
    assert got == replace(saved, updated_at=got.updated_at)
    assert jobs.journal(other.id, [saved.key]) == {}


def test_journal_writes_upsert_one_row_per_key(jobs: JobStore) -> None:
    job = jobs.create("tree", SPEC)
    jobs.add_journal(job.id, [entry("Save.")])
    again = replace(entry("Save."), text="Sichern.", provenance="cache")
    jobs.add_journal(job.id, [again])
    (only,) = jobs.journal(job.id, [again.key]).values()
    assert (only.text, only.provenance) == ("Sichern.", "cache")
    assert [p.segments for p in jobs.progress(job.id)] == [1]


def test_journal_reads_and_writes_in_batches(jobs: JobStore) -> None:
    job = jobs.create("tree", SPEC)
    entries = [entry(f"Sentence {i}.") for i in range(BATCH + 10)]
    jobs.add_journal(job.id, entries)
    assert len(jobs.journal(job.id, [e.key for e in entries])) == BATCH + 10


def test_progress_sums_the_journal_per_language_and_scores_attach(jobs: JobStore) -> None:
    job = jobs.create("tree", SPEC)
    jobs.add_journal(
        job.id,
        [
            entry("A.", tokens=(2, 3), cost=0.5),
            entry("B.", tokens=(4, 5), cost=0.25),
            replace(entry("C."), provenance="copy"),
            entry("A.", "fr", tokens=(1, 1), cost=0.125),
        ],
    )
    assert jobs.progress(job.id) == [
        LanguageProgress("de", 3, {"copy": 1, "engine": 2}, 6, 8, 0.75),
        LanguageProgress("fr", 1, {"engine": 1}, 1, 1, 0.125),
    ]
    jobs.set_scores(job.id, {entry("A.").key: 0.875})
    scored = jobs.journal(job.id, [entry("A.").key, entry("B.").key])
    assert (scored[entry("A.").key].score, scored[entry("B.").key].score) == (0.875, None)


def test_record_stores_journal_cache_and_usage_in_one_transaction(storage: Storage) -> None:
    job = storage.jobs.create("tree", SPEC)
    cached = cache_entry("Save.")
    call = UsageRecord("qwen-mt", "qwen-mt-flash", "en", "de", Usage(3, 4), 0.01, job_id=job.id)
    storage.record(job_id=job.id, journal=[entry("Save.")], cache=[cached], usage=[call])
    assert set(storage.jobs.journal(job.id, [entry("Save.").key])) == {entry("Save.").key}
    assert storage.cache.get(cached.key) is not None
    assert storage.usage.spent(job.id) == pytest.approx(0.01)

    # A journal row for a job that does not exist breaks the foreign key: nothing is stored.
    lost = cache_entry("Lost.")
    with pytest.raises(StorageError):
        storage.record(job_id=job.id + 100, journal=[entry("Lost.")], cache=[lost], usage=[call])
    assert storage.cache.get(lost.key) is None
    assert storage.usage.totals()[0].calls == 1


def test_record_refuses_a_journal_without_a_job(storage: Storage) -> None:
    with pytest.raises(ValueError, match="pass job_id"):
        storage.record(journal=[entry("Save.")])


def test_migration_m003_is_recorded(database: Database) -> None:
    with database.read() as conn:
        names = set(conn.execute(sa.text("SELECT name FROM _migrations")).scalars())
    assert "m003_jobs" in names
