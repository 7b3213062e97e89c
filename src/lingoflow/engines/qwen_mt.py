"""The ``qwen-mt`` engine: Alibaba Cloud's Qwen-MT models over DashScope's OpenAI-compatible API.

Qwen-MT translates the whole user message literally, so every request carries exactly one
``user`` message whose content is one segment's text and nothing else (no system message, no
instructions, no multi-turn: DashScope answers 400 to those). Languages, glossary terms,
translation-memory examples and the domain travel in a top-level ``translation_options`` object:
English language names (``auto`` for an unknown source), ``terms`` and ``tm_list`` as
``{"source", "target"}`` lists and ``domains`` as one English string. Empty options are omitted,
because DashScope bills them as input tokens on every call. Qwen-MT has no formality field, so a
requested formality is appended to ``domains`` as one more English sentence.

A batch is one request per segment, run concurrently (at most ``config.concurrency`` requests in
flight per engine instance, over as many kept-alive connections), with the answers returned in
input order. Retries, rate limits (Qwen-MT allows 60 requests and 35k-100k tokens per minute,
depending on the model) and key/region pools are the dispatch layer's
(:mod:`lingoflow.dispatch`), which gives every instance it wraps its full concurrency.

Streaming: qwen-mt-plus and qwen-mt-turbo send the whole text so far in every chunk, qwen-mt-flash
and qwen-mt-lite send deltas. A known model's declared mode is trusted; for a dated or regional
variant (``qwen-mt-plus-2025-07-28``, ``qwen-mt-lite-us``), whose mode is not documented, the mode
is detected from the chunks (see :class:`StreamAccumulator`). Callers always receive the
cumulative text.

Invariants: one :class:`~lingoflow.engines.chat_http.ChatCompletionsClient` per engine instance,
created on first use and closed by ``aclose``; the API key lives only in that client's headers and
never appears in a ``repr``, message or log; this module reads no environment variables (the CLI
reads ``DASHSCOPE_API_KEY`` and passes it in ``EngineConfig.api_key``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, Self

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.engines.chat_http import ChatCompletionsClient, parse_usage
from lingoflow.engines.prompt import FORMALITY_SENTENCES
from lingoflow.errors import (
    ConfigurationError,
    EngineResponseError,
    InputError,
    MissingAPIKeyError,
    UnsupportedLanguagePairError,
)
from lingoflow.types import EngineOutput, Segment, TranslationRequest, Usage

__all__ = [
    "ALIASES",
    "DEFAULT_MODEL",
    "DEFAULT_REGION",
    "MODELS",
    "REGIONS",
    "QwenMTEngine",
    "QwenMTModel",
    "QwenMTStream",
    "StreamAccumulator",
    "StreamMode",
    "base_url_for",
    "build_body",
    "resolve_model",
    "translation_options",
]

StreamMode = Literal["cumulative", "delta"]


@dataclass(frozen=True, slots=True)
class QwenMTModel:
    """One Qwen-MT model and how it streams.

    ``stream_mode`` is ``None`` when the model's chunk mode is not documented (it is then
    detected per stream). ``languages`` holds the Qwen-MT codes it handles, ``None`` for all 92.
    """

    name: str
    stream_mode: StreamMode | None
    languages: frozenset[str] | None = None


# qwen-mt-lite is documented as handling 31 languages (32 on some translated pages), but no
# source available to us lists them, so lite is treated as handling all 92 until the list is
# known. Fill in ``languages`` here then.
MODELS: Mapping[str, QwenMTModel] = {
    "qwen-mt-plus": QwenMTModel("qwen-mt-plus", "cumulative"),
    "qwen-mt-flash": QwenMTModel("qwen-mt-flash", "delta"),
    "qwen-mt-turbo": QwenMTModel("qwen-mt-turbo", "cumulative"),
    "qwen-mt-lite": QwenMTModel("qwen-mt-lite", "delta"),
}
ALIASES: Mapping[str, str] = {
    "plus": "qwen-mt-plus",
    "flash": "qwen-mt-flash",
    "turbo": "qwen-mt-turbo",
    "lite": "qwen-mt-lite",
}
DEFAULT_MODEL = "qwen-mt-flash"

REGIONS: Mapping[str, str] = {
    "singapore": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    "beijing": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "us": "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
}
DEFAULT_REGION = "singapore"

PROVIDER = "Qwen-MT (DashScope)"
KEY_HINT = "DASHSCOPE_API_KEY (keys are per region)"
NO_KEY_REASON = "no API key: set DASHSCOPE_API_KEY"


def resolve_model(name: str | None) -> QwenMTModel:
    """Return the model called ``name``: a full name, a short alias or a dated/regional variant.

    A variant of a known model (``qwen-mt-plus-2025-07-28``) is accepted with an undeclared
    stream mode; anything else raises ``ConfigurationError`` listing the models.
    """
    key = (name or DEFAULT_MODEL).strip().lower()
    key = ALIASES.get(key, key)
    if key in MODELS:
        return MODELS[key]
    for known in MODELS.values():
        if key.startswith(known.name + "-"):
            return replace(known, name=key, stream_mode=None)
    choices = ", ".join([*MODELS, *(f"{alias} ({full})" for alias, full in ALIASES.items())])
    raise ConfigurationError(f"Unknown Qwen-MT model {name!r}. Choose one of: {choices}.")


def base_url_for(config: EngineConfig) -> str:
    """Return the endpoint for ``config``: its (first) base URL, else its ``region``'s URL."""
    if config.all_base_urls:
        return config.all_base_urls[0]
    region = config.options.get("region", DEFAULT_REGION).strip().lower()
    if region not in REGIONS:
        raise ConfigurationError(
            f"Unknown Qwen-MT region {region!r}. Choose one of: {', '.join(REGIONS)}, "
            "or set a base URL."
        )
    return REGIONS[region]


def translation_options(segment: Segment, request: TranslationRequest) -> dict[str, Any]:
    """Return the ``translation_options`` object for ``segment``, without empty fields."""
    options: dict[str, Any] = {
        "source_lang": request.source.name if request.source else "auto",
        "target_lang": request.target.name,
    }
    if segment.terms:
        options["terms"] = [{"source": t.source, "target": t.target} for t in segment.terms]
    if segment.examples:
        options["tm_list"] = [{"source": e.source, "target": e.target} for e in segment.examples]
    domains = _domains(request)
    if domains:
        options["domains"] = domains
    return options


def build_body(model: str, segment: Segment, request: TranslationRequest) -> dict[str, Any]:
    """Return the chat-completions body asking ``model`` to translate ``segment``."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": segment.text}],
        "translation_options": translation_options(segment, request),
    }


def _domains(request: TranslationRequest) -> str:
    """Join the domain sentence and the formality sentence (Qwen-MT has no formality field)."""
    domain = (request.domain or "").strip()
    formality = FORMALITY_SENTENCES.get(request.formality or "", "")
    if domain and formality and domain[-1] not in ".!?。":
        domain += "."
    return " ".join(part for part in (domain, formality) if part)


class StreamAccumulator:
    """Turn streamed chunk contents into the cumulative text, whatever the chunk mode.

    ``"delta"`` appends every chunk; ``"cumulative"`` takes every chunk as the whole text so far.
    With ``None`` the mode is detected: a chunk that starts with the text so far is read as
    cumulative, until the first chunk that does not, which settles the stream as deltas for
    good. Detection can misread a delta that happens to begin with everything received so far
    (``"ha"`` then ``"ha"``), which is why a declared mode is preferred when the model is known.
    """

    def __init__(self, mode: StreamMode | None) -> None:
        self.mode = mode
        self.text = ""

    def add(self, content: str) -> bool:
        """Take in one chunk's content; return whether the text so far changed."""
        before = self.text
        if self.mode is None and not content.startswith(self.text):
            self.mode = "delta"  # a cumulative chunk always extends the text so far
        self.text = self.text + content if self.mode == "delta" else content
        return self.text != before


class QwenMTStream:
    """One streamed translation: iterate for the text so far; ``usage`` is complete at the end.

    Use it as ``async for text in engine.stream(segment, request)``; call ``aclose`` (or use
    ``async with``) when stopping early so the connection is released at once.
    """

    def __init__(self, chunks: AsyncGenerator[dict[str, Any], None], model: QwenMTModel) -> None:
        self.model = model.name
        self.usage = Usage()
        self._accumulator = StreamAccumulator(model.stream_mode)
        self._iterator = self._run(chunks)

    @property
    def text(self) -> str:
        """The translation received so far (all of it once iteration has ended)."""
        return self._accumulator.text

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        return await anext(self._iterator)

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        await self._iterator.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _run(self, chunks: AsyncGenerator[dict[str, Any], None]) -> AsyncGenerator[str, None]:
        try:
            async for chunk in chunks:
                self._read_metadata(chunk)
                content = _chunk_content(chunk)
                if content and self._accumulator.add(content):
                    yield self.text
        finally:
            await chunks.aclose()
        if not self.text:
            raise EngineResponseError(f"{PROVIDER} streamed no translation text.")

    def _read_metadata(self, chunk: Mapping[str, Any]) -> None:
        if chunk.get("usage"):
            self.usage = parse_usage(chunk["usage"])
        if chunk.get("model"):
            self.model = str(chunk["model"])


def _chunk_content(chunk: Mapping[str, Any]) -> str:
    """Return ``choices[0].delta.content`` of a stream chunk, or ``""`` when it has none."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    delta = choices[0].get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


class QwenMTEngine(Engine):
    """Translate with Qwen-MT (plus, flash, turbo, lite) through DashScope's compatible mode.

    ``config.model`` takes a full name or a short alias (``flash`` is the default);
    ``config.options["region"]`` picks ``singapore`` (default), ``beijing`` or ``us`` unless
    ``config.base_url`` is set. Model and region are checked on construction; the API key on
    first use, so metadata (languages, model) can be read without one.
    """

    name = "qwen-mt"
    needs_key = True
    dispatch: ClassVar[bool] = True  # one request per segment: pooled, limited, retried
    supports_terms = True
    supports_examples = True
    supports_domain = True
    max_input_tokens = 8192

    def __init__(self, config: EngineConfig | None = None) -> None:
        super().__init__(config)
        self.spec = resolve_model(self.config.model)
        self.base_url = base_url_for(self.config)
        self._client: ChatCompletionsClient | None = None
        self._slots: asyncio.Semaphore | None = None

    @property
    def model(self) -> str:
        """The canonical name of the model this instance translates with."""
        return self.spec.name

    @classmethod
    def default_model(cls) -> str:
        """Name of the model used when none is configured."""
        return DEFAULT_MODEL

    @classmethod
    def availability(cls, config: EngineConfig) -> Availability:
        """Say whether a key is configured and the model and region are valid."""
        if not config.all_api_keys:
            return Availability(False, NO_KEY_REASON)
        try:
            resolve_model(config.model)
            base_url_for(config)
        except ConfigurationError as exc:
            return Availability(False, str(exc))
        return Availability(True)

    def supported_languages(self) -> frozenset[str] | None:
        """Qwen-MT codes of the model's languages, or ``None`` for all 92."""
        return self.spec.languages

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate each segment in its own request, concurrently; answers in input order."""
        if not segments:
            return []
        self._check(segments, request)
        tasks = [asyncio.ensure_future(self._translate(s, request)) for s in segments]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    def stream(self, segment: Segment, request: TranslationRequest) -> QwenMTStream:
        """Stream the translation of one segment; iterate the result for the text so far."""
        self._check([segment], request)
        body = {
            **build_body(self.model, segment, request),
            "stream_options": {"include_usage": True},
        }
        return QwenMTStream(self._http().stream(body), self.spec)

    async def aclose(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _translate(self, segment: Segment, request: TranslationRequest) -> EngineOutput:
        body = build_body(self.model, segment, request)
        async with self._concurrency():
            completion = await self._http().complete(body)
        if not completion.content.strip():
            raise EngineResponseError(f"{PROVIDER} answered with an empty translation.")
        return EngineOutput(completion.content, completion.model or self.model, completion.usage)

    def _check(self, segments: Sequence[Segment], request: TranslationRequest) -> None:
        if not self.supports_pair(request.source, request.target):
            source = request.source.name if request.source else "auto"
            raise UnsupportedLanguagePairError(
                f"{self.model} cannot translate {source} to {request.target.name}. "
                f"Choose another Qwen-MT model, such as {DEFAULT_MODEL}."
            )
        if any(not segment.text.strip() for segment in segments):
            raise InputError("Qwen-MT cannot translate an empty segment; skip empty text.")

    def _http(self) -> ChatCompletionsClient:
        if self._client is None:
            keys = self.config.all_api_keys
            if not keys:
                raise MissingAPIKeyError(
                    f"The qwen-mt engine needs a DashScope API key: {NO_KEY_REASON} "
                    "(keys are per region; use one issued for the region you call)."
                )
            self._client = ChatCompletionsClient(
                self.base_url,
                provider=PROVIDER,
                api_key=keys[0],
                key_hint=KEY_HINT,
                timeout=self.config.timeout,
                max_connections=self.config.concurrency,
            )
        return self._client

    def _concurrency(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.config.concurrency))
        return self._slots
