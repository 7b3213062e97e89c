"""The embedded offline engine: a GGUF chat model run inside the process by llama.cpp.

Invariants:

- ``llama_cpp`` is imported lazily inside functions, so lingoflow imports and runs without it;
  :meth:`LocalLLMEngine.availability` says what is missing without loading anything.
- One ``Llama`` per model file per process: a process-wide cache keyed by the resolved model
  path and guarded by a lock; every engine instance on that file shares it. The model is
  loaded on first use (or :meth:`LocalLLMEngine.load`), never at import. The first loader's
  thread count wins for the life of the process.
- A llama.cpp context is not thread-safe: every call into a model holds that model's lock,
  and runs in a worker thread (``asyncio.to_thread``) so the event loop stays free.
- Decoding is greedy (temperature 0, deterministic). Output is bounded to 4 tokens per input
  token plus 32 (at most ``N_CTX // 2``), so a small model that starts looping stops. Such an
  answer is retried once with a frequency penalty (still greedy, still deterministic; not
  used by default because the penalty also discourages copying names and numbers from the
  source); if it loops again it is an :class:`~lingoflow.errors.EngineResponseError`, never a
  translation. (The 0.5B model loops now and then, mostly into Korean.)
- The context is ``N_CTX`` = 4096 tokens: a quarter for the segment (``max_input_tokens``),
  half for the answer, the rest for instructions, terms and examples. Measured peak resident
  memory with it: 0.73 GB for the 0.5B model, 1.96 GB for the 1.5B.

Small chat models sometimes wrap their answer ("Translation: ...", quotes, code fences, a
trailing "Note: ..."); :func:`clean_output` removes those wrappers conservatively.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.engines.chat_http import parse_usage
from lingoflow.engines.prompt import LOOP_RETRY_PENALTY, build_messages, clean_output
from lingoflow.errors import (
    ConfigurationError,
    EngineError,
    EngineResponseError,
    EngineUnavailableError,
    InputError,
)
from lingoflow.models import DEFAULT_MODEL, ensure_model, model_status
from lingoflow.paths import models_dir
from lingoflow.types import EngineOutput, Segment, TranslationRequest, Usage

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = [
    "MAX_INPUT_TOKENS",
    "N_CTX",
    "LocalLLMEngine",
    "release_models",
]

N_CTX = 4096
"""Context window of every model the local engine loads, in tokens."""

MAX_INPUT_TOKENS = N_CTX // 4
"""Largest segment, in model tokens, the local engine accepts."""

"""Frequency penalty of the one retry after an answer ran into its token limit (a loop)."""

_MAX_OUTPUT_TOKENS = N_CTX // 2
_NO_LLAMA = "llama-cpp-python is not installed: run scripts/setup.sh"


@dataclass(frozen=True, slots=True)
class _LoadedModel:
    """A loaded model and the lock every call into it must hold."""

    path: Path
    llama: Llama
    lock: threading.Lock


_models: dict[Path, _LoadedModel] = {}
_models_lock = threading.Lock()


def _loaded_model(path: Path, threads: int) -> _LoadedModel:
    """Return the process-wide model for ``path``, loading it on first use."""
    key = path.resolve()
    with _models_lock:
        if key not in _models:
            _models[key] = _LoadedModel(key, _new_llama(key, threads), threading.Lock())
        return _models[key]


def _new_llama(path: Path, threads: int) -> Llama:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise EngineUnavailableError(_NO_LLAMA) from exc
    try:
        return Llama(
            model_path=str(path),
            n_ctx=N_CTX,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,  # also keeps llama.cpp's own log below ERROR off stderr
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise EngineUnavailableError(f"llama.cpp cannot load the model {path}: {exc}") from exc


def release_models() -> None:
    """Forget the process-wide loaded models; memory is freed once no engine holds them."""
    with _models_lock:
        _models.clear()


class LocalLLMEngine(Engine):
    """Translate offline with a GGUF chat model (Qwen2.5 by default) through llama.cpp.

    ``config.model`` is a catalogue name (``qwen2.5-0.5b``, ``qwen2.5-1.5b``) or a path to a
    GGUF file; catalogue models are assembled under ``paths.models_dir(config.home)``.
    ``config.options["threads"]`` sets llama.cpp's threads (default: every usable CPU; fewer
    is faster when other processes keep CPUs busy).
    """

    name: ClassVar[str] = "local"
    supports_terms: ClassVar[bool] = True
    supports_examples: ClassVar[bool] = True
    supports_domain: ClassVar[bool] = True
    max_input_tokens: ClassVar[int] = MAX_INPUT_TOKENS

    def __init__(self, config: EngineConfig | None = None) -> None:
        super().__init__(config)
        self.threads = _threads(self.config.options)
        self._loaded: _LoadedModel | None = None

    @classmethod
    def default_model(cls) -> str:
        """The offline model used when none is configured."""
        return DEFAULT_MODEL

    @classmethod
    def availability(cls, config: EngineConfig) -> Availability:
        """Say whether llama-cpp-python and the model are here, without loading either."""
        if importlib.util.find_spec("llama_cpp") is None:
            return Availability(False, _NO_LLAMA)
        status = model_status(config.model or DEFAULT_MODEL, models_dir(config.home))
        return Availability(status.usable, status.reason)

    @property
    def llama(self) -> Llama | None:
        """The shared llama.cpp model this instance uses, once loaded."""
        return self._loaded.llama if self._loaded else None

    async def load(self) -> None:
        """Assemble (if needed) and load the model now instead of on the first translation."""
        await self._model()

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate ``segments`` one by one with the shared model; one output each, in order."""
        loaded = await self._model()
        return [
            await asyncio.to_thread(self._translate_one, loaded, segment, request)
            for segment in segments
        ]

    async def aclose(self) -> None:
        """Drop this instance's hold on the shared model (it stays loaded for others)."""
        self._loaded = None

    async def _model(self) -> _LoadedModel:
        if self._loaded is None:
            self._loaded = await asyncio.to_thread(self._load)
        return self._loaded

    def _load(self) -> _LoadedModel:
        if importlib.util.find_spec("llama_cpp") is None:
            raise EngineUnavailableError(_NO_LLAMA)
        path = ensure_model(self.model, models_dir(self.config.home))
        return _loaded_model(path, self.threads)

    def _translate_one(
        self, loaded: _LoadedModel, segment: Segment, request: TranslationRequest
    ) -> EngineOutput:
        if not segment.text.strip():
            return EngineOutput(text=segment.text, model=self.model)
        messages = build_messages(segment, request)
        with loaded.lock:
            budget = self._output_budget(loaded.llama, segment.text)
            result = self._complete(loaded.llama, messages, budget)
            spent = Usage()
            if _finish_reason(result) == "length":  # looping: one retry that discourages it
                spent = parse_usage(result.get("usage"))
                result = self._complete(loaded.llama, messages, budget, LOOP_RETRY_PENALTY)
        return self._output(result, segment, request, spent)

    def _output_budget(self, llama: Llama, text: str) -> int:
        """Return the answer's token limit for ``text``; reject text the context cannot hold."""
        tokens = len(llama.tokenize(text.encode("utf-8"), add_bos=False))
        if tokens > MAX_INPUT_TOKENS:
            raise InputError(
                f"The segment has {tokens} tokens; the local engine takes at most "
                f"{MAX_INPUT_TOKENS}. Split the text into shorter segments."
            )
        return min(4 * tokens + 32, _MAX_OUTPUT_TOKENS)

    def _complete(
        self,
        llama: Llama,
        messages: list[dict[str, str]],
        max_tokens: int,
        frequency_penalty: float = 0.0,
    ) -> Mapping[str, Any]:
        try:
            result = llama.create_chat_completion(
                # build_messages returns plain role/content dicts: the shape llama_cpp's
                # TypedDicts describe. cast (not type: ignore) so mypy passes without llama_cpp.
                messages=cast(Any, messages),
                temperature=0.0,
                max_tokens=max_tokens,
                frequency_penalty=frequency_penalty,
            )
        except Exception as exc:  # llama.cpp and its Jinja chat template raise many kinds
            raise EngineError(f"The local model failed to translate: {exc}") from exc
        if not isinstance(result, Mapping):
            raise EngineResponseError("The local model answered with a stream, not a completion.")
        return result

    def _output(
        self,
        result: Mapping[str, Any],
        segment: Segment,
        request: TranslationRequest,
        spent: Usage,
    ) -> EngineOutput:
        """Turn a completion into the segment's output; ``spent`` is an earlier attempt's usage."""
        try:
            choice = result["choices"][0]
            content = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise EngineResponseError(f"The local model answered without text: {result}") from exc
        if _finish_reason(result) == "length":
            raise EngineResponseError(
                "The local model did not finish its translation within the output limit "
                f"(it may be repeating itself): {content[:200]!r}"
            )
        return EngineOutput(
            text=clean_output(content, segment.text, request.target.name),
            model=self.model,
            usage=spent + parse_usage(result.get("usage")),
        )


def _finish_reason(result: Mapping[str, Any]) -> str | None:
    try:
        reason = result["choices"][0].get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return str(reason) if reason else None


def _usable_cpus() -> int:
    """CPUs this process may run on (container and ``taskset`` limits included)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _threads(options: Mapping[str, str]) -> int:
    """Read the ``threads`` option: a positive integer, default every usable CPU.

    Fewer threads than CPUs is faster when other processes keep CPUs busy: llama.cpp's
    threads wait for each other at every step, so one preempted thread stalls them all.
    """
    value = options.get("threads")
    if value is None:
        return _usable_cpus()
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigurationError(
            f"The local engine's threads option must be a positive integer, not {value!r}."
        )
    return threads
