"""Read-only queries for the quality report: a job's whole journal, in one pass.

:class:`~lingoflow.storage.jobs.JobStore` reads the journal by segment key (what a resuming
run needs); the report needs every entry of a job, which this module reads with the same
table definition and row conversion, so the two cannot disagree about the columns.

Invariants:

- Nothing here writes.
- Entries come in the order they were written (``id``), so two reads of an unchanged job
  give the same report.
"""

from __future__ import annotations

import sqlalchemy as sa

from lingoflow.storage.db import Database
from lingoflow.storage.jobs import JournalEntry, journal_table
from lingoflow.storage.jobs import _journal_entry as journal_entry

__all__ = ["journal_entries"]


def journal_entries(database: Database, job_id: int) -> list[JournalEntry]:
    """Return every journal entry of job ``job_id`` (none for an unknown job)."""
    c = journal_table.c
    query = sa.select(journal_table).where(c.job_id == job_id).order_by(c.id)
    with database.read() as conn:
        return [journal_entry(row) for row in conn.execute(query)]
