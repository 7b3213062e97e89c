"""Glossaries: named, versioned term lists for language pairs.

Invariants:

- Every change (:meth:`~GlossaryStore.replace`, :meth:`~GlossaryStore.add`,
  :meth:`~GlossaryStore.delete`) raises the glossary's version by one in the same
  transaction. The version goes into signatures (``"<name>@<version>"``, see
  :attr:`GlossaryInfo.version_tag`), so a changed glossary never reuses cached translations.
  A deleted glossary keeps its row (marked deleted) so that re-creating it continues the
  count: a version is never reused for different content.
- Entries are unique per (glossary, source language, target language, source term,
  ``case_sensitive``). The term is compared normalised (NFC, whitespace collapsed, trimmed)
  and, unless ``case_sensitive``, case-folded: ``"API"`` and ``"api"`` are one
  case-insensitive term, but a case-sensitive ``"API"`` may sit beside a case-insensitive
  ``"api"``. A duplicate replaces the earlier entry: within one call the *last* occurrence
  wins, and :meth:`~GlossaryStore.add` replaces stored entries with the same key. Choosing
  between conflicting targets is the importer's job; the store only guarantees that the
  outcome is deterministic.
- :meth:`~GlossaryStore.entries` returns entries in a stable order whatever the database:
  by pair, then source term (by code point), then ``case_sensitive``.
"""

from __future__ import annotations

import builtins
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lingoflow.errors import InputError, UnknownGlossaryError
from lingoflow.storage.db import Database, PairCount, UTCDateTime, dialect_insert, upsert, utcnow
from lingoflow.storage.tm import normalize
from lingoflow.types import GlossaryEntry

__all__ = ["GlossaryInfo", "GlossaryStore", "UnknownGlossaryError"]

_meta = sa.MetaData()
glossaries_table = sa.Table(
    "glossaries",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
entries_table = sa.Table(
    "glossary_entries",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("glossary_id", sa.Integer, sa.ForeignKey("glossaries.id"), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
    sa.Column("term_key", sa.String(64), nullable=False),
    sa.Column("case_sensitive", sa.Boolean, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("do_not_translate", sa.Boolean, nullable=False),
)
_KEY = ["glossary_id", "source_lang", "target_lang", "term_key", "case_sensitive"]
_UPDATED = ["source", "target", "note", "do_not_translate"]


@dataclass(frozen=True, slots=True)
class GlossaryInfo:
    """A stored glossary: its name, version and entry counts per language pair."""

    name: str
    version: int
    entries: int
    pairs: tuple[PairCount, ...]

    @property
    def version_tag(self) -> str:
        """The glossary state as signatures name it: ``"<name>@<version>"``."""
        return f"{self.name}@{self.version}"


def _term_key(entry: GlossaryEntry) -> str:
    """Return the uniqueness key of the entry's source term (see the module invariants)."""
    term = normalize(entry.source)
    if not term:
        raise InputError(f"Glossary entry {entry!r} has an empty source term; remove it.")
    return hashlib.sha256((term if entry.case_sensitive else term.casefold()).encode()).hexdigest()


def _row(glossary_id: int, entry: GlossaryEntry) -> dict[str, Any]:
    """Return the table row for ``entry`` in glossary ``glossary_id``."""
    return {
        "glossary_id": glossary_id,
        "source_lang": entry.source_lang,
        "target_lang": entry.target_lang,
        "term_key": _term_key(entry),
        "case_sensitive": entry.case_sensitive,
        "source": entry.source,
        "target": entry.target,
        "note": entry.note,
        "do_not_translate": entry.do_not_translate,
    }


def _entry(row: sa.Row[Any]) -> GlossaryEntry:
    """Return the glossary entry stored in ``row``."""
    return GlossaryEntry(
        source=row.source,
        target=row.target,
        source_lang=row.source_lang,
        target_lang=row.target_lang,
        note=row.note,
        case_sensitive=row.case_sensitive,
        do_not_translate=row.do_not_translate,
    )


def _order(entry: GlossaryEntry) -> tuple[str, str, str, bool]:
    """Return the sort key of :meth:`GlossaryStore.entries` (by code point)."""
    return (entry.source_lang, entry.target_lang, entry.source, entry.case_sensitive)


def _bump(conn: Connection, name: str) -> tuple[int, int]:
    """Create, revive or lock glossary ``name``, raise its version; return (id, version)."""
    now = utcnow()
    insert = dialect_insert(conn, glossaries_table).values(
        name=name, version=1, deleted=False, created_at=now, updated_at=now
    )
    statement = insert.on_conflict_do_update(
        index_elements=["name"],
        set_={"version": glossaries_table.c.version + 1, "deleted": False, "updated_at": now},
    ).returning(glossaries_table.c.id, glossaries_table.c.version)
    glossary_id, version = conn.execute(statement).one()
    return glossary_id, version


def _find(conn: Connection, name: str) -> tuple[int, int]:
    """Return the (id, version) of live glossary ``name`` or raise UnknownGlossaryError."""
    c = glossaries_table.c
    query = sa.select(c.id, c.version).where(c.name == name, c.deleted == sa.false())
    row = conn.execute(query).one_or_none()
    if row is None:
        raise UnknownGlossaryError(name)
    return row.id, row.version


class GlossaryStore:
    """Named glossaries with a version bumped on every change."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database

    def replace(self, name: str, entries: Iterable[GlossaryEntry]) -> int:
        """Make ``entries`` the whole content of glossary ``name``; return its new version."""
        with self._db.write() as conn:
            glossary_id, version = _bump(conn, name)
            conn.execute(sa.delete(entries_table).where(entries_table.c.glossary_id == glossary_id))
            self._upsert(conn, glossary_id, entries)
        return version

    def add(self, name: str, entries: Iterable[GlossaryEntry]) -> int:
        """Add ``entries`` to glossary ``name`` (created if needed); return its new version."""
        with self._db.write() as conn:
            glossary_id, version = _bump(conn, name)
            self._upsert(conn, glossary_id, entries)
        return version

    @staticmethod
    def _upsert(conn: Connection, glossary_id: int, entries: Iterable[GlossaryEntry]) -> None:
        """Write ``entries`` to the glossary, the last of duplicate keys winning."""
        rows = [_row(glossary_id, entry) for entry in entries]
        upsert(conn, entries_table, rows, key=_KEY, update=_UPDATED)

    def delete(self, name: str) -> None:
        """Delete glossary ``name`` and its entries (its version count is kept)."""
        with self._db.write() as conn:
            glossary_id, _ = _find(conn, name)
            _bump(conn, name)
            conn.execute(sa.delete(entries_table).where(entries_table.c.glossary_id == glossary_id))
            c = glossaries_table.c
            conn.execute(
                sa.update(glossaries_table).where(c.id == glossary_id).values(deleted=True)
            )

    def version(self, name: str) -> int:
        """Return the current version of glossary ``name``."""
        with self._db.read() as conn:
            return _find(conn, name)[1]

    def entries(
        self, name: str, source_lang: str | None = None, target_lang: str | None = None
    ) -> builtins.list[GlossaryEntry]:
        """Return the entries of glossary ``name``, optionally of one language pair only."""
        c = entries_table.c
        with self._db.read() as conn:
            glossary_id, _ = _find(conn, name)
            query = sa.select(entries_table).where(c.glossary_id == glossary_id)
            if source_lang is not None:
                query = query.where(c.source_lang == source_lang)
            if target_lang is not None:
                query = query.where(c.target_lang == target_lang)
            entries = [_entry(row) for row in conn.execute(query)]
        # Sorted here, not in SQL: the order must not depend on the database's collation.
        return sorted(entries, key=_order)

    def list(self) -> builtins.list[GlossaryInfo]:
        """Return every live glossary with its version and entry counts, by name."""
        g, e = glossaries_table.c, entries_table.c
        query = (
            sa.select(g.name, g.version, e.source_lang, e.target_lang, sa.func.count(e.id))
            .select_from(glossaries_table.outerjoin(entries_table))
            .where(g.deleted == sa.false())
            .group_by(g.name, g.version, e.source_lang, e.target_lang)
            .order_by(g.name, e.source_lang, e.target_lang)
        )
        versions: dict[str, int] = {}
        pairs: dict[str, builtins.list[PairCount]] = defaultdict(builtins.list)
        with self._db.read() as conn:
            for name, version, source_lang, target_lang, count in conn.execute(query):
                versions[name] = version
                if count:
                    pairs[name].append(PairCount(source_lang, target_lang, count))
        return [
            GlossaryInfo(name, version, sum(p.entries for p in pairs[name]), tuple(pairs[name]))
            for name, version in versions.items()
        ]
