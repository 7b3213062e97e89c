"""The ``openai`` engine: any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp's server).

Each segment becomes one ``/chat/completions`` request built by
:func:`~lingoflow.engines.prompt.build_messages` (terms, examples and domain as text), sent
at temperature 0 through the shared :class:`~lingoflow.engines.chat_http.ChatCompletionsClient`,
which also translates HTTP failures into :mod:`lingoflow.errors`.

Invariants:

- ``config.base_url`` is the API root that ``/chat/completions`` hangs off, usually ending in
  ``/v1`` (``http://127.0.0.1:8000/v1``); without it the engine is unavailable.
- ``config.model`` is sent as is; when unset the engine sends ``"default"``. Servers that
  serve one model and ignore the name (llama.cpp's server) accept it; servers that check the
  name (vLLM, Ollama) answer 404, which surfaces as ``EngineBadRequestError`` telling the user
  to check the model name. Guessing a model by listing ``/models`` would make the cache
  signature depend on server state, so the engine does not guess.
- One HTTP client per engine instance, created on first use and closed by ``aclose``; at most
  ``config.concurrency`` requests in flight per instance, over as many kept-alive
  connections; outputs keep the segments' order. Retries, rate limits and key/endpoint pools
  are the dispatch layer's (:mod:`lingoflow.dispatch`), which gives every instance it wraps
  its own full concurrency, so this semaphore never caps below the dispatcher's limit.
- Answers are bounded to ``4 * characters + 256`` tokens (``max_tokens``), so a small served
  model that loops stops instead of filling its whole context; ``options["max_tokens"]`` sets
  a fixed limit, or ``0`` to send none (for reasoning models that think at length). An answer
  cut off at the limit is retried once with a frequency penalty, then is an
  ``EngineTruncatedError`` (not retried by the dispatch layer), never a translation.
- Answers are cleaned of obvious wrappers with :func:`~lingoflow.engines.prompt.clean_output`
  (small served models add them just like embedded ones).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.engines.chat_http import ChatCompletionsClient
from lingoflow.engines.prompt import LOOP_RETRY_PENALTY, build_messages, clean_output
from lingoflow.errors import ConfigurationError, EngineTruncatedError
from lingoflow.types import EngineOutput, Segment, TranslationRequest, Usage

__all__ = ["DEFAULT_MODEL_NAME", "OpenAICompatEngine"]

DEFAULT_MODEL_NAME = "default"
"""Model name sent when none is configured (accepted by single-model servers)."""

_PROVIDER = "OpenAI-compatible server"
_KEY_HINT = "LINGOFLOW_OPENAI_API_KEY"
_NO_BASE_URL = "no base URL: set --base-url or LINGOFLOW_OPENAI_BASE_URL"


class OpenAICompatEngine(Engine):
    """Translate with a chat model behind any OpenAI-compatible ``/chat/completions`` API."""

    name: ClassVar[str] = "openai"
    dispatch: ClassVar[bool] = True  # one request per segment: pooled, limited, retried
    supports_terms: ClassVar[bool] = True
    supports_examples: ClassVar[bool] = True
    supports_domain: ClassVar[bool] = True
    needs_source: ClassVar[bool] = False
    max_input_tokens: ClassVar[int] = 4096

    def __init__(self, config: EngineConfig | None = None) -> None:
        super().__init__(config)
        if self.config.concurrency < 1:
            raise ConfigurationError(
                f"Concurrency must be at least 1, not {self.config.concurrency}."
            )
        self._max_tokens = _max_tokens_option(self.config.options)
        self._client: ChatCompletionsClient | None = None
        self._slots = asyncio.Semaphore(self.config.concurrency)

    @classmethod
    def default_model(cls) -> str:
        """The model name sent when none is configured."""
        return DEFAULT_MODEL_NAME

    @classmethod
    def availability(cls, config: EngineConfig) -> Availability:
        """Say whether a base URL is configured (the server itself is not contacted)."""
        if not config.all_base_urls:
            return Availability(False, _NO_BASE_URL)
        return Availability(True)

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate ``segments`` concurrently (bounded); one output per segment, in order."""
        tasks = [asyncio.create_task(self._translate_one(s, request)) for s in segments]
        try:
            return await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()  # do not leave requests running after the batch failed
            raise

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _translate_one(self, segment: Segment, request: TranslationRequest) -> EngineOutput:
        if not segment.text.strip():
            return EngineOutput(text=segment.text, model=self.model)
        body = self._body(segment, request)
        async with self._slots:
            completion = await self._http().complete(body)
            spent = Usage()
            if completion.finish_reason == "length":  # looping: one retry that discourages it
                spent = completion.usage
                retry = {**body, "frequency_penalty": LOOP_RETRY_PENALTY}
                completion = await self._http().complete(retry)
        if completion.finish_reason == "length":
            raise EngineTruncatedError(
                f"{_PROVIDER} stopped at the token limit before the translation ended "
                f"(it may be repeating itself): {completion.content[:200]!r}"
            )
        return EngineOutput(
            text=clean_output(completion.content, segment.text, request.target.name),
            model=completion.model or self.model,
            usage=spent + completion.usage,
        )

    def _body(self, segment: Segment, request: TranslationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": build_messages(segment, request),
            "temperature": 0,
        }
        limit = self._max_tokens if self._max_tokens is not None else _auto_limit(segment.text)
        if limit:
            body["max_tokens"] = limit
        return body

    def _http(self) -> ChatCompletionsClient:
        if self._client is None:
            urls, keys = self.config.all_base_urls, self.config.all_api_keys
            if not urls:
                raise ConfigurationError(f"The openai engine has {_NO_BASE_URL}.")
            self._client = ChatCompletionsClient(
                urls[0],
                provider=_PROVIDER,
                api_key=keys[0] if keys else None,
                key_hint=_KEY_HINT,
                timeout=self.config.timeout,
                max_connections=self.config.concurrency,
            )
        return self._client


def _auto_limit(text: str) -> int:
    """Bound the answer by the source's length: generous for any script, finite for loops."""
    return 4 * len(text) + 256


def _max_tokens_option(options: Mapping[str, str]) -> int | None:
    """Read ``max_tokens``: unset means automatic (``None``), ``0`` means no limit sent."""
    value = options.get("max_tokens")
    if value is None:
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise ConfigurationError(
            f"The openai engine's max_tokens option must be an integer >= 0 (0: no limit), "
            f"not {value!r}."
        )
    return limit
