"""build_engine / create_engine: which engines are dispatched, their pool, their fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.dispatch import DispatchingEngine, build_engine, is_dispatched
from lingoflow.engines.apertium import ApertiumEngine
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.openai_compat import OpenAICompatEngine
from lingoflow.engines.qwen_mt import REGIONS, QwenMTEngine
from lingoflow.engines.registry import create_engine
from lingoflow.errors import ConfigurationError
from lingoflow.languages import resolve
from lingoflow.settings import load_settings
from lingoflow.types import Segment, TranslationRequest
from tests.dispatch.conftest import StartServer
from tests.engines.llama_server import free_port
from tests.fakes.openai_server import fake_translation

EN_DE = TranslationRequest(target=resolve("de"), source=resolve("en"))


def test_remote_engines_are_dispatched_and_the_others_are_not() -> None:
    assert is_dispatched(QwenMTEngine)
    assert is_dispatched(OpenAICompatEngine)
    assert not is_dispatched(ApertiumEngine)
    assert isinstance(create_engine("apertium"), ApertiumEngine)


def test_every_key_on_every_url_is_a_member_with_the_full_concurrency() -> None:
    config = EngineConfig(
        base_url="http://a/v1",
        base_urls=("http://b/v1",),
        api_key="sk-1",
        api_keys=("sk-2",),
        concurrency=16,
        fallback=None,
    )
    engine = create_engine("openai", config)
    assert isinstance(engine, DispatchingEngine)
    pairs = [(m.base_url, m.key_id) for m in engine.pool.members]
    assert pairs == [
        ("http://a/v1", "key-1"),
        ("http://a/v1", "key-2"),
        ("http://b/v1", "key-1"),
        ("http://b/v1", "key-2"),
    ]
    inner = engine.pool.members[3].engine.config
    assert (inner.base_url, inner.api_key, inner.base_urls, inner.api_keys) == (
        "http://b/v1",
        "sk-2",
        (),
        (),
    )
    assert inner.concurrency == 16  # the inner semaphore never caps below the dispatcher
    assert engine.concurrency.limit == 16


def test_qwen_mt_without_a_base_url_uses_its_region_for_each_key() -> None:
    config = EngineConfig(api_keys=("sk-1", "sk-2"), options={"region": "us"})
    engine = create_engine("qwen-mt", config)
    assert isinstance(engine, DispatchingEngine)
    assert {m.base_url for m in engine.pool.members} == {REGIONS["us"]}
    assert [m.key_id for m in engine.pool.members] == ["key-1", "key-2"]
    assert engine.name == "qwen-mt"
    assert engine.model == "qwen-mt-flash"


@pytest.mark.anyio
async def test_the_fallback_comes_from_the_settings(
    tmp_path: Path, start_server: StartServer
) -> None:
    server = start_server()
    dead = f"http://127.0.0.1:{free_port()}/v1"
    env = {
        "LINGOFLOW_HOME": str(tmp_path),
        "DASHSCOPE_API_KEY": "sk-any",
        "LINGOFLOW_QWEN_MT_BASE_URL": dead,
        "LINGOFLOW_QWEN_MT_FALLBACK": "openai",
        "LINGOFLOW_OPENAI_BASE_URL": server.base_url,
    }
    settings = load_settings(env)
    config = settings.engine_config("qwen-mt", retries=0)
    async with build_engine("qwen-mt", config, settings) as engine:
        [output] = await engine.translate_batch([Segment("Hello")], EN_DE)
    assert output.text == fake_translation("Hello", "German")


def test_an_engine_cannot_be_its_own_fallback() -> None:
    with pytest.raises(ConfigurationError, match="own fallback"):
        create_engine("openai", EngineConfig(base_url="http://a/v1", fallback="openai"))
