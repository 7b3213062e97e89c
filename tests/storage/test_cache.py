"""The translation cache on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from lingoflow.signature import Signature, segment_key
from lingoflow.storage import CachedTranslation, Database, TranslationCache, TranslationMemory
from lingoflow.storage.cache import BATCH
from lingoflow.storage.db import utcnow
from lingoflow.types import Usage

from .conftest import (
    SIGNATURE,
    cache_entry,
    expected_texts,
    new_barrier,
    run_processes,
    write_worker,
)


def test_put_then_get_returns_everything_stored(cache: TranslationCache) -> None:
    signature = Signature.create("qwen-mt", "qwen-mt-flash", {"domain": "IT"}, "ui@3")
    key = segment_key("Save", "en", "de", signature)
    cache.put(CachedTranslation(key, "Speichern", signature, "qwen-mt-flash-2025", Usage(5, 2)))
    found = cache.get(key)
    assert found is not None
    assert (found.text, found.signature, found.model, found.usage) == (
        "Speichern", signature, "qwen-mt-flash-2025", Usage(5, 2)
    )  # fmt: skip
    assert found.engine == "qwen-mt"
    assert found.created_at is not None
    assert abs(utcnow() - found.created_at) < timedelta(minutes=1)


def test_missing_key_is_none(cache: TranslationCache) -> None:
    assert cache.get("0" * 64) is None


def test_put_replaces_the_entry_with_the_same_key(cache: TranslationCache) -> None:
    cache.put(cache_entry("Hello", "Hallo"))
    cache.put(cache_entry("Hello", "Servus"))
    found = cache.get(cache_entry("Hello").key)
    assert found is not None
    assert found.text == "Servus"
    assert cache.stats().entries == 1


def test_max_age_hides_entries_older_than_the_ttl(cache: TranslationCache) -> None:
    old = cache_entry("old")
    cache.put_many([
        CachedTranslation(old.key, old.text, SIGNATURE, created_at=utcnow() - timedelta(days=2)),
        cache_entry("new"),
    ])  # fmt: skip
    keys = [old.key, cache_entry("new").key]
    assert cache.get(old.key, max_age=timedelta(days=1)) is None
    assert cache.get(old.key, max_age=timedelta(days=3)) is not None
    assert set(cache.get_many(keys, max_age=timedelta(days=1))) == {keys[1]}
    assert set(cache.get_many(keys)) == set(keys)


def test_get_many_looks_up_more_keys_than_one_batch(cache: TranslationCache) -> None:
    entries = [cache_entry(f"sentence {i}") for i in range(BATCH + 500)]
    assert cache.put_many(entries) == len(entries)
    wanted = [entry.key for entry in entries[::2]] + ["f" * 64]
    found = cache.get_many(wanted)
    assert len(found) == len(entries[::2])
    assert found[entries[10].key].text == "DE sentence 10"


def test_put_many_keeps_the_last_of_duplicate_keys(cache: TranslationCache) -> None:
    cache.put_many([cache_entry("x", "first"), cache_entry("x", "last")])
    found = cache.get(cache_entry("x").key)
    assert found is not None
    assert found.text == "last"


def test_clear_older_than_keeps_fresh_entries(cache: TranslationCache) -> None:
    old = cache_entry("old")
    week_ago = utcnow() - timedelta(days=7)
    cache.put_many([CachedTranslation(old.key, "x", SIGNATURE, created_at=week_ago)])
    cache.put(cache_entry("new"))
    assert cache.clear(older_than=timedelta(days=1)) == 1
    assert cache.stats().entries == 1
    assert cache.clear() == 1
    assert cache.stats().entries == 0


def test_delete_removes_only_the_given_keys(cache: TranslationCache) -> None:
    cache.put_many([cache_entry("a"), cache_entry("b")])
    assert cache.delete([cache_entry("a").key, "0" * 64]) == 1
    assert set(cache.get_many([cache_entry("a").key, cache_entry("b").key])) == {
        cache_entry("b").key
    }


def test_stats_sum_tokens_and_give_aware_age_range(cache: TranslationCache) -> None:
    assert cache.stats().entries == 0
    cache.put_many([cache_entry("a"), cache_entry("b")])
    stats = cache.stats()
    assert (stats.entries, stats.input_tokens, stats.output_tokens) == (2, 6, 8)
    assert stats.oldest is not None
    assert stats.newest is not None
    assert stats.oldest.tzinfo is not None
    assert stats.oldest <= stats.newest


def test_concurrent_threads_writing_overlapping_keys_lose_nothing(
    cache: TranslationCache, database: Database
) -> None:
    def write(worker: int) -> None:
        for start in range(0, 60, 10):
            texts = [f"t{i}" if i % 2 == 0 else f"w{worker} t{i}" for i in range(start, start + 10)]
            TranslationCache(database).put_many(cache_entry(t) for t in reversed(texts))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    expected = {f"t{i}" for i in range(0, 60, 2)}
    expected |= {f"w{w} t{i}" for w in range(4) for i in range(1, 60, 2)}
    found = cache.get_many(cache_entry(text).key for text in expected)
    assert len(found) == len(expected) == cache.stats().entries


def test_concurrent_processes_writing_cache_and_tm_lose_nothing(db_url: str) -> None:
    workers, count = 3, 40
    Database.open(db_url).close()
    barrier = new_barrier(workers)
    run_processes(write_worker, [(db_url, w, barrier, count) for w in range(workers)])
    texts = expected_texts(workers, count)
    with Database.open(db_url) as database:
        cache = TranslationCache(database)
        assert len(cache.get_many(cache_entry(t).key for t in texts)) == len(texts)
        assert cache.stats().entries == len(texts)
        tm = TranslationMemory(database)
        assert len(tm.exact("default", "en", "de", sorted(texts))) == len(texts)
        assert tm.stats()[0].entries == len(texts)
