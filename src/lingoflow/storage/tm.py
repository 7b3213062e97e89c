"""Translation memory: approved source/target pairs in named memories, exact and fuzzy lookup.

An entry belongs to a memory (``"default"`` unless named) and a language pair (Qwen-MT codes)
and records its origin (``"engine:model"``, ``"import:tmx"``, ``"human"``) and, for engine
output, the signature that produced it.

Invariants:

- Matching text is *normalised*: Unicode NFC, every run of whitespace collapsed to one
  space, leading and trailing whitespace removed (case is kept). An entry is unique per
  (memory, source language, target language, normalised source) — stored as a SHA-256 so that
  long segments fit a PostgreSQL index — and adding an entry with the same key updates its
  target, raw source, origin and signature (the last write wins).
- :meth:`TranslationMemory.exact` looks a batch of sources up by that key; keys of the answer
  are the caller's own strings.
- :meth:`TranslationMemory.fuzzy` never scans the database per segment: each (memory, pair)
  is loaded once into an in-memory index and scored with rapidfuzz's ``fuzz.ratio``
  (normalised Indel similarity, 0..1) over normalised text. Each pair has a *revision* in
  ``tm_pairs``, bumped in every write transaction; a lookup reads it (one primary-key query)
  and reloads the pair only when another writer changed it. Writes through this store update
  its own index in place, so interleaving lookups and writes stays cheap.
- Pair rows are never deleted: a revision must not restart, or a stale index could pass for
  fresh.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.engine import Connection

from lingoflow.signature import Signature
from lingoflow.storage.db import (
    Database,
    PairCount,
    UTCDateTime,
    chunked,
    dialect_insert,
    upsert,
    utcnow,
)
from lingoflow.types import Example

__all__ = [
    "DEFAULT_MEMORY",
    "MemoryStats",
    "TmEntry",
    "TmMatch",
    "TranslationMemory",
    "normalize",
]

DEFAULT_MEMORY = "default"
WRITE_BATCH = 1000
"""Entries per write transaction in :meth:`TranslationMemory.add_many`."""

_meta = sa.MetaData()
pairs_table = sa.Table(
    "tm_pairs",
    _meta,
    sa.Column("memory", sa.String(200), primary_key=True),
    sa.Column("source_lang", sa.String(16), primary_key=True),
    sa.Column("target_lang", sa.String(16), primary_key=True),
    sa.Column("revision", sa.BigInteger, nullable=False),
)
entries_table = sa.Table(
    "tm_entries",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("memory", sa.String(200), nullable=False),
    sa.Column("source_lang", sa.String(16), nullable=False),
    sa.Column("target_lang", sa.String(16), nullable=False),
    sa.Column("source_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("origin", sa.String(200), nullable=False),
    sa.Column("signature", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
_KEY = ["memory", "source_lang", "target_lang", "source_hash"]
_UPDATED = ["source", "target", "origin", "signature", "updated_at"]

Pair = tuple[str, str, str]  # (memory, source_lang, target_lang)


def normalize(text: str) -> str:
    """Return ``text`` as TM matching sees it: NFC, whitespace collapsed, trimmed."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _hash(text: str) -> str:
    """Return the key of ``text`` within a pair: SHA-256 of its normalised form."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TmEntry:
    """One translation memory entry; timestamps are set by the store."""

    source: str
    target: str
    source_lang: str
    target_lang: str
    origin: str = "human"
    signature: Signature | None = None
    memory: str = DEFAULT_MEMORY
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def pair(self) -> Pair:
        """The (memory, source language, target language) this entry belongs to."""
        return (self.memory, self.source_lang, self.target_lang)


@dataclass(frozen=True, slots=True)
class TmMatch:
    """A fuzzy match: a stored pair and its similarity to the query (0..1)."""

    source: str
    target: str
    score: float
    origin: str

    @property
    def example(self) -> Example:
        """The match as an example for an engine."""
        return Example(self.source, self.target)


@dataclass(frozen=True, slots=True)
class MemoryStats:
    """How many entries one memory holds, in all and per language pair."""

    memory: str
    entries: int
    pairs: tuple[PairCount, ...]


@dataclass(slots=True)
class _PairIndex:
    """The in-memory fuzzy index of one (memory, pair) at one revision.

    Scoring every entry with rapidfuzz costs ~4 ms per query at 10,000 entries, too much for
    a pipeline that asks once per segment. An inverted index of informative words (a word is
    informative when at most 5% of the entries, or 50 if that is more, contain it; runs of
    CJK/Thai script count as character bigrams) picks the candidates: only entries that share
    at least half of the query's informative words are scored. A query with no informative
    word is scored against every entry. What this gives up: an entry at or above the
    threshold that shares fewer than half of those words is not returned. Fuzzy matches are
    examples for the engine, not translations; a real near-duplicate (ratio >= 0.75) shares
    most of its words, and ``tests/storage/test_tm_large.py`` compares the result with a full
    scan on real sentences.
    """

    revision: int
    slots: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # normalised sources, scored by rapidfuzz
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # source, target, origin
    postings: dict[str, list[int]] = field(default_factory=dict)  # word -> slots (may be stale)

    def put(self, source_hash: str, source: str, target: str, origin: str) -> None:
        """Insert or replace the entry with ``source_hash``."""
        slot = self.slots.setdefault(source_hash, len(self.keys))
        if slot == len(self.keys):
            self.keys.append("")
            self.rows.append(("", "", ""))
        self.keys[slot] = normalize(source)
        self.rows[slot] = (source, target, origin)
        for word in _words(self.keys[slot]):
            self.postings.setdefault(word, []).append(slot)

    def compact(self) -> None:
        """Reallocate the keys next to each other in memory.

        Keys loaded row by row lie scattered between other objects; scoring them in that
        order misses the CPU cache and runs about three times slower (measured at 100,000
        entries). Splitting one joined string allocates them in sequence. Normalised keys
        contain no newline, so the split restores them exactly.
        """
        self.keys = "\n".join(self.keys).split("\n") if self.keys else []

    def search(self, text: str, limit: int, threshold: float) -> list[TmMatch]:
        """Return up to ``limit`` entries scoring at least ``threshold``, best first."""
        query = normalize(text)
        candidates = self._candidates(query)
        choices: Sequence[str] | dict[int, str] = (
            self.keys if candidates is None else {i: self.keys[i] for i in candidates}
        )
        found = process.extract(
            query, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=threshold * 100
        )
        return [TmMatch(*self.rows[i][:2], score / 100, self.rows[i][2]) for _, score, i in found]

    def _candidates(self, query: str) -> set[int] | None:
        """Slots sharing at least half of the query's informative words; ``None``: all."""
        common = max(50, len(self.keys) // 20)
        informative = [
            postings
            for word in set(_words(query))
            if (postings := self.postings.get(word)) is not None and len(postings) <= common
        ]
        if not informative:
            return None
        counts: Counter[int] = Counter()
        for postings in informative:
            counts.update(set(postings))
        needed = (len(informative) + 1) // 2
        return {slot for slot, count in counts.items() if count >= needed}


_WORD = re.compile(r"\w+")
_NO_SPACE_SCRIPT = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)


def _words(text: str) -> list[str]:
    """Casefolded words of ``text``; runs in scripts without spaces give character bigrams."""
    words: list[str] = []
    for run in _WORD.findall(text.casefold()):
        if _NO_SPACE_SCRIPT.search(run) and len(run) > 2:
            words.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            words.append(run)
    return words


def _row(entry: TmEntry, now: datetime) -> dict[str, Any]:
    """Return the table row for ``entry``."""
    return {
        "memory": entry.memory,
        "source_lang": entry.source_lang,
        "target_lang": entry.target_lang,
        "source_hash": _hash(entry.source),
        "source": entry.source,
        "target": entry.target,
        "origin": entry.origin,
        "signature": entry.signature.to_json() if entry.signature else None,
        "created_at": entry.created_at or now,
        "updated_at": entry.updated_at or now,
    }


def _entry(row: sa.Row[Any]) -> TmEntry:
    """Return the entry stored in ``row``."""
    return TmEntry(
        source=row.source,
        target=row.target,
        source_lang=row.source_lang,
        target_lang=row.target_lang,
        origin=row.origin,
        signature=Signature.from_json(row.signature) if row.signature else None,
        memory=row.memory,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _where_pair(pair: Pair) -> sa.ColumnElement[bool]:
    """Return the condition selecting the entries of ``pair``."""
    c = entries_table.c
    memory, source_lang, target_lang = pair
    return sa.and_(c.memory == memory, c.source_lang == source_lang, c.target_lang == target_lang)


def _bump(conn: Connection, pair: Pair) -> int:
    """Create or lock the pair's row, raise its revision and return the new revision."""
    memory, source_lang, target_lang = pair
    insert = dialect_insert(conn, pairs_table).values(
        memory=memory, source_lang=source_lang, target_lang=target_lang, revision=1
    )
    statement = insert.on_conflict_do_update(
        index_elements=["memory", "source_lang", "target_lang"],
        set_={"revision": pairs_table.c.revision + 1},
    ).returning(pairs_table.c.revision)
    revision: int = conn.execute(statement).scalar_one()
    return revision


def _revision(conn: Connection, pair: Pair) -> int:
    """Return the pair's current revision (0 when it was never written)."""
    memory, source_lang, target_lang = pair
    c = pairs_table.c
    query = sa.select(c.revision).where(
        c.memory == memory, c.source_lang == source_lang, c.target_lang == target_lang
    )
    return conn.execute(query).scalar_one_or_none() or 0


class TranslationMemory:
    """Named translation memories with batch exact lookup and indexed fuzzy lookup."""

    def __init__(self, database: Database) -> None:
        """Use ``database`` (already migrated) for storage."""
        self._db = database
        self._indexes: dict[Pair, _PairIndex] = {}
        self._lock = threading.Lock()

    def add(self, entry: TmEntry) -> None:
        """Store ``entry``, updating the entry with the same normalised source."""
        self.add_many([entry])

    def add_many(self, entries: Iterable[TmEntry]) -> int:
        """Store ``entries`` in batches of ``WRITE_BATCH``, one transaction each; return count."""
        iterator = iter(entries)
        total = 0
        while batch := list(islice(iterator, WRITE_BATCH)):
            self._write_batch(batch)
            total += len(batch)
        return total

    def _write_batch(self, batch: Sequence[TmEntry]) -> None:
        """Write one batch: lock its pairs in order, upsert, then update the local indexes."""
        by_pair: dict[Pair, list[dict[str, Any]]] = defaultdict(list)
        now = utcnow()
        for entry in batch:
            by_pair[entry.pair].append(_row(entry, now))
        with self._db.write() as conn:
            revisions = {pair: _bump(conn, pair) for pair in sorted(by_pair)}
            for rows in by_pair.values():
                upsert(conn, entries_table, rows, key=_KEY, update=_UPDATED)
        for pair, rows in by_pair.items():
            self._apply(pair, revisions[pair], rows)

    def _apply(self, pair: Pair, revision: int, rows: Sequence[dict[str, Any]]) -> None:
        """Bring the pair's index to ``revision`` in place if it was at the one before."""
        with self._lock:
            index = self._indexes.get(pair)
            if index is None:
                return
            if index.revision != revision - 1:
                del self._indexes[pair]  # someone else wrote in between: reload on next use
                return
            for row in rows:
                index.put(row["source_hash"], row["source"], row["target"], row["origin"])
            index.revision = revision

    def delete(
        self, memory: str, source_lang: str, target_lang: str, sources: Sequence[str]
    ) -> int:
        """Delete the entries of one pair whose normalised source is among ``sources``."""
        pair = (memory, source_lang, target_lang)
        hashes = sorted({_hash(source) for source in sources})
        deleted = 0
        with self._db.write() as conn:
            _bump(conn, pair)
            for batch in chunked(hashes, WRITE_BATCH):
                condition = sa.and_(_where_pair(pair), entries_table.c.source_hash.in_(batch))
                deleted += conn.execute(sa.delete(entries_table).where(condition)).rowcount
        self._forget(pair)
        return deleted

    def drop(self, memory: str) -> int:
        """Delete every entry of ``memory``; return how many there were."""
        c = pairs_table.c
        with self._db.write() as conn:
            pairs = conn.execute(
                sa.select(c.memory, c.source_lang, c.target_lang)
                .where(c.memory == memory)
                .order_by(c.source_lang, c.target_lang)
            ).all()
            for pair in pairs:
                _bump(conn, tuple(pair))
            condition = entries_table.c.memory == memory
            deleted = conn.execute(sa.delete(entries_table).where(condition)).rowcount
        for pair in pairs:
            self._forget(tuple(pair))
        return deleted

    def _forget(self, pair: Pair) -> None:
        """Drop the pair's index; the next fuzzy lookup reloads it."""
        with self._lock:
            self._indexes.pop(pair, None)

    def exact(
        self, memory: str, source_lang: str, target_lang: str, sources: Sequence[str]
    ) -> dict[str, str]:
        """Return the stored targets of ``sources`` (normalised match), keyed by source."""
        by_hash: dict[str, list[str]] = defaultdict(list)
        for source in sources:
            by_hash[_hash(source)].append(source)
        found: dict[str, str] = {}
        c = entries_table.c
        with self._db.read() as conn:
            for batch in chunked(sorted(by_hash), WRITE_BATCH):
                condition = sa.and_(
                    _where_pair((memory, source_lang, target_lang)), c.source_hash.in_(batch)
                )
                for source_hash, target in conn.execute(
                    sa.select(c.source_hash, c.target).where(condition)
                ):
                    found.update((source, target) for source in by_hash[source_hash])
        return found

    def fuzzy(
        self,
        memory: str,
        source_lang: str,
        target_lang: str,
        text: str,
        *,
        limit: int = 3,
        threshold: float = 0.75,
    ) -> list[TmMatch]:
        """Return up to ``limit`` entries whose source scores ``threshold`` or more, best first."""
        return self.fuzzy_many(
            memory, source_lang, target_lang, [text], limit=limit, threshold=threshold
        )[0]

    def fuzzy_many(
        self,
        memory: str,
        source_lang: str,
        target_lang: str,
        texts: Sequence[str],
        *,
        limit: int = 3,
        threshold: float = 0.75,
    ) -> list[list[TmMatch]]:
        """Return :meth:`fuzzy`'s answer for each of ``texts``, checking freshness once."""
        index = self._index((memory, source_lang, target_lang))
        with self._lock:
            return [index.search(text, limit, threshold) for text in texts]

    def _index(self, pair: Pair) -> _PairIndex:
        """Return the pair's index, (re)loading it when its revision moved on."""
        with self._db.read() as conn:
            revision = _revision(conn, pair)
            with self._lock:
                index = self._indexes.get(pair)
                if index is not None and index.revision == revision:
                    return index
            index = _PairIndex(revision)
            c = entries_table.c
            query = sa.select(c.source_hash, c.source, c.target, c.origin).where(_where_pair(pair))
            for row in conn.execute(query.order_by(c.id)):
                index.put(*row)
        index.compact()
        with self._lock:
            current = self._indexes.get(pair)
            if current is None or current.revision <= index.revision:
                self._indexes[pair] = index
        return index

    def iter_entries(
        self,
        memory: str = DEFAULT_MEMORY,
        source_lang: str | None = None,
        target_lang: str | None = None,
    ) -> Iterator[TmEntry]:
        """Yield the memory's entries, the pairs of one source text next to each other."""
        c = entries_table.c
        query = sa.select(entries_table).where(c.memory == memory)
        if source_lang is not None:
            query = query.where(c.source_lang == source_lang)
        if target_lang is not None:
            query = query.where(c.target_lang == target_lang)
        query = query.order_by(c.source_lang, c.source_hash, c.target_lang)
        with self._db.read() as conn:
            for row in conn.execution_options(yield_per=WRITE_BATCH).execute(query):
                yield _entry(row)

    def search(self, query: str, *, memory: str | None = None, limit: int = 50) -> list[TmEntry]:
        """Return entries whose source or target contains ``query``, ignoring case.

        ``%`` and ``_`` match themselves. SQLite folds ASCII letters only; PostgreSQL all.
        """
        c = entries_table.c
        statement = sa.select(entries_table).where(
            sa.or_(
                c.source.icontains(query, autoescape=True),
                c.target.icontains(query, autoescape=True),
            )
        )
        if memory is not None:
            statement = statement.where(c.memory == memory)
        statement = statement.order_by(c.memory, c.source_lang, c.target_lang, c.id).limit(limit)
        with self._db.read() as conn:
            return [_entry(row) for row in conn.execute(statement)]

    def stats(self) -> list[MemoryStats]:
        """Return entry counts per memory and language pair, memories by name."""
        c = entries_table.c
        query = (
            sa.select(c.memory, c.source_lang, c.target_lang, sa.func.count())
            .group_by(c.memory, c.source_lang, c.target_lang)
            .order_by(c.memory, c.source_lang, c.target_lang)
        )
        pairs: dict[str, list[PairCount]] = defaultdict(list)
        with self._db.read() as conn:
            for memory, source_lang, target_lang, count in conn.execute(query):
                pairs[memory].append(PairCount(source_lang, target_lang, count))
        return [
            MemoryStats(memory, sum(p.entries for p in counts), tuple(counts))
            for memory, counts in pairs.items()
        ]
