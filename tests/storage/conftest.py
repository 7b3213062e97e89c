"""Fixtures that run every storage test against SQLite and PostgreSQL.

SQLite: a real file in ``tmp_path``. PostgreSQL: the machine's server (127.0.0.1:5432, trust
auth, user ``postgres``, database ``test``), with a fresh schema per test selected through
libpq's ``options=-csearch_path=...`` in the URL and dropped afterwards, so parallel runs
never see each other's tables. PostgreSQL cases are marked ``postgres`` and skipped, with the
reason, only when the server cannot be reached.

The ``*_worker`` functions run in child processes, forked so that they start at once with
lingoflow already imported.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lingoflow.signature import Signature, segment_key
from lingoflow.storage import (
    CachedTranslation,
    Database,
    GlossaryStore,
    TmEntry,
    TranslationCache,
    TranslationMemory,
)
from lingoflow.types import Usage

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SIGNATURE = Signature("test-engine", "test-model", "", "", "0.0.0")


@functools.cache
def postgres_unreachable() -> str | None:
    """Return why the PostgreSQL server cannot be used, or None when it can."""
    engine = sa.create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        return f"PostgreSQL at {PG_SERVER} is not reachable: {exc.orig}"
    finally:
        engine.dispose()
    return None


def admin(statement: str) -> None:
    """Run one statement on the PostgreSQL server, outside any test schema."""
    engine = sa.create_engine(PG_SERVER, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: an SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lingoflow.db'}"
        return
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"lf_test_{uuid.uuid4().hex[:16]}"
    admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """Yield the test database, opened (and so migrated)."""
    database = Database.open(db_url)
    yield database
    database.close()


@pytest.fixture
def cache(database: Database) -> TranslationCache:
    """Return a translation cache on the test database."""
    return TranslationCache(database)


@pytest.fixture
def tm(database: Database) -> TranslationMemory:
    """Return a translation memory on the test database."""
    return TranslationMemory(database)


@pytest.fixture
def glossaries(database: Database) -> GlossaryStore:
    """Return a glossary store on the test database."""
    return GlossaryStore(database)


def cache_entry(text: str, translation: str | None = None) -> CachedTranslation:
    """Return a cache entry for translating ``text`` from English to German."""
    key = segment_key(text, "en", "de", SIGNATURE)
    return CachedTranslation(key, translation or f"DE {text}", SIGNATURE, usage=Usage(3, 4))


def run_processes(target: Callable[..., None], args: Sequence[tuple[Any, ...]]) -> None:
    """Run ``target`` once per argument tuple in forked processes; fail if any failed."""
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=a) for a in args]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * len(processes)


def new_barrier(parties: int) -> Barrier:
    """Return a barrier that forked processes can share."""
    return multiprocessing.get_context("fork").Barrier(parties)


def m900_slow(conn: sa.Connection) -> None:
    """Record a run, slowly enough for concurrent openers to overlap; must run once only."""
    conn.execute(sa.text("CREATE TABLE IF NOT EXISTS slow_runs (n INTEGER)"))
    conn.execute(sa.text("INSERT INTO slow_runs (n) VALUES (1)"))
    time.sleep(0.3)


def migrate_worker(url: str, barrier: Barrier) -> None:
    """Open the database when every worker is ready, applying the slow test migration."""
    barrier.wait(timeout=30)
    with Database.open(url) as database:
        database.migrate([m900_slow])


def write_worker(url: str, worker: int, barrier: Barrier, count: int) -> None:
    """Write ``count`` cache and TM entries, half shared with every other worker."""
    with Database.open(url) as database:
        cache, tm = TranslationCache(database), TranslationMemory(database)
        barrier.wait(timeout=30)
        for start in range(0, count, 10):
            texts = [_text(worker, i) for i in range(start, start + 10)]
            cache.put_many(cache_entry(t) for t in texts)
            tm.add_many(TmEntry(t, f"DE {t}", "en", "de") for t in texts)


def _text(worker: int, i: int) -> str:
    """Return the i-th text of a worker: even ones are shared by all workers."""
    return f"shared sentence {i}" if i % 2 == 0 else f"worker {worker} sentence {i}"


def expected_texts(workers: int, count: int) -> set[str]:
    """Return every text ``write_worker`` processes write together."""
    return {_text(w, i) for w in range(workers) for i in range(count)}
