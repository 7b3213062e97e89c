"""Fuzzy TM lookup time with 10,000 and 100,000 entries, on SQLite and PostgreSQL.

The index is loaded once per (memory, pair), not per segment. Run from the repository root::

    .venv/bin/python -m bench.tm_fuzzy
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Iterator

from tests.storage.conftest import PG_SERVER, admin, postgres_unreachable
from tests.storage.test_tm_large import fill, perturbed, sentences

from lingoflow.storage import Database, TranslationMemory


def time_lookups(tm: TranslationMemory, queries: list[str]) -> float:
    """Return the mean seconds per fuzzy lookup over ``queries`` (index already loaded)."""
    tm.fuzzy("default", "en", "de", queries[0])
    start = time.perf_counter()
    for query in queries:
        tm.fuzzy("default", "en", "de", query)
    return (time.perf_counter() - start) / len(queries)


def _databases(home: str) -> Iterator[tuple[str, str]]:
    """Yield (name, URL) of an SQLite file and, if reachable, a fresh PostgreSQL schema."""
    yield "sqlite", f"sqlite:///{home}/bench.db"
    if postgres_unreachable() is None:
        schema = f"lf_bench_{uuid.uuid4().hex[:12]}"
        admin(f'CREATE SCHEMA "{schema}"')
        try:
            yield "postgres", f"{PG_SERVER}?options=-csearch_path%3D{schema}"
        finally:
            admin(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    """Print write, first-lookup (index load) and per-lookup times for 10k and 100k entries."""
    texts = sentences(100_000)
    rng = random.Random(1)
    queries = [perturbed(rng.choice(texts), rng) for _ in range(200)]
    with tempfile.TemporaryDirectory() as home:
        for name, url in _databases(home):
            with Database.open(url) as database:
                done = 0
                for size in (10_000, 100_000):
                    tm = TranslationMemory(database)
                    start = time.perf_counter()
                    fill(tm, texts[done:size])
                    done, written = size, time.perf_counter() - start
                    start = time.perf_counter()
                    tm.fuzzy("default", "en", "de", queries[0])
                    loaded = time.perf_counter() - start
                    per_lookup = time_lookups(tm, queries)
                    print(
                        f"{name:8} {size:>7} entries: write {written:5.1f} s, "
                        f"index load {loaded * 1000:6.0f} ms, "
                        f"fuzzy lookup {per_lookup * 1000:6.2f} ms"
                    )


if __name__ == "__main__":
    main()
