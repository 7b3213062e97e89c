"""The engine registry: built-in and third-party engines found through one entry-point group.

Built-in engines are declared in lingoflow's own ``pyproject.toml`` under
``[project.entry-points."lingoflow.engines"]``, exactly as a plugin package declares its
own; nothing is imported until an engine is asked for. ``register`` adds an engine class in
process (tests, notebooks) and takes precedence over entry points.

``create_engine`` builds an engine as lingoflow runs it: engine classes that set
``dispatch = True`` (remote engines sending one request per segment) come wrapped in
:class:`~lingoflow.dispatch.DispatchingEngine` (concurrency, rate limits, retries, key and
endpoint pools, fallback); ``engine_class(name)(config)`` gives the bare engine.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from lingoflow.engines.base import Engine, EngineConfig
from lingoflow.errors import ConfigurationError, UnknownEngineError

if TYPE_CHECKING:
    from lingoflow.settings import Settings

__all__ = ["ENTRY_POINT_GROUP", "create_engine", "engine_class", "engine_names", "register"]

ENTRY_POINT_GROUP = "lingoflow.engines"

_registered: dict[str, type[Engine]] = {}


def register(engine_class: type[Engine]) -> type[Engine]:
    """Register ``engine_class`` under its ``name``; usable as a class decorator."""
    _registered[engine_class.name] = engine_class
    return engine_class


def engine_names() -> list[str]:
    """Names of all engines, registered in process or through entry points, sorted."""
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names | set(_registered))


def engine_class(name: str) -> type[Engine]:
    """Return the engine class registered as ``name``; raise ``UnknownEngineError`` if none."""
    if name in _registered:
        return _registered[name]
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            loaded = ep.load()
        except ImportError as exc:
            raise ConfigurationError(
                f"Engine {name!r} is registered by {ep.value!r} but cannot be imported: {exc}"
            ) from exc
        if not (isinstance(loaded, type) and issubclass(loaded, Engine)):
            raise ConfigurationError(f"Entry point {ep.value!r} is not a lingoflow Engine.")
        return loaded
    raise UnknownEngineError(name, engine_names())


def create_engine(
    name: str, config: EngineConfig | None = None, settings: Settings | None = None
) -> Engine:
    """Instantiate the engine registered as ``name`` with ``config``, dispatched if remote.

    ``settings`` supply the config of a fallback engine named in ``config.fallback``.
    """
    from lingoflow.dispatch.factory import build_engine  # the dispatch layer imports this module

    return build_engine(name, config, settings)
