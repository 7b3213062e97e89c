"""The usage records store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lingoflow.storage import Database, UsageGroup, UsageRecord, UsageStore, UsageTotal
from lingoflow.types import Usage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(
    model: str = "qwen-mt-flash",
    *,
    target: str = "de",
    tokens: tuple[int, int] = (10, 12),
    cost: float = 0.5,
    job: int | None = None,
    key: str = "",
    at: datetime = T0,
) -> UsageRecord:
    """Return one engine call's usage record from English."""
    return UsageRecord(
        "qwen-mt", model, "en", target, Usage(*tokens), cost, key, job_id=job, created_at=at
    )


@pytest.fixture
def usage(database: Database) -> UsageStore:
    store = UsageStore(database)
    store.add_many(
        [
            record(job=1, key="k1"),
            record(job=1, key="k2", target="fr", tokens=(5, 6), cost=0.25),
            record("qwen-mt-plus", job=2, key="k1", tokens=(100, 120), cost=4.0),
            record("local-0.5b", tokens=(7, 7), cost=0.0, at=T0 - timedelta(days=10)),
        ]
    )
    return store


def test_the_grand_total_sums_every_call(usage: UsageStore) -> None:
    assert usage.totals() == [UsageTotal("", 4, 122, 145, 4.75)]


def test_an_empty_store_totals_zero(database: Database) -> None:
    assert UsageStore(database).totals() == [UsageTotal("", 0, 0, 0, 0.0)]
    assert UsageStore(database).spent(1) == 0.0


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        pytest.param(
            "model",
            [
                UsageTotal("qwen-mt-plus", 1, 100, 120, 4.0),
                UsageTotal("qwen-mt-flash", 2, 15, 18, 0.75),
                UsageTotal("local-0.5b", 1, 7, 7, 0.0),
            ],
            id="model",
        ),
        pytest.param(
            "language",
            [UsageTotal("en→de", 3, 117, 139, 4.5), UsageTotal("en→fr", 1, 5, 6, 0.25)],
            id="language",
        ),
        pytest.param(
            "job",
            [
                UsageTotal("2", 1, 100, 120, 4.0),
                UsageTotal("1", 2, 15, 18, 0.75),
                UsageTotal("", 1, 7, 7, 0.0),
            ],
            id="job",
        ),
        pytest.param(
            "key",
            [
                UsageTotal("k1", 2, 110, 132, 4.5),
                UsageTotal("k2", 1, 5, 6, 0.25),
                UsageTotal("", 1, 7, 7, 0.0),
            ],
            id="key",
        ),
    ],
)
def test_totals_group_by_model_language_job_or_key_most_expensive_first(
    usage: UsageStore, by: UsageGroup, expected: list[UsageTotal]
) -> None:
    assert usage.totals(by=by) == expected


def test_since_and_job_filter_the_records(usage: UsageStore) -> None:
    assert usage.totals(since=T0 - timedelta(days=1)) == [UsageTotal("", 3, 115, 138, 4.75)]
    assert usage.totals(job_id=1, by="language") == [
        UsageTotal("en→de", 1, 10, 12, 0.5),
        UsageTotal("en→fr", 1, 5, 6, 0.25),
    ]


def test_spent_is_the_jobs_recorded_cost(usage: UsageStore) -> None:
    assert usage.spent(1) == pytest.approx(0.75)
    assert usage.spent(2) == pytest.approx(4.0)
    assert usage.spent(3) == 0.0


def test_records_without_a_time_are_stamped_now(database: Database) -> None:
    store = UsageStore(database)
    store.add_many([UsageRecord("local", "m", "en", "de")])
    assert store.totals(since=datetime.now(UTC) - timedelta(minutes=5))[0].calls == 1
    assert store.totals(since=datetime.now(UTC) + timedelta(minutes=5))[0].calls == 0
