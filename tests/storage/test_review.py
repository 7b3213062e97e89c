"""The review queue on SQLite and PostgreSQL: de-duplicated adds, listing, decisions, TM writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lingoflow.errors import ReviewError, UnknownReviewItemError
from lingoflow.qa import review
from lingoflow.signature import segment_key
from lingoflow.storage import JournalEntry, ReviewItem, Storage
from lingoflow.types import Finding
from tests.storage.conftest import SIGNATURE, cache_entry

LOST = Finding("placeholder-lost", "critical", "lost: token {{1}} for '{name}'")


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    with Storage.open(db_url) as opened:
        yield opened


def item(source: str, *, job_id: int | None = None, memory: str = "reviewed") -> ReviewItem:
    return ReviewItem(
        segment_key=segment_key(source, "en", "de", SIGNATURE),
        source_lang="en",
        target_lang="de",
        source=source,
        machine_text=f"DE {source}",
        memory=memory,
        findings=(LOST,),
        score=20.0,
        job_id=job_id,
        path="docs/a.md",
        engine="test-engine",
        model="test-model",
    )


def test_added_items_come_back_pending_with_everything_stored(storage: Storage) -> None:
    assert storage.review.add_many([item("Hello {name}."), item("Bye.")]) == 2
    first, second = storage.review.items()
    assert (first.id, second.id) == (1, 2)
    assert first.status == "pending"
    assert (first.source, first.machine_text, first.findings) == (
        "Hello {name}.",
        "DE Hello {name}.",
        (LOST,),
    )
    assert (first.score, first.path, first.memory, first.engine) == (
        20.0,
        "docs/a.md",
        "reviewed",
        "test-engine",
    )
    assert first.created_at is not None
    assert first.decided_at is None
    assert storage.review.get(2) == second


def test_a_segment_is_pending_once_per_job(storage: Storage) -> None:
    job = storage.jobs.create("file", {})
    assert storage.review.add_many([item("Hi."), item("Hi.")]) == 1
    assert storage.review.add_many([item("Hi.")]) == 0
    assert storage.review.add_many([item("Hi.", job_id=job.id)]) == 1
    assert storage.review.add_many([item("Hi.", job_id=job.id), item("Ho.", job_id=job.id)]) == 1
    assert [i.job_id for i in storage.review.items()] == [None, job.id, job.id]
    assert [i.source for i in storage.review.items(job_id=job.id)] == ["Hi.", "Ho."]


def test_a_decided_segment_can_be_queued_again(storage: Storage) -> None:
    storage.review.add_many([item("Hi.")])
    review.reject(storage, 1)
    assert storage.review.add_many([item("Hi.")]) == 1
    assert [i.status for i in storage.review.items()] == ["rejected", "pending"]


def test_listing_filters_by_status_and_counts(storage: Storage) -> None:
    storage.review.add_many([item("One."), item("Two."), item("Three.")])
    review.approve(storage, 2)
    assert [i.source for i in storage.review.items(status="pending")] == ["One.", "Three."]
    assert [i.source for i in storage.review.items(status="approved")] == ["Two."]
    assert len(storage.review.items(limit=1)) == 1
    assert storage.review.counts() == {"pending": 2, "approved": 1, "edited": 0, "rejected": 0}


def test_unknown_items_are_errors(storage: Storage) -> None:
    with pytest.raises(UnknownReviewItemError, match="Unknown review item 7"):
        storage.review.get(7)
    for decide in (review.approve, review.reject):
        with pytest.raises(UnknownReviewItemError):
            decide(storage, 7)
    with pytest.raises(UnknownReviewItemError):
        review.edit(storage, 7, "Text.")


def test_approve_puts_the_machine_text_into_the_items_tm(storage: Storage) -> None:
    storage.review.add_many([item("Hello.", memory="project")])
    done = review.approve(storage, 1, note="fine")
    assert (done.status, done.final_text, done.note) == ("approved", "DE Hello.", "fine")
    assert done.decided_at is not None
    assert storage.tm.exact("project", "en", "de", ["Hello."]) == {"Hello.": "DE Hello."}
    (entry,) = storage.tm.iter_entries("project")
    assert entry.origin == review.ORIGIN


def test_edit_puts_the_new_text_into_the_tm_and_can_be_edited_again(storage: Storage) -> None:
    storage.review.add_many([item("Hello.")])
    review.edit(storage, 1, "Hallo.")
    again = review.edit(storage, 1, "Hallo!", note="punchier")
    assert (again.status, again.final_text, again.note) == ("edited", "Hallo!", "punchier")
    assert storage.tm.exact("reviewed", "en", "de", ["Hello."]) == {"Hello.": "Hallo!"}


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_edit_is_refused(storage: Storage, text: str) -> None:
    storage.review.add_many([item("Hello.")])
    with pytest.raises(ReviewError, match="empty"):
        review.edit(storage, 1, text)
    assert storage.review.get(1).status == "pending"


def test_decided_items_cannot_be_approved_or_rejected_again(storage: Storage) -> None:
    storage.review.add_many([item("One."), item("Two.")])
    review.approve(storage, 1)
    review.reject(storage, 2)
    with pytest.raises(ReviewError, match="already approved"):
        review.approve(storage, 1)
    with pytest.raises(ReviewError, match="already approved"):
        review.reject(storage, 1)
    with pytest.raises(ReviewError, match="rejected"):
        review.edit(storage, 2, "Zwei.")
    assert storage.tm.exact("reviewed", "en", "de", ["Two."]) == {}


def test_reject_evicts_the_cached_output_and_the_jobs_journal_row(storage: Storage) -> None:
    job = storage.jobs.create("file", {})
    cached = cache_entry("Hello.")
    storage.cache.put(cached)
    journal = JournalEntry(cached.key, "en", "de", "Hello.", "DE Hello.", "engine")
    storage.jobs.add_journal(job.id, [journal])
    storage.review.add_many([item("Hello.", job_id=job.id)])
    assert storage.review.get(1).segment_key == cached.key

    storage.review.decide(1, "rejected", note="wrong sense")

    assert storage.cache.get(cached.key) is None
    assert storage.jobs.journal(job.id, [cached.key]) == {}
    assert storage.tm.exact("reviewed", "en", "de", ["Hello."]) == {}


def test_pending_is_not_a_decision(storage: Storage) -> None:
    storage.review.add_many([item("One.")])
    with pytest.raises(ReviewError, match="not 'pending'"):
        storage.review.decide(1, "pending")
