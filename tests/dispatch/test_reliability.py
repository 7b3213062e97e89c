"""2,000 segments through Translator and the pipeline against an upstream failing 30% at random.

The fake (a real server in its own process) fails 30% of requests with a seeded mix of 500,
429 with Retry-After, stalls, dropped connections and malformed JSON. The run must finish
with every segment translated exactly once, in order. Latencies, the stall timeout and the
backoff are short; stalls are the rarest failure, because each holds a slot for the whole
timeout while the 429s keep the adaptive concurrency low. About 2,900 requests through the
pipeline and httpx cost some 6 s of CPU, so the test takes 10-25 s on a shared machine.
"""

from __future__ import annotations

from collections import Counter

import pytest

from lingoflow.engines.base import EngineConfig
from lingoflow.engines.registry import create_engine
from lingoflow.translator import Translator
from tests.dispatch.conftest import StartServer
from tests.fakes.openai_server import FAILURE_KINDS, fake_translation

SEGMENTS = 2000
# Weights of the failure kinds within the 30%: one stall in ten failures.
MIX = ["server_error"] * 3 + ["rate_limit"] * 2 + ["stall"] + ["disconnect"] * 2
MIX += ["malformed_json"] * 2


@pytest.mark.anyio
async def test_a_flaky_upstream_still_translates_every_segment_exactly_once(
    start_server: StartServer,
) -> None:
    server = start_server(
        latency=0.002, failure_rate=0.3, failures=MIX, seed=7, retry_after=0.02, stall=3.0
    )
    config = EngineConfig(
        base_url=server.base_url,
        concurrency=16,
        timeout=0.3,  # a stalled request is abandoned after this and retried
        retries=15,  # 0.3**16: no segment runs out of attempts
        backoff=0.005,
        backoff_max=0.05,
        circuit_reset=0.1,
    )
    texts = [f"Segment {n:04d} arrives safely." for n in range(SEGMENTS)]
    async with Translator(create_engine("openai", config)) as translator:
        results = await translator.atranslate_batch(texts, "de", source="en")

    assert [r.text for r in results] == [fake_translation(t, "German") for t in texts]
    log = server.log()
    failures = Counter(entry["kind"] for entry in log if entry["kind"] != "ok")
    assert set(failures) == set(FAILURE_KINDS)  # every kind of failure was met
    assert sum(failures.values()) > 0.25 * len(log)
    # Upstream, every segment was answered at least once (an answer still in transit when
    # its request was abandoned can make a second); downstream, each is in the output once.
    answered = {entry["segment"] for entry in log if entry["kind"] == "ok"}
    assert answered == set(texts)
