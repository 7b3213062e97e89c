"""Review decisions: an approved or edited segment becomes an approved translation in the TM.

The queue itself lives in :mod:`lingoflow.storage.review`; this module is what a reviewer's
decision does. Approving keeps the machine text, editing replaces it; either writes (source,
final text) into the item's translation memory — the run's TM, or :data:`REVIEW_MEMORY`
when the run named none — with origin ``review``. Every translator with storage consults
:data:`REVIEW_MEMORY` when no other TM is given, and the pipeline looks the TM up before the
job journal and the cache, so the next run writes the reviewed text into the output.
Rejecting writes nothing to the TM and makes the next run ask the engine again.

Invariants: the TM is written before the decision is recorded, so a failure in between
leaves the item pending (deciding again is harmless: the TM write is an upsert); an edit's
text must not be blank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lingoflow.errors import ReviewError

if TYPE_CHECKING:
    from lingoflow.storage import Storage
    from lingoflow.storage.review import ReviewItem

__all__ = ["ORIGIN", "REVIEW_MEMORY", "approve", "edit", "reject"]

REVIEW_MEMORY = "reviewed"
"""The translation memory reviewed segments go to when their run named no TM."""
ORIGIN = "review"
"""The origin of TM entries written by review decisions."""


def _write_tm(storage: Storage, item: ReviewItem, text: str) -> None:
    from lingoflow.storage import TmEntry

    storage.tm.add(
        TmEntry(
            item.source,
            text,
            item.source_lang,
            item.target_lang,
            origin=ORIGIN,
            memory=item.memory,
        )
    )


def approve(storage: Storage, item_id: int, *, note: str = "") -> ReviewItem:
    """Accept the machine translation of pending item ``item_id`` and add it to the TM."""
    item = storage.review.get(item_id)
    if item.status != "pending":
        raise ReviewError(
            f"Review item {item_id} is already {item.status}; only pending items can be approved."
        )
    _write_tm(storage, item, item.machine_text)
    return storage.review.decide(item_id, "approved", final_text=item.machine_text, note=note)


def edit(storage: Storage, item_id: int, text: str, *, note: str = "") -> ReviewItem:
    """Replace item ``item_id``'s translation with ``text`` and add it to the TM."""
    if not text.strip():
        raise ReviewError("The edited translation is empty; give the text with --text.")
    item = storage.review.get(item_id)
    if item.status == "rejected":
        raise ReviewError(f"Review item {item_id} was rejected; a later run queues it again.")
    _write_tm(storage, item, text)
    return storage.review.decide(item_id, "edited", final_text=text, note=note)


def reject(storage: Storage, item_id: int, *, note: str = "") -> ReviewItem:
    """Reject item ``item_id``'s translation: nothing goes to the TM; the next run retranslates."""
    return storage.review.decide(item_id, "rejected", note=note)
