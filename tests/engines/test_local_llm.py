"""The local engine on the real 0.5B GGUF model through llama.cpp, plus its pure helpers.

The model is assembled once into pytest's cache folder and loaded once per process (the
engine's own process-wide cache); it is released when this module ends so the llama.cpp
server of the openai tests does not run next to a second resident copy.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lingoflow.engines.base import Engine, EngineConfig
from lingoflow.engines.local_llm import MAX_INPUT_TOKENS, LocalLLMEngine, release_models
from lingoflow.engines.prompt import clean_output
from lingoflow.errors import ConfigurationError, InputError
from lingoflow.languages import resolve
from lingoflow.types import Segment, Term, TranslationRequest
from tests.engines.contract import EngineContract
from tests.engines.llama_server import require_llama_cpp, shared_home

ENGLISH = resolve("en")
SENTENCE = "I bought 3 apples at the market."
# Greedy decoding of this sentence into Korean loops on the 0.5B model ("편안한 편안한 ...").
LOOPING_INTO_KOREAN = "The weather is nice today, so we are going to the park."

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
SPANISH = re.compile(r"\b(el|la|los|las|de|que|y|en|es|un|una|hoy|vamos|al)\b|[áéíóúñ¿¡]", re.I)
GERMAN = re.compile(
    r"\b(der|die|das|und|ist|ein|eine|ich|wir|habe|hat|heute|im|zum|auf|mit|den)\b|[äöüß]", re.I
)


def in_target_language(code: str, text: str) -> bool:
    """Whether ``text`` is plausibly in the language ``code`` (script or common words)."""
    checks = {
        "ko": lambda: bool(HANGUL.search(text)),
        "ja": lambda: bool(KANA.search(text) or HAN.search(text)) and not HANGUL.search(text),
        "zh": lambda: bool(HAN.search(text)) and not KANA.search(text),
        "es": lambda: bool(SPANISH.search(text)),
        "de": lambda: bool(GERMAN.search(text)),
    }
    return checks[code]()


def request_for(code: str) -> TranslationRequest:
    """English into the language ``code``."""
    return TranslationRequest(target=resolve(code), source=ENGLISH)


# --- without the model ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "source", "expected"),
    [
        pytest.param("Hola mundo", "Hello world", "Hola mundo", id="plain"),
        pytest.param("Translation: Hola mundo", "Hello world", "Hola mundo", id="label"),
        pytest.param("Spanish translation: Hola", "Hello", "Hola", id="language-label"),
        pytest.param(
            "Here is the translation into Spanish:\n\nHola", "Hello", "Hola", id="here-is"
        ),
        pytest.param("Spanish: Hola", "Spanish: Hello", "Spanish: Hola", id="label-in-source"),
        pytest.param('"Hola mundo"', "Hello world", "Hola mundo", id="quotes"),
        pytest.param("「こんにちは」", "Hello", "こんにちは", id="corner-brackets"),
        pytest.param('"Hola"', '"Hello"', '"Hola"', id="quotes-in-source"),
        pytest.param('"A" y "B"', "A and B", '"A" y "B"', id="inner-quotes"),
        pytest.param("Hola.\n\nNote: I kept the tone.", "Hello.", "Hola.", id="note"),
        pytest.param("Hola.\n(Explanation: ...)", "Hello.", "Hola.", id="explanation"),
        pytest.param("Uno\nNote: dos", "One\nNote: two", "Uno\nNote: dos", id="multiline-source"),
        pytest.param("```\nHola\n```", "Hello", "Hola", id="fence"),
        pytest.param("<think>hmm</think>\nHola", "Hello", "Hola", id="think"),
        pytest.param("Hola", "  Hello\n", "  Hola\n", id="keeps-outer-whitespace"),
        pytest.param(":)", ":)", ":)", id="emoticon"),
    ],
)
def test_clean_output(answer: str, source: str, expected: str) -> None:
    assert clean_output(answer, source, "Spanish") == expected


@pytest.mark.parametrize("threads", ["0", "-2", "many"])
def test_bad_threads_option_is_a_configuration_error(threads: str) -> None:
    with pytest.raises(ConfigurationError, match="threads"):
        LocalLLMEngine(EngineConfig(options={"threads": threads}))


def test_threads_option_and_defaults() -> None:
    engine = LocalLLMEngine(EngineConfig(options={"threads": "3"}))
    assert engine.threads == 3
    assert engine.model == "qwen2.5-0.5b"
    assert engine.llama is None  # nothing loaded by construction
    assert LocalLLMEngine.max_input_tokens == MAX_INPUT_TOKENS


def test_availability_names_a_missing_model_file(tmp_path: Path) -> None:
    require_llama_cpp()
    missing = LocalLLMEngine.availability(EngineConfig(model=str(tmp_path / "nope.gguf")))
    assert not missing.usable
    assert "nope.gguf" in missing.reason


def test_availability_without_llama_cpp_points_to_setup() -> None:
    # A fresh interpreter in which llama_cpp cannot be found, as on a machine without it.
    code = (
        "import sys; sys.modules['llama_cpp'] = None  # what a missing package looks like\n"
        "from lingoflow.engines.local_llm import LocalLLMEngine\n"
        "from lingoflow.engines.base import EngineConfig\n"
        "print(LocalLLMEngine.availability(EngineConfig()).reason)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "llama-cpp-python is not installed: run scripts/setup.sh"


def test_importing_the_engine_does_not_import_llama_cpp() -> None:
    code = "import sys, lingoflow.engines.local_llm; print('llama_cpp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


# --- with the real model ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(pytestconfig: pytest.Config) -> Iterator[Path]:
    """A lingoflow home holding the assembled 0.5B model; loaded models released at the end."""
    require_llama_cpp()
    yield shared_home(pytestconfig)
    release_models()


def local_engine(home: Path) -> LocalLLMEngine:
    """A fresh engine instance on the default model (the loaded model is shared)."""
    return LocalLLMEngine(EngineConfig(home=str(home)))


@pytest.mark.model
class TestLocalEngineContract(EngineContract):
    """The generic engine contract on the real 0.5B model, English into Spanish."""

    @pytest.fixture
    def engine(self, home: Path) -> Engine:
        return local_engine(home)

    @pytest.fixture
    def translation_request(self) -> TranslationRequest:
        return request_for("es")


@pytest.mark.model
@pytest.mark.anyio
@pytest.mark.parametrize("code", ["es", "de", "ko", "ja", "zh"])
async def test_translates_into_the_target_language(home: Path, code: str) -> None:
    async with local_engine(home) as engine:
        [output] = await engine.translate_batch([Segment(SENTENCE)], request_for(code))

    assert output.text.strip()
    assert output.text != SENTENCE
    assert in_target_language(code, output.text), output.text
    assert output.model == "qwen2.5-0.5b"
    assert output.usage.input_tokens > 20  # the whole prompt, system message included
    assert output.usage.output_tokens > 3


@pytest.mark.model
@pytest.mark.anyio
async def test_a_looping_answer_is_retried_once_with_a_penalty(home: Path) -> None:
    async with local_engine(home) as engine:
        [output] = await engine.translate_batch([Segment(LOOPING_INTO_KOREAN)], request_for("ko"))
    assert HANGUL.search(output.text), output.text
    assert "편안한 편안한" not in output.text
    # Both attempts are counted: the first ran into its limit (4 x 13 input tokens + 32).
    assert output.usage.output_tokens > 4 * 13 + 32


@pytest.mark.model
@pytest.mark.anyio
async def test_the_model_is_loaded_once_per_process(home: Path) -> None:
    first, second = local_engine(home), local_engine(home)
    await first.load()
    started = time.perf_counter()
    await second.load()
    assert time.perf_counter() - started < 0.5  # a cache hit, not a second 491 MB load
    assert first.llama is not None
    assert first.llama is second.llama

    request = request_for("es")
    [one] = await first.translate_batch([Segment("Good morning.")], request)
    [two] = await second.translate_batch([Segment("Good morning.")], request)
    assert one == two  # greedy decoding is deterministic
    await first.aclose()
    assert first.llama is None
    assert second.llama is not None


@pytest.mark.model
@pytest.mark.anyio
async def test_terms_reach_the_model(home: Path) -> None:
    segment = Segment("Open the settings page.", terms=(Term("settings page", "Panel Zeta"),))
    async with local_engine(home) as engine:
        [output] = await engine.translate_batch([segment], request_for("es"))
    assert "Panel Zeta" in output.text


@pytest.mark.model
@pytest.mark.anyio
async def test_blank_segments_are_returned_without_a_model_call(home: Path) -> None:
    async with local_engine(home) as engine:
        [output] = await engine.translate_batch([Segment("  ")], request_for("es"))
    assert output.text == "  "
    assert output.usage.total_tokens == 0


@pytest.mark.model
@pytest.mark.anyio
async def test_a_segment_longer_than_the_context_share_is_an_input_error(home: Path) -> None:
    too_long = Segment("word " * (MAX_INPUT_TOKENS + 50))
    async with local_engine(home) as engine:
        with pytest.raises(InputError, match="Split the text"):
            await engine.translate_batch([too_long], request_for("es"))
