"""The openai engine end to end against llama.cpp's real OpenAI-compatible server.

The server (``python -m llama_cpp.server`` on the assembled 0.5B model) starts once per test
session, from the ``llama_server`` fixture of tests/engines/llama_server.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import pytest

from lingoflow.engines.base import Engine, EngineConfig
from lingoflow.engines.openai_compat import OpenAICompatEngine
from lingoflow.errors import ConfigurationError, EngineConnectionError
from lingoflow.languages import resolve
from lingoflow.types import Segment, TranslationRequest
from tests.engines.contract import NUMBERS, SENTENCES, EngineContract
from tests.engines.llama_server import (  # the import registers the llama_server fixture
    LlamaServer,
    free_port,
    llama_server_fixture,  # noqa: F401
)
from tests.fakes.openai_server import FakeOpenAIServer, fake_translation

EN_ES = TranslationRequest(target=resolve("es"), source=resolve("en"))
EN_KO = TranslationRequest(target=resolve("ko"), source=resolve("en"))
SPANISH = re.compile(r"\b(el|la|los|las|de|que|y|en|es|un|una|hoy|vamos|al)\b|[áéíóúñ¿¡]", re.I)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SHORT = ("Good morning.", "The weather is nice today.", "Where is the train station?")


def engine_on(
    server: LlamaServer, *, model: str | None = None, concurrency: int = 4
) -> OpenAICompatEngine:
    """An engine pointed at the test server (generous timeout: 2 shared cores)."""
    config = EngineConfig(
        base_url=server.base_url, model=model, concurrency=concurrency, timeout=120.0
    )
    return OpenAICompatEngine(config)


# --- without a server --------------------------------------------------------------------------


def test_without_base_url_the_engine_is_unavailable() -> None:
    availability = OpenAICompatEngine.availability(EngineConfig())
    assert not availability.usable
    assert availability.reason == "no base URL: set --base-url or LINGOFLOW_OPENAI_BASE_URL"
    assert OpenAICompatEngine.availability(EngineConfig(base_url="http://x/v1")).usable


def test_defaults() -> None:
    engine = OpenAICompatEngine(EngineConfig(base_url="http://127.0.0.1:9/v1"))
    assert engine.model == "default"
    assert not engine.needs_key
    assert not engine.needs_source


def test_concurrency_below_one_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="Concurrency"):
        OpenAICompatEngine(EngineConfig(base_url="http://127.0.0.1:9/v1", concurrency=0))


@pytest.mark.anyio
async def test_translating_without_base_url_is_a_configuration_error() -> None:
    async with OpenAICompatEngine(EngineConfig()) as engine:
        with pytest.raises(ConfigurationError, match="base URL"):
            await engine.translate_batch([Segment("Hello")], EN_ES)


@pytest.mark.anyio
async def test_an_unreachable_server_is_a_connection_error() -> None:
    config = EngineConfig(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout=5.0)
    async with OpenAICompatEngine(config) as engine:
        with pytest.raises(EngineConnectionError, match="Cannot reach OpenAI-compatible server"):
            await engine.translate_batch([Segment("Hello")], EN_ES)


def test_a_base_url_given_only_in_the_list_makes_the_engine_available() -> None:
    assert OpenAICompatEngine.availability(EngineConfig(base_urls=("http://x/v1",))).usable


@pytest.mark.anyio
async def test_the_bare_engine_uses_the_first_url_and_key_of_the_lists() -> None:
    with FakeOpenAIServer(keys=["sk-first"]) as server:
        config = EngineConfig(base_urls=(server.base_url,), api_keys=("sk-first", "sk-second"))
        async with OpenAICompatEngine(config) as engine:
            [output] = await engine.translate_batch([Segment("Hello")], EN_ES)
    assert output.text == fake_translation("Hello", "Spanish")


# --- against the real llama.cpp server -----------------------------------------------------------


@pytest.mark.model
class TestOpenAIEngineContract(EngineContract):
    """The generic engine contract against llama.cpp's server, English into Spanish."""

    @pytest.fixture
    async def engine(self, anyio_backend: str, llama_server: LlamaServer) -> AsyncIterator[Engine]:
        # Asking for anyio_backend lets anyio run this async fixture for the contract's
        # synchronous tests too.
        async with engine_on(llama_server, concurrency=2) as engine:
            yield engine

    @pytest.fixture
    def translation_request(self) -> TranslationRequest:
        return EN_ES


@pytest.mark.model
@pytest.mark.anyio
@pytest.mark.parametrize(
    ("request_", "looks_right"),
    [
        pytest.param(EN_ES, SPANISH.search, id="es"),
        pytest.param(EN_KO, HANGUL.search, id="ko"),
    ],
)
async def test_translates_through_the_server(
    llama_server: LlamaServer, request_: TranslationRequest, looks_right: Callable[[str], object]
) -> None:
    async with engine_on(llama_server) as engine:
        outputs = await engine.translate_batch([Segment(s) for s in SHORT[:2]], request_)

    for source, output in zip(SHORT, outputs, strict=False):
        assert output.text.strip()
        assert output.text != source
        assert looks_right(output.text), output.text
        assert output.usage.input_tokens > 0
        assert output.usage.output_tokens > 0
        assert output.model == "default"  # the name sent, echoed by llama.cpp's server


@pytest.mark.model
@pytest.mark.anyio
async def test_order_is_kept_with_concurrent_requests(llama_server: LlamaServer) -> None:
    async with engine_on(llama_server, concurrency=4) as engine:
        outputs = await engine.translate_batch([Segment(s) for s in reversed(SENTENCES)], EN_ES)
    for number, output in zip(reversed(NUMBERS), outputs, strict=True):
        assert number in output.text, outputs


@pytest.mark.model
@pytest.mark.anyio
async def test_llama_cpp_server_ignores_an_unknown_model_name(llama_server: LlamaServer) -> None:
    # llama.cpp's server serves its one model whatever name is asked for, and echoes the name
    # back (vLLM and Ollama answer 404 instead: EngineBadRequestError from the shared client).
    async with engine_on(llama_server, model="no-such-model") as engine:
        [output] = await engine.translate_batch([Segment(SHORT[0])], EN_ES)
    assert SPANISH.search(output.text), output.text
    assert output.model == "no-such-model"


@pytest.mark.model
@pytest.mark.anyio
async def test_the_client_is_reopened_after_close(llama_server: LlamaServer) -> None:
    engine = engine_on(llama_server)
    [first] = await engine.translate_batch([Segment(SHORT[0])], EN_ES)
    await engine.aclose()
    [second] = await engine.translate_batch([Segment(SHORT[0])], EN_ES)
    await engine.aclose()
    assert first.text == second.text  # temperature 0
