"""Build an engine as lingoflow runs it: remote engines wrapped in the dispatch layer.

:func:`build_engine` is what :func:`lingoflow.engines.registry.create_engine` (and so
``Translator`` and the CLI) calls. An engine class opts in by setting the class attribute
``dispatch = True`` (the built-in ``qwen-mt`` and ``openai`` do): it sends one request per
segment to a server with keys, endpoints and rate limits. Other engines (``local``,
``apertium``) batch internally and hold no keys, so they are returned as they are.

For a dispatched engine the pool's members are every configured API key on every configured
base URL, each member an inner engine instance whose config carries that one key and URL and
the full concurrency (so its own semaphore never caps below the dispatcher's). An engine with
no base URL configured (Qwen-MT picks its region's) gets one member per key on its default.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lingoflow.dispatch.engine import DispatchingEngine, DispatchPolicy
from lingoflow.dispatch.pool import Member, key_ids
from lingoflow.dispatch.ratelimit import RateLimits
from lingoflow.dispatch.retry import RetryPolicy
from lingoflow.engines.base import Engine, EngineConfig
from lingoflow.engines.registry import engine_class
from lingoflow.errors import ConfigurationError

if TYPE_CHECKING:
    from lingoflow.settings import Settings

__all__ = ["build_engine", "is_dispatched", "policy_for"]


def is_dispatched(cls: type[Engine]) -> bool:
    """Whether engines of ``cls`` are wrapped in the dispatch layer (``dispatch = True``)."""
    return bool(getattr(cls, "dispatch", False))


def build_engine(
    name: str, config: EngineConfig | None = None, settings: Settings | None = None
) -> Engine:
    """Instantiate engine ``name`` with ``config``, wrapped for dispatch if it is remote.

    ``config.fallback`` names a fallback engine, built with ``settings``' config for it (or a
    default config when no settings are given); it is not wrapped in another fallback.
    """
    config = config or EngineConfig()
    cls = engine_class(name)
    if not is_dispatched(cls):
        return cls(config)
    fallback = _fallback(name, config, settings)
    return DispatchingEngine(_members(cls, config), policy_for(config), fallback=fallback)


def policy_for(config: EngineConfig) -> DispatchPolicy:
    """The dispatch policy an engine config asks for."""
    retry = RetryPolicy(
        retries=config.retries, backoff=config.backoff, backoff_max=config.backoff_max
    )
    return DispatchPolicy(
        concurrency=config.concurrency,
        timeout=config.timeout,
        retry=retry,
        limits=RateLimits.per_minute(config.rpm, config.tpm),
        circuit_threshold=config.circuit_threshold,
        circuit_reset=config.circuit_reset,
    )


def _members(cls: type[Engine], config: EngineConfig) -> list[Member]:
    keys = config.all_api_keys or (None,)
    urls = config.all_base_urls or (None,)
    members = []
    for url in urls:
        for key, key_id in zip(keys, key_ids(len(config.all_api_keys)), strict=True):
            inner = cls(
                replace(config, base_url=url, base_urls=(), api_key=key, api_keys=(), fallback=None)
            )
            members.append(Member(inner, _endpoint_of(inner, url), key_id))
    return members


def _endpoint_of(engine: Engine, url: str | None) -> str:
    """The URL a member sends to: its configured one, else the engine's own default."""
    return url or str(getattr(engine, "base_url", "") or engine.name)


def _fallback(name: str, config: EngineConfig, settings: Settings | None) -> Engine | None:
    if not config.fallback:
        return None
    if config.fallback == name:
        raise ConfigurationError(f"The {name} engine cannot be its own fallback.")
    fallback_config = (
        settings.engine_config(config.fallback) if settings else EngineConfig(home=config.home)
    )
    return build_engine(config.fallback, replace(fallback_config, fallback=None))
