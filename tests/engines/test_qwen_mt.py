"""The qwen-mt engine end to end against a strict local DashScope (tests/fakes/dashscope.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest

from lingoflow.engines.base import Availability, EngineConfig
from lingoflow.engines.qwen_mt import (
    REGIONS,
    QwenMTEngine,
    StreamAccumulator,
    StreamMode,
    translation_options,
)
from lingoflow.errors import (
    ConfigurationError,
    EngineAuthError,
    EngineBadRequestError,
    EngineConnectionError,
    EngineError,
    EngineRateLimitedError,
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
    InputError,
    MissingAPIKeyError,
)
from lingoflow.languages import Language, resolve
from lingoflow.types import EngineOutput, Example, Segment, Term, TranslationRequest, Usage
from tests.engines.contract import EngineContract
from tests.fakes.dashscope import DEFAULT_MODELS, Failure, FakeDashScope
from tests.fakes.openai_server import FakeOpenAIServer, fake_translation

ENGLISH = Language(name="English", code="en", bcp47="en", autonym="English")
GERMAN = Language(name="German", code="de", bcp47="de", autonym="Deutsch")
CHINESE = Language(name="Chinese", code="zh", bcp47="zh", autonym="中文")

EN_DE = TranslationRequest(target=GERMAN, source=ENGLISH)


@pytest.fixture
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


def engine_for(fake: FakeDashScope, **settings: Any) -> QwenMTEngine:
    return QwenMTEngine(EngineConfig(base_url=fake.base_url, api_key=fake.api_key, **settings))


async def translate_one(
    engine: QwenMTEngine, segment: Segment | str, request: TranslationRequest
) -> str:
    """Translate one segment with ``engine`` and close it; return the text."""
    segment = Segment(segment) if isinstance(segment, str) else segment
    async with engine:
        [output] = await engine.translate_batch([segment], request)
    return output.text


# --- the request body ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_body_is_one_user_message_with_language_names(fake: FakeDashScope) -> None:
    async with engine_for(fake) as engine:
        outputs = await engine.translate_batch([Segment("Hello world")], EN_DE)
    assert fake.bodies == [
        {
            "model": "qwen-mt-flash",
            "messages": [{"role": "user", "content": "Hello world"}],
            "translation_options": {"source_lang": "English", "target_lang": "German"},
            "stream": False,
        }
    ]
    assert outputs == [EngineOutput("[German] Hello world", "qwen-mt-flash", Usage(2, 3))]


@pytest.mark.anyio
async def test_unknown_source_is_sent_as_auto(fake: FakeDashScope) -> None:
    await translate_one(engine_for(fake), "你好", TranslationRequest(target=ENGLISH))
    assert fake.bodies[0]["translation_options"] == {
        "source_lang": "auto",
        "target_lang": "English",
    }


@pytest.mark.anyio
async def test_terms_examples_and_domain_go_in_translation_options(fake: FakeDashScope) -> None:
    segment = Segment(
        "The biosensor works.",
        terms=(Term("biosensor", "Biosensor"),),
        examples=(Example("It works.", "Es funktioniert."),),
    )
    request = TranslationRequest(
        target=GERMAN, source=ENGLISH, domain="Medical device manual.", formality="formal"
    )
    async with engine_for(fake) as engine:
        [output] = await engine.translate_batch([segment], request)
    options = fake.bodies[0]["translation_options"]
    assert options["terms"] == [{"source": "biosensor", "target": "Biosensor"}]
    assert options["tm_list"] == [{"source": "It works.", "target": "Es funktioniert."}]
    assert isinstance(options["domains"], str)
    assert options["domains"].startswith("Medical device manual. ")
    assert "formal register" in options["domains"]
    assert output.text == "[German] The Biosensor works."
    assert output.usage.input_tokens == 3 + 2 + 4 + 11  # content, term, example, domains


@pytest.mark.anyio
async def test_messages_carry_no_instructions_even_with_every_option(fake: FakeDashScope) -> None:
    segment = Segment("Hi", terms=(Term("Hi", "Hallo"),), examples=(Example("a", "b"),))
    request = TranslationRequest(target=GERMAN, domain="Chat.", formality="informal")
    await translate_one(engine_for(fake), segment, request)
    assert fake.bodies[0]["messages"] == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("domain", "formality", "domains"),
    [
        pytest.param(
            "Legal contracts", "formal", "Legal contracts. Use a formal register", id="both"
        ),
        pytest.param(None, "informal", "Use an informal, familiar register.", id="formality"),
        pytest.param("IT manuals.", None, "IT manuals.", id="domain"),
        pytest.param(None, "casual", None, id="unknown-formality-omitted"),
    ],
)
def test_formality_is_appended_to_domains(
    domain: str | None, formality: str | None, domains: str | None
) -> None:
    request = TranslationRequest(target=GERMAN, domain=domain, formality=formality)
    options = translation_options(Segment("x"), request)
    if domains is None:
        assert "domains" not in options
    else:
        assert options["domains"].startswith(domains)


# --- batches -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_batch_runs_concurrently_and_keeps_input_order() -> None:
    texts = [f"segment {n}" for n in range(6)]
    # Earlier segments answer later, so completion order is the reverse of input order.
    with FakeDashScope(latency=lambda text: 0.05 * (6 - int(text.split()[1]))) as fake:
        async with engine_for(fake, concurrency=3) as engine:
            outputs = await engine.translate_batch([Segment(t) for t in texts], EN_DE)
    assert [o.text for o in outputs] == [f"[German] {t}" for t in texts]
    assert fake.max_in_flight == 3


@pytest.mark.anyio
async def test_concurrency_beyond_one_client_of_connections_is_reached() -> None:
    # The connection pool is split over clients of 8 connections (chat_http.py); 20 requests
    # in flight still all go out at once. (The asyncio fake in its own process takes 20
    # connections at once; FakeDashScope's listen backlog is 5.)
    texts = [f"segment {n}" for n in range(20)]
    with FakeOpenAIServer(latency=0.3) as server:
        config = EngineConfig(base_url=server.base_url, api_key="sk-any", concurrency=20)
        async with QwenMTEngine(config) as engine:
            outputs = await engine.translate_batch([Segment(t) for t in texts], EN_DE)
        peak = server.stats()["max_in_flight"]
    assert [o.text for o in outputs] == [fake_translation(t, "German") for t in texts]
    assert peak == 20


@pytest.mark.anyio
async def test_a_key_given_only_in_the_key_list_is_used(fake: FakeDashScope) -> None:
    config = EngineConfig(base_url=fake.base_url, api_keys=(fake.api_key, "sk-other"))
    assert QwenMTEngine.availability(config).usable
    assert await translate_one(QwenMTEngine(config), "Hello", EN_DE) == "[German] Hello"


@pytest.mark.anyio
async def test_empty_batch_sends_nothing(fake: FakeDashScope) -> None:
    async with engine_for(fake) as engine:
        assert await engine.translate_batch([], EN_DE) == []
    assert fake.requests == []


@pytest.mark.anyio
async def test_empty_segment_is_an_input_error(fake: FakeDashScope) -> None:
    async with engine_for(fake) as engine:
        with pytest.raises(InputError):
            await engine.translate_batch([Segment("ok"), Segment("  ")], EN_DE)
    assert fake.requests == []


@pytest.mark.anyio
async def test_empty_translation_is_a_response_error() -> None:
    with (
        FakeDashScope(translate=lambda text, options: "") as fake,
        pytest.raises(EngineResponseError, match="empty translation"),
    ):
        await translate_one(engine_for(fake), "Hello", EN_DE)


# --- streaming ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "model", ["qwen-mt-flash", "qwen-mt-lite", "qwen-mt-plus", "qwen-mt-turbo"]
)
async def test_stream_gives_the_same_text_and_usage_in_both_chunk_modes(
    fake: FakeDashScope, model: str
) -> None:
    text = "Streaming works in both chunk modes."
    async with engine_for(fake, model=model) as engine:
        [expected] = await engine.translate_batch([Segment(text)], EN_DE)
        stream = engine.stream(Segment(text), EN_DE)
        seen = [so_far async for so_far in stream]
    assert seen[-1] == stream.text == expected.text
    assert stream.usage == expected.usage != Usage()
    assert stream.model == model
    assert len(seen) > 2
    assert all(later.startswith(earlier) for earlier, later in pairwise(seen))
    body = fake.bodies[-1]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.anyio
async def test_declared_delta_mode_survives_a_delta_that_repeats_the_text() -> None:
    with FakeDashScope(translate=lambda text, options: "haha", chunk_size=2) as fake:
        async with engine_for(fake, model="flash") as engine:
            stream = engine.stream(Segment("laugh"), EN_DE)
            assert [t async for t in stream] == ["ha", "haha"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["cumulative", "delta"])
async def test_variant_models_detect_the_chunk_mode(mode: StreamMode) -> None:
    variant = "qwen-mt-plus-2025-07-28" if mode == "cumulative" else "qwen-mt-lite-us"
    with FakeDashScope(models={**DEFAULT_MODELS, variant: mode}) as fake:
        async with engine_for(fake, model=variant) as engine:
            stream = engine.stream(Segment("Detect the mode, please."), EN_DE)
            async for _ in stream:
                pass
    assert stream.text == "[German] Detect the mode, please."


@pytest.mark.parametrize(
    ("mode", "chunks", "text"),
    [
        pytest.param("delta", ["ha", "ha"], "haha", id="delta-trusted"),
        pytest.param("cumulative", ["He", "Hell", "Hello"], "Hello", id="cumulative-trusted"),
        pytest.param(None, ["He", "Hell", "Hello"], "Hello", id="detect-cumulative"),
        pytest.param(None, ["He", "ll", "o", "He"], "HelloHe", id="detect-delta-sticks"),
        pytest.param(None, ["ha", "ha"], "ha", id="detect-false-positive-documented"),
    ],
)
def test_stream_accumulator(mode: StreamMode | None, chunks: list[str], text: str) -> None:
    accumulator = StreamAccumulator(mode)
    for chunk in chunks:
        accumulator.add(chunk)
    assert accumulator.text == text


@pytest.mark.anyio
async def test_stream_closed_early_releases_the_connection(fake: FakeDashScope) -> None:
    async with engine_for(fake, model="plus") as engine:
        async with engine.stream(Segment("A longer sentence to stream."), EN_DE) as stream:
            first = await anext(stream)
        assert first
        assert await translate_one(engine, "again", EN_DE) == "[German] again"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("failure", "error"),
    [
        pytest.param("rate_limit", EngineRateLimitedError, id="429"),
        pytest.param("server_error", EngineServerError, id="500"),
        pytest.param("malformed_json", EngineResponseError, id="malformed"),
        pytest.param("disconnect", EngineConnectionError, id="dropped"),
        pytest.param("hang", EngineTimeoutError, id="hang"),
    ],
)
async def test_failures_become_lingoflow_errors(
    fake: FakeDashScope, failure: Failure, error: type[EngineError]
) -> None:
    fake.inject(failure)
    with pytest.raises(error):
        await translate_one(engine_for(fake, timeout=0.3), "Hello", EN_DE)


@pytest.mark.anyio
async def test_rate_limit_carries_retry_after(fake: FakeDashScope) -> None:
    fake.inject("rate_limit", retry_after=7)
    with pytest.raises(EngineRateLimitedError) as caught:
        await translate_one(engine_for(fake), "Hello", EN_DE)
    assert caught.value.retry_after == 7
    assert caught.value.status_code == 429


@pytest.mark.anyio
async def test_streamed_rate_limit_is_an_error_too(fake: FakeDashScope) -> None:
    fake.inject("rate_limit", retry_after=2)
    async with engine_for(fake) as engine:
        with pytest.raises(EngineRateLimitedError):
            async for _ in engine.stream(Segment("Hello"), EN_DE):
                pass


@pytest.mark.anyio
async def test_wrong_key_is_an_auth_error_that_does_not_show_the_key(fake: FakeDashScope) -> None:
    secret = "sk-wrong-secret-123456"
    engine = QwenMTEngine(EngineConfig(base_url=fake.base_url, api_key=secret))
    with pytest.raises(EngineAuthError) as caught:
        await translate_one(engine, "Hello", EN_DE)
    assert caught.value.status_code == 401
    assert "DASHSCOPE_API_KEY" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret not in repr(engine.config)


@pytest.mark.anyio
async def test_one_failure_in_a_batch_fails_the_batch(fake: FakeDashScope) -> None:
    fake.inject("server_error")
    async with engine_for(fake, concurrency=1) as engine:
        with pytest.raises(EngineServerError):
            await engine.translate_batch([Segment("a"), Segment("b"), Segment("c")], EN_DE)


@pytest.mark.anyio
async def test_closed_port_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = QwenMTEngine(EngineConfig(base_url=f"http://127.0.0.1:{port}/v1", api_key="k"))
    with pytest.raises(EngineConnectionError):
        await translate_one(engine, "Hello", EN_DE)


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("setting", "model"),
    [
        pytest.param(None, "qwen-mt-flash", id="default"),
        pytest.param("plus", "qwen-mt-plus", id="plus"),
        pytest.param("flash", "qwen-mt-flash", id="flash"),
        pytest.param("turbo", "qwen-mt-turbo", id="turbo"),
        pytest.param("lite", "qwen-mt-lite", id="lite"),
        pytest.param("qwen-mt-plus", "qwen-mt-plus", id="full-name"),
    ],
)
async def test_model_aliases_are_sent_as_full_names(
    fake: FakeDashScope, setting: str | None, model: str
) -> None:
    engine = engine_for(fake, model=setting)
    assert engine.model == model
    await translate_one(engine, "Hello", EN_DE)
    assert fake.bodies[0]["model"] == model


def test_unknown_model_lists_the_models() -> None:
    with pytest.raises(ConfigurationError, match="qwen-mt-flash") as caught:
        QwenMTEngine(EngineConfig(model="gpt-4o", api_key="k"))
    assert "lite" in str(caught.value)


@pytest.mark.parametrize(
    ("region", "url"),
    [
        pytest.param(None, REGIONS["singapore"], id="default"),
        pytest.param(
            "singapore", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", id="sg"
        ),
        pytest.param("beijing", "https://dashscope.aliyuncs.com/compatible-mode/v1", id="beijing"),
        pytest.param("us", "https://dashscope-us.aliyuncs.com/compatible-mode/v1", id="us"),
    ],
)
def test_region_picks_the_base_url(region: str | None, url: str) -> None:
    options = {"region": region} if region else {}
    assert QwenMTEngine(EngineConfig(api_key="k", options=options)).base_url == url


def test_base_url_overrides_region() -> None:
    config = EngineConfig(api_key="k", base_url="http://gw.local/v1", options={"region": "us"})
    assert QwenMTEngine(config).base_url == "http://gw.local/v1"


def test_unknown_region_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="singapore, beijing, us"):
        QwenMTEngine(EngineConfig(api_key="k", options={"region": "mars"}))


def test_availability() -> None:
    assert QwenMTEngine.availability(EngineConfig()) == Availability(
        False, "no API key: set DASHSCOPE_API_KEY"
    )
    assert QwenMTEngine.availability(EngineConfig(api_key="k")).usable
    assert not QwenMTEngine.availability(EngineConfig(api_key="k", model="nope")).usable


@pytest.mark.anyio
async def test_using_the_engine_without_key_raises(fake: FakeDashScope) -> None:
    engine = QwenMTEngine(EngineConfig(base_url=fake.base_url))
    assert engine.model == "qwen-mt-flash"  # metadata needs no key
    with pytest.raises(MissingAPIKeyError, match="DASHSCOPE_API_KEY"):
        await translate_one(engine, "Hello", EN_DE)
    assert fake.requests == []


def test_capabilities() -> None:
    assert QwenMTEngine.name == "qwen-mt"
    assert QwenMTEngine.needs_key
    assert QwenMTEngine.supports_terms
    assert QwenMTEngine.supports_examples
    assert QwenMTEngine.supports_domain
    assert QwenMTEngine.max_input_tokens == 8192
    assert QwenMTEngine.default_model() == "qwen-mt-flash"


@pytest.mark.anyio
async def test_unknown_model_on_the_server_is_a_bad_request(fake: FakeDashScope) -> None:
    fake.models.pop("qwen-mt-turbo")
    with pytest.raises(EngineBadRequestError, match="does not exist"):
        await translate_one(engine_for(fake, model="turbo"), "Hello", EN_DE)


# --- the fake is as strict as DashScope ---------------------------------------------------------

GOOD_BODY: dict[str, Any] = {
    "model": "qwen-mt-flash",
    "messages": [{"role": "user", "content": "Hello"}],
    "translation_options": {"source_lang": "auto", "target_lang": "German"},
}


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        pytest.param(
            {"messages": [{"role": "system", "content": "Be nice."}, *GOOD_BODY["messages"]]},
            400,
            "invalid_parameter_error",
            "Role must be in [user, assistant].",
            id="system-message",
        ),
        pytest.param(
            {"messages": [*GOOD_BODY["messages"], {"role": "assistant", "content": "Hallo"}]},
            400,
            "invalid_parameter_error",
            "exactly one user message",
            id="multi-turn",
        ),
        pytest.param(
            {"messages": [*GOOD_BODY["messages"], *GOOD_BODY["messages"]]},
            400,
            "invalid_parameter_error",
            "exactly one user message",
            id="two-user-messages",
        ),
        pytest.param(
            {"translation_options": None},
            400,
            "invalid_parameter_error",
            "Field required: translation_options",
            id="no-translation-options",
        ),
        pytest.param(
            {"translation_options": {"source_lang": "auto"}},
            400,
            "invalid_parameter_error",
            "translation_options.target_lang",
            id="no-target-lang",
        ),
        pytest.param(
            {"translation_options": {"target_lang": "German"}},
            400,
            "invalid_parameter_error",
            "translation_options.source_lang",
            id="no-source-lang",
        ),
        pytest.param(
            {"translation_options": {**GOOD_BODY["translation_options"], "domains": ["IT"]}},
            400,
            "invalid_parameter_error",
            "domains",
            id="domains-list",
        ),
        pytest.param(
            {"model": "qwen-max"}, 404, "model_not_found", "does not exist", id="unknown-model"
        ),
    ],
)
def test_fake_rejects_what_dashscope_rejects(
    fake: FakeDashScope, change: dict[str, Any], status: int, code: str, message: str
) -> None:
    body = {key: value for key, value in {**GOOD_BODY, **change}.items() if value is not None}
    response = post(fake, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer sk-wrong"], ids=["missing", "wrong"])
def test_fake_rejects_a_bad_key(fake: FakeDashScope, authorization: str | None) -> None:
    response = post(fake, GOOD_BODY, authorization=authorization)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_fake_accepts_the_reference_body(fake: FakeDashScope) -> None:
    response = post(fake, GOOD_BODY)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "[German] Hello"


def post(fake: FakeDashScope, body: Any, *, authorization: str | None = "") -> httpx.Response:
    """POST ``body`` to the fake; ``authorization=""`` sends the right key, ``None`` none."""
    auth = f"Bearer {fake.api_key}" if authorization == "" else authorization
    headers = {"Authorization": auth} if auth else {}
    return httpx.post(f"{fake.base_url}/chat/completions", json=body, headers=headers, timeout=5)


@pytest.fixture(scope="module")
def contract_fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


class TestQwenMTContract(EngineContract):
    """The shared engine contract, against the local DashScope stand-in."""

    @pytest.fixture
    def engine(self, contract_fake: FakeDashScope) -> QwenMTEngine:
        config = EngineConfig(base_url=contract_fake.base_url, api_key=contract_fake.api_key)
        return QwenMTEngine(config)

    @pytest.fixture
    def translation_request(self) -> TranslationRequest:
        return TranslationRequest(target=resolve("de"), source=resolve("en"))
