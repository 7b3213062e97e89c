"""The one small contract every engine fulfils.

An engine turns a batch of :class:`~lingoflow.types.Segment` into one
:class:`~lingoflow.types.EngineOutput` per segment, in order, for one
:class:`~lingoflow.types.TranslationRequest` (one language pair). That batch method is the
only one a subclass must write. Capabilities are class attributes, so the pipeline can ask
before it calls. Everything about concurrency limits, retries and pools wraps engines from
outside; an engine module only speaks its wire format and translates foreign errors into
:mod:`lingoflow.errors` at its boundary.

Engines are async context managers: ``async with engine:`` releases connections and
subprocesses at the end.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar, Self

from lingoflow.languages import Language
from lingoflow.types import EngineOutput, Segment, TranslationRequest

__all__ = ["Availability", "Engine", "EngineConfig"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Settings for one engine instance, built at the edges (CLI, service) and passed in.

    ``api_key`` and ``api_keys`` never appear in ``repr`` so settings can be logged safely.
    ``options`` holds engine-specific settings (for example ``region`` for Qwen-MT or
    ``threads`` for the local model); ``home`` is lingoflow's state folder, where engines may
    cache assembled models.

    The rest configures the dispatch layer that wraps remote engines (:mod:`lingoflow.dispatch`):
    ``api_keys`` and ``base_urls`` add pool members to ``api_key`` and ``base_url`` (every key
    on every URL); ``concurrency`` bounds the requests in flight; ``rpm``/``tpm`` are the
    requests and tokens allowed per minute per key and model (``None``: no client-side limit);
    ``timeout`` is how long one request may stall before it is abandoned and retried;
    ``retries`` (after the first attempt), ``backoff`` (first wait, doubling, with jitter) and
    ``backoff_max`` shape the retries; an endpoint failing ``circuit_threshold`` times in a row
    rests ``circuit_reset`` seconds before one probe request; ``fallback`` names the engine
    that translates what the primary cannot.
    """

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    concurrency: int = 4
    home: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    base_urls: tuple[str, ...] = ()
    rpm: int | None = None
    tpm: int | None = None
    retries: int = 5
    backoff: float = 0.25
    backoff_max: float = 30.0
    circuit_threshold: int = 10
    circuit_reset: float = 30.0
    fallback: str | None = None

    @property
    def all_api_keys(self) -> tuple[str, ...]:
        """``api_key`` then ``api_keys``, without blanks or repeats, in order."""
        return _distinct((self.api_key or "", *self.api_keys))

    @property
    def all_base_urls(self) -> tuple[str, ...]:
        """``base_url`` then ``base_urls``, without blanks or repeats, in order."""
        return _distinct((self.base_url or "", *self.base_urls))


def _distinct(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether an engine can run here, and if not, why and what to do."""

    usable: bool
    reason: str = ""


class Engine(abc.ABC):
    """Base class of all engines; subclasses fill in ``translate_batch``.

    Class attributes describe capabilities:

    - ``name``: registry name (``qwen-mt``, ``openai``, ``local``, ``apertium``).
    - ``needs_key``: an API key is required.
    - ``supports_terms`` / ``supports_examples`` / ``supports_domain``: the engine can use
      glossary terms, translation-memory examples and a domain hint.
    - ``max_input_tokens``: the largest segment the engine accepts in one call.
    - ``needs_source``: the source language must be known (no ``auto``).
    """

    name: ClassVar[str]
    needs_key: ClassVar[bool] = False
    supports_terms: ClassVar[bool] = False
    supports_examples: ClassVar[bool] = False
    supports_domain: ClassVar[bool] = False
    needs_source: ClassVar[bool] = False
    max_input_tokens: ClassVar[int] = 2048

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    @property
    def model(self) -> str:
        """The model this instance translates with (its default when none is configured)."""
        return self.config.model or self.default_model()

    @classmethod
    def default_model(cls) -> str:
        """Name of the model used when none is configured."""
        return cls.name

    @classmethod
    def availability(cls, config: EngineConfig) -> Availability:
        """Say whether this engine can run here with ``config``, without loading anything big."""
        return Availability(True)

    def supported_languages(self) -> frozenset[str] | None:
        """Qwen-MT codes of the languages this engine handles, or ``None`` for all 92."""
        return None

    def supports_pair(self, source: Language | None, target: Language) -> bool:
        """Whether the engine can translate from ``source`` (``None``: auto) into ``target``."""
        codes = self.supported_languages()
        if codes is None:
            return True
        return target.code in codes and (source is None or source.code in codes)

    @abc.abstractmethod
    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate ``segments`` for ``request``; one output per segment, in order."""

    async def translate_each(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> AsyncIterator[tuple[int, EngineOutput]]:
        """Yield ``(index, output)`` for each segment as soon as it is translated.

        Callers that persist results as they arrive (durable jobs) use this instead of
        :meth:`translate_batch`, so a crash loses only the segments still in flight. The
        default translates the whole batch at once and then yields every output in order;
        engines (or wrappers) that translate segments concurrently override it. If a segment
        fails, the exception propagates after the outputs already yielded.
        """
        outputs = await self.translate_batch(segments, request)
        for index, output in enumerate(outputs):
            yield index, output

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing
        """Release connections, subprocesses or models held by this instance."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
