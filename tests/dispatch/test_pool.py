"""The endpoint pool: least-loaded choice, rejected keys out, resting endpoints, clear errors."""

from __future__ import annotations

import logging

import pytest

from lingoflow.dispatch.pool import EndpointPool, Member, key_ids
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.openai_compat import OpenAICompatEngine
from lingoflow.errors import (
    EngineAuthError,
    EngineBadRequestError,
    EngineCircuitOpenError,
    EngineRateLimitedError,
    EngineServerError,
)


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def member(url: str, key_id: str) -> Member:
    engine = OpenAICompatEngine(EngineConfig(base_url=url, api_key=f"sk-secret-{key_id}"))
    return Member(engine, url, key_id)


def pool_of(*pairs: tuple[str, str], clock: ManualClock | None = None) -> EndpointPool:
    members = [member(url, key) for url, key in pairs]
    return EndpointPool(members, name="openai", threshold=2, reset_after=10.0, clock=clock)


def test_key_ids_follow_the_configured_order() -> None:
    assert key_ids(3) == ["key-1", "key-2", "key-3"]
    assert key_ids(0) == [""]


def test_requests_go_to_the_least_loaded_member_taking_ties_in_turn() -> None:
    pool = pool_of(("http://a", "key-1"), ("http://a", "key-2"), ("http://b", "key-1"))
    leases = [pool.acquire() for _ in range(6)]
    assert [m.in_flight for m in pool.members] == [2, 2, 2]
    pool.release(leases[0], None)
    pool.release(leases[3], None)
    freed = leases[0].member
    assert pool.acquire().member is freed


def test_a_rejected_key_is_taken_out_and_reported_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = pool_of(("http://a", "key-1"), ("http://a", "key-2"))
    lease = pool.acquire()
    with caplog.at_level(logging.WARNING, "lingoflow.dispatch"):
        pool.release(lease, EngineAuthError("rejected", status_code=401))
    assert lease.member.rejected == "HTTP 401 at http://a"
    assert "key-1 was rejected (HTTP 401 at http://a)" in caplog.text
    assert "sk-secret" not in caplog.text
    assert all(pool.acquire().member.key_id == "key-2" for _ in range(3))


def test_every_key_rejected_is_an_auth_error_naming_each_id() -> None:
    pool = pool_of(("http://a", "key-1"), ("http://a", "key-2"))
    for _ in range(2):
        pool.release(pool.acquire(), EngineAuthError("bad key", status_code=403))
    with pytest.raises(EngineAuthError) as caught:
        pool.acquire()
    message = str(caught.value)
    assert "key-1 (HTTP 403 at http://a)" in message
    assert "key-2 (HTTP 403 at http://a)" in message
    assert "sk-secret" not in message


def test_a_failing_endpoint_rests_while_the_others_serve() -> None:
    clock = ManualClock()
    pool = pool_of(("http://down", "key-1"), ("http://up", "key-1"), clock=clock)
    for _ in range(2):
        lease = pool.acquire()
        if lease.member.base_url == "http://down":
            pool.release(lease, EngineServerError("HTTP 500", status_code=500))
        else:
            pool.release(lease, None)
    pool.release(pool.acquire(), EngineServerError("HTTP 500", status_code=500))
    assert pool.breakers["http://down"].state == "open"
    assert {pool.acquire().member.base_url for _ in range(4)} == {"http://up"}


def test_every_endpoint_resting_is_a_circuit_error_saying_when_to_retry() -> None:
    clock = ManualClock()
    pool = pool_of(("http://a", "key-1"), clock=clock)
    for _ in range(2):
        pool.release(pool.acquire(), EngineServerError("HTTP 503 overloaded", status_code=503))
    clock.now = 4.0
    with pytest.raises(EngineCircuitOpenError) as caught:
        pool.acquire()
    assert caught.value.retry_after == pytest.approx(6.0)
    assert "http://a (open, last error: HTTP 503 overloaded)" in str(caught.value)
    assert "fallback" in str(caught.value)
    clock.now = 10.0
    probe = pool.acquire()
    assert probe.probe
    pool.release(probe, None)
    assert pool.breakers["http://a"].state == "closed"


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(EngineRateLimitedError("429", status_code=429), id="429"),
        pytest.param(EngineBadRequestError("404", status_code=404), id="404"),
    ],
)
def test_answers_that_prove_the_server_is_up_do_not_open_the_circuit(error: Exception) -> None:
    pool = pool_of(("http://a", "key-1"))
    for _ in range(5):
        pool.release(pool.acquire(), error)
    assert pool.breakers["http://a"].state == "closed"
