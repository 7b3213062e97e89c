"""DispatchingEngine end to end against fake OpenAI-compatible servers in child processes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from lingoflow.dispatch import DispatchingEngine, DispatchPolicy, RateLimits, RetryPolicy
from lingoflow.dispatch.factory import build_engine
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.openai_compat import OpenAICompatEngine
from lingoflow.engines.registry import create_engine
from lingoflow.errors import (
    EngineAuthError,
    EngineBadRequestError,
    EngineCircuitOpenError,
    EngineConnectionError,
    EngineServerError,
)
from lingoflow.languages import resolve
from lingoflow.translator import Translator
from lingoflow.types import EngineOutput, Segment, TranslationRequest
from tests.dispatch.conftest import StartServer
from tests.engines.llama_server import free_port
from tests.fakes.openai_server import FakeOpenAIServer, fake_translation

EN_DE = TranslationRequest(target=resolve("de"), source=resolve("en"))
FAST = RetryPolicy(retries=4, backoff=0.005, backoff_max=0.02)


def segments(count: int) -> list[Segment]:
    return [Segment(f"segment {n:03d} says hello") for n in range(count)]


def expected(segs: Sequence[Segment]) -> list[str]:
    return [fake_translation(s.text, "German") for s in segs]


def engine_for(
    urls: Sequence[str], keys: Sequence[str] = (), *, fallback: Any = None, **policy: Any
) -> DispatchingEngine:
    """A dispatching openai engine over ``urls`` x ``keys``, built the way the CLI builds it."""
    config = EngineConfig(
        base_url=urls[0], base_urls=tuple(urls[1:]), api_keys=tuple(keys), concurrency=8
    )
    engine = build_engine("openai", config)
    assert isinstance(engine, DispatchingEngine)
    settings = {"concurrency": 8, "timeout": 2.0, "retry": FAST, **policy}
    return DispatchingEngine(engine.pool.members, DispatchPolicy(**settings), fallback=fallback)


@pytest.mark.anyio
async def test_outputs_keep_order_and_name_the_key_that_answered(
    server: FakeOpenAIServer,
) -> None:
    segs = segments(40)
    async with engine_for([server.base_url], ["sk-one", "sk-two"]) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
    assert [o.text for o in outputs] == expected(segs)
    assert {o.key_id for o in outputs} == {"key-1", "key-2"}  # spread over both keys
    by_key = {entry["key"] for entry in server.log()}
    assert by_key == {"sk-one", "sk-two"}
    assert all("sk-" not in o.key_id for o in outputs)


@pytest.mark.anyio
async def test_capabilities_are_the_inner_engines(server: FakeOpenAIServer) -> None:
    engine = engine_for([server.base_url])
    inner = OpenAICompatEngine(EngineConfig(base_url=server.base_url))
    assert engine.name == "openai"
    assert engine.model == inner.model
    for attribute in ("supports_terms", "supports_examples", "max_input_tokens", "needs_key"):
        assert getattr(engine, attribute) == getattr(inner, attribute)
    await engine.aclose()


@pytest.mark.anyio
async def test_translate_each_yields_segments_as_they_finish(server: FakeOpenAIServer) -> None:
    # One slot: segment 0 stalls, is abandoned after the timeout and queues again behind the
    # others, so it finishes last.
    server.control(inject=["stall"], stall=5.0)
    segs = segments(4)
    async with engine_for([server.base_url], concurrency=1, timeout=0.3) as engine:
        got = [pair async for pair in engine.translate_each(segs, EN_DE)]
    assert [index for index, _ in got] == [1, 2, 3, 0]
    assert [o.text for _, o in sorted(got)] == expected(segs)


@pytest.mark.anyio
async def test_transient_failures_are_retried_and_each_segment_answered_once(
    server: FakeOpenAIServer,
) -> None:
    kinds = ["server_error", "rate_limit", "stall", "disconnect", "malformed_json"]
    server.control(inject=kinds, retry_after=0.01, stall=5.0)
    segs = segments(10)
    async with engine_for([server.base_url], timeout=0.3) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
    assert [o.text for o in outputs] == expected(segs)
    log = server.log()
    assert sorted(e["kind"] for e in log if e["kind"] != "ok") == sorted(kinds)
    assert sorted(e["segment"] for e in log if e["kind"] == "ok") == [s.text for s in segs]


@pytest.mark.anyio
async def test_a_request_error_is_not_retried(start_server: StartServer) -> None:
    server = start_server(models=["served-model"])
    config = EngineConfig(base_url=server.base_url, model="other-model")
    async with build_engine("openai", config) as engine:
        with pytest.raises(EngineBadRequestError, match="model name"):
            await engine.translate_batch(segments(1), EN_DE)
    assert server.stats()["calls"] == 1


@pytest.mark.anyio
async def test_a_rejected_key_is_taken_out_and_the_rest_carries_on(
    start_server: StartServer,
) -> None:
    server = start_server(keys=["sk-good"], latency=0.005)
    segs = segments(20)
    async with engine_for([server.base_url], ["sk-revoked", "sk-good"]) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
        revoked = engine.pool.members[0]
    assert [o.text for o in outputs] == expected(segs)
    assert {o.key_id for o in outputs} == {"key-2"}
    assert revoked.rejected == f"HTTP 401 at {server.base_url}"
    # Out after its first 401: only requests already in flight with it were also refused.
    assert server.stats()["unauthorized"] <= 8
    assert server.stats()["ok"] == 20


@pytest.mark.anyio
async def test_every_key_rejected_is_one_auth_error_naming_the_ids(
    start_server: StartServer,
) -> None:
    server = start_server(keys=["sk-good"])
    async with engine_for([server.base_url], ["sk-bad-1", "sk-bad-2"]) as engine:
        with pytest.raises(EngineAuthError) as caught:
            await engine.translate_batch(segments(5), EN_DE)
    assert "Every API key of the openai engine was rejected" in str(caught.value)
    assert "key-1 (HTTP 401" in str(caught.value)
    assert "key-2 (HTTP 401" in str(caught.value)
    assert "sk-bad" not in str(caught.value)


@pytest.mark.anyio
async def test_a_failing_endpoint_is_rested_then_probed_back_into_use(
    start_server: StartServer,
) -> None:
    sick = start_server(failure_rate=1.0, failures=["server_error"])
    healthy = start_server(latency=0.005)
    segs = segments(30)
    policy = {"circuit_threshold": 3, "circuit_reset": 0.3}
    async with engine_for([sick.base_url, healthy.base_url], **policy) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
        assert [o.text for o in outputs] == expected(segs)
        assert engine.pool.breakers[sick.base_url].state != "closed"
        assert sick.stats()["calls"] < 10  # the threshold, requests in flight, maybe a probe
        assert healthy.stats()["ok"] == 30

        sick.control(failure_rate=0.0)  # the server recovers; after the rest, a probe finds it
        sick.reset()
        await asyncio.sleep(0.35)
        await engine.translate_batch(segments(20), EN_DE)
        assert engine.pool.breakers[sick.base_url].state == "closed"
        assert sick.stats()["ok"] > 1  # back in use, not just the probe


@pytest.mark.anyio
async def test_every_endpoint_resting_without_fallback_is_a_clear_error(
    start_server: StartServer,
) -> None:
    sick = start_server(failure_rate=1.0, failures=["server_error"])
    retry = RetryPolicy(retries=3, backoff=0.005, backoff_max=0.01, retry_after_max=0.01)
    settings = {"circuit_threshold": 2, "circuit_reset": 60.0, "retry": retry, "concurrency": 1}
    async with engine_for([sick.base_url], **settings) as engine:
        with pytest.raises(EngineCircuitOpenError) as caught:
            await engine.translate_batch(segments(1), EN_DE)
    message = str(caught.value)
    assert f"{sick.base_url} (open, last error:" in message
    assert "configure a fallback engine" in message
    assert sick.stats()["calls"] == 2  # the circuit stopped the rest


@pytest.mark.anyio
async def test_the_fallback_translates_when_the_primary_is_down(server: FakeOpenAIServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    fallback = OpenAICompatEngine(EngineConfig(base_url=server.base_url, model="fallback-model"))
    segs = segments(6)
    policy = {"circuit_threshold": 2, "circuit_reset": 60.0, "concurrency": 2}
    async with engine_for([dead], fallback=fallback, **policy) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
    assert [o.text for o in outputs] == expected(segs)
    assert {o.model for o in outputs} == {"fallback-model"}


@pytest.mark.anyio
async def test_without_fallback_an_unreachable_server_fails_after_the_retries() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    async with engine_for([dead], concurrency=1) as engine:
        with pytest.raises(EngineConnectionError):
            await engine.translate_batch(segments(2), EN_DE)


@pytest.mark.anyio
async def test_429s_lower_the_concurrency(start_server: StartServer) -> None:
    server = start_server(latency=0.02, limit=10, window=0.5)
    retry = RetryPolicy(retries=20, backoff=0.01, backoff_max=0.05)
    async with engine_for([server.base_url], concurrency=16, retry=retry) as engine:
        outputs = await engine.translate_batch(segments(30), EN_DE)
        assert engine.concurrency.limit < 16
    assert [o.text for o in outputs] == expected(segments(30))
    assert server.stats()["rate_limited"] > 0


@pytest.mark.anyio
async def test_a_rate_limit_of_30_per_2_s_is_never_exceeded_nor_answered_429(
    start_server: StartServer,
) -> None:
    # The server enforces the same limit and answers 429 above it; the margin covers the
    # scheduling jitter of a busy machine between granting here and arriving there.
    server = start_server(latency=0.005, limit=30, window=2.0)
    limits = RateLimits(requests=30, period=2.0, margin=0.25)
    segs = segments(70)
    async with engine_for([server.base_url], concurrency=16, limits=limits) as engine:
        outputs = await engine.translate_batch(segs, EN_DE)
    assert [o.text for o in outputs] == expected(segs)
    assert server.stats()["rate_limited"] == 0
    arrivals = sorted(entry["t"] for entry in server.log())
    assert len(arrivals) == 70
    assert max(_most_in_any_window(arrivals, 2.0)) <= 30


def _most_in_any_window(times: Sequence[float], window: float) -> list[int]:
    return [sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times)]


@pytest.mark.anyio
async def test_blank_segments_cost_no_request(server: FakeOpenAIServer) -> None:
    async with engine_for([server.base_url]) as engine:
        outputs = await engine.translate_batch([Segment("  "), Segment("hi there")], EN_DE)
    assert outputs[0] == EngineOutput(text="  ", model="default")
    assert server.stats()["calls"] == 1


@pytest.mark.anyio
async def test_a_final_failure_propagates_and_cancels_the_rest(server: FakeOpenAIServer) -> None:
    server.control(inject=["server_error"])
    no_retry = RetryPolicy(retries=0)
    async with engine_for([server.base_url], concurrency=1, retry=no_retry) as engine:
        with pytest.raises(EngineServerError):
            async for _ in engine.translate_each(segments(5), EN_DE):
                pass
        assert engine.concurrency.in_use == 0
    assert server.stats()["calls"] == 1  # the other segments never went out


def test_the_sync_facade_reuses_one_engine_across_event_loops(server: FakeOpenAIServer) -> None:
    # Each blocking call runs its own event loop; slots, rate-limit lock and probe events must
    # not stay bound to the first one (the rate log itself carries over).
    config = EngineConfig(base_url=server.base_url, concurrency=2, rpm=1000, tpm=1_000_000)
    texts = [f"Line {n} of the text." for n in range(6)]
    with Translator(create_engine("openai", config)) as translator:
        for _ in range(2):
            results = translator.translate_batch(texts, "de", source="en")
            assert [r.text for r in results] == [fake_translation(t, "German") for t in texts]
    assert server.stats()["ok"] == 12  # no storage, so no cache: both calls went out
