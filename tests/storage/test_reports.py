"""The report's journal read: every entry of one job, in journal order, on both databases."""

from __future__ import annotations

from lingoflow.storage import Database, JobStore, JournalEntry
from lingoflow.storage.reports import journal_entries
from lingoflow.types import Finding, Usage


def entry(key: str, target: str, score: float | None = None) -> JournalEntry:
    finding = Finding("number-mismatch", "major", "A number differs.")
    return JournalEntry(
        key,
        "en",
        target,
        f"src {key}",
        f"txt {key}",
        "engine",
        "m",
        "",
        Usage(1, 2),
        0.5,
        (finding,),
        score,
    )


def test_every_entry_of_the_job_and_no_other(database: Database) -> None:
    jobs = JobStore(database)
    first, second = jobs.create("file", {}), jobs.create("file", {})
    jobs.add_journal(first.id, [entry("b", "es", 80.0), entry("a", "de")])
    jobs.add_journal(second.id, [entry("c", "fr")])
    jobs.add_journal(first.id, [entry("z", "es", 12.5)])
    found = journal_entries(database, first.id)  # in the order the rows were written
    assert [(e.key, e.target_lang, e.score) for e in found] == [
        ("a", "de", None),  # one batch is written in key order
        ("b", "es", 80.0),
        ("z", "es", 12.5),
    ]
    assert found[1].findings == (Finding("number-mismatch", "major", "A number differs."),)
    assert found[1].usage == Usage(1, 2)
    assert journal_entries(database, 999) == []
