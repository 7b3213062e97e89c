"""Settings as a value object, built at the edges (CLI, service) and passed into the library.

Precedence, lowest to highest: built-in defaults < config file < environment < command-line
flags. Library code never reads the environment; only :func:`load_settings` does, and only
from the mapping it is given.

Config file: ``$LINGOFLOW_CONFIG`` or ``<home>/config.toml``::

    engine = "local"                 # default engine
    db = "postgresql+psycopg://user@host/lingoflow"   # default: SQLite file in the home folder

    [engines.qwen-mt]
    model = "qwen-mt-flash"
    region = "singapore"             # singapore | beijing | us
    # api_key = "..."                # prefer DASHSCOPE_API_KEY in the environment

    [engines.openai]
    base_url = "http://127.0.0.1:8000/v1"
    model = "qwen2.5-7b-instruct"

    [engines.local]
    model = "qwen2.5-0.5b"           # or qwen2.5-1.5b, or a path to a GGUF file
    threads = "2"

    [prices.qwen-mt-plus]            # USD per million tokens, for --dry-run cost estimates
    input = 2.46                     # defaults: lingoflow.pricing.DEFAULT_PRICES
    output = 7.37

``[prices.<model>]`` tables land in :attr:`Settings.prices` as ``{model: {"input": float,
"output": float}}`` (either key may be left out); :func:`lingoflow.pricing.price_table` merges
them over the defaults.

Environment: ``LINGOFLOW_HOME``, ``LINGOFLOW_ENGINE``, ``LINGOFLOW_DB``, ``DASHSCOPE_API_KEY``,
``LINGOFLOW_QWEN_MT_BASE_URL``, ``LINGOFLOW_QWEN_MT_MODEL``, ``LINGOFLOW_QWEN_MT_REGION``,
``LINGOFLOW_OPENAI_BASE_URL``, ``LINGOFLOW_OPENAI_MODEL``, ``LINGOFLOW_OPENAI_API_KEY``,
``LINGOFLOW_LOCAL_MODEL``, ``LINGOFLOW_LOCAL_THREADS``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from lingoflow.engines.base import EngineConfig
from lingoflow.errors import ConfigurationError
from lingoflow.paths import default_home

__all__ = ["DEFAULT_ENGINE", "Settings", "load_settings", "parse_duration"]

DEFAULT_ENGINE = "local"

# Environment variable -> (engine, field). Fields other than model/base_url/api_key/timeout
# go into EngineConfig.options.
_ENV_ENGINE_KEYS: dict[str, tuple[str, str]] = {
    "DASHSCOPE_API_KEY": ("qwen-mt", "api_key"),
    "LINGOFLOW_QWEN_MT_BASE_URL": ("qwen-mt", "base_url"),
    "LINGOFLOW_QWEN_MT_MODEL": ("qwen-mt", "model"),
    "LINGOFLOW_QWEN_MT_REGION": ("qwen-mt", "region"),
    "LINGOFLOW_OPENAI_BASE_URL": ("openai", "base_url"),
    "LINGOFLOW_OPENAI_MODEL": ("openai", "model"),
    "LINGOFLOW_OPENAI_API_KEY": ("openai", "api_key"),
    "LINGOFLOW_LOCAL_MODEL": ("local", "model"),
    "LINGOFLOW_LOCAL_THREADS": ("local", "threads"),
}
_CONFIG_FIELDS = frozenset({"model", "base_url", "api_key", "timeout", "concurrency"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything lingoflow needs to know about this user's setup."""

    home: Path
    engine: str = DEFAULT_ENGINE
    engines: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    db_url: str | None = None
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def engine_config(self, name: str, **overrides: str | float | int | None) -> EngineConfig:
        """Build the ``EngineConfig`` for engine ``name``; ``None`` overrides are ignored."""
        values: dict[str, Any] = dict(self.engines.get(name, {}))
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {k: v for k, v in values.items() if k in _CONFIG_FIELDS}
        options = {k: str(v) for k, v in values.items() if k not in _CONFIG_FIELDS}
        config = EngineConfig(home=str(self.home), options=options)
        try:
            if "timeout" in known:
                known["timeout"] = float(known["timeout"])
            if "concurrency" in known:
                known["concurrency"] = int(known["concurrency"])
        except ValueError as exc:
            raise ConfigurationError(f"Invalid setting for engine {name!r}: {exc}") from exc
        return replace(config, **known)


def load_settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """Build settings from defaults, the config file and ``environ`` (in that order)."""
    home = Path(environ["LINGOFLOW_HOME"]) if environ.get("LINGOFLOW_HOME") else default_home()
    path = config_file or (
        Path(environ["LINGOFLOW_CONFIG"]) if environ.get("LINGOFLOW_CONFIG") else None
    )
    data = _read_config(path or home / "config.toml", required=path is not None)
    engines: dict[str, dict[str, str]] = {
        name: {k: str(v) for k, v in table.items()}
        for name, table in _table(data.get("engines", {}), "engines").items()
    }
    for var, (engine, key) in _ENV_ENGINE_KEYS.items():
        if environ.get(var):
            engines.setdefault(engine, {})[key] = environ[var]
    engine = environ.get("LINGOFLOW_ENGINE") or str(data.get("engine") or DEFAULT_ENGINE)
    db_url = environ.get("LINGOFLOW_DB") or (str(data["db"]) if data.get("db") else None)
    prices = _prices(data.get("prices", {}))
    return Settings(home=home, engine=engine, engines=engines, db_url=db_url, prices=prices)


def _read_config(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigurationError(f"Config file {path} does not exist.")
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"Config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(f"Cannot read config file {path}: {exc}") from exc


def _table(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigurationError(f"Config section [{where}] must hold one table per engine.")
    return value


def _prices(value: Any) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigurationError("Config section [prices] must hold one table per model.")
    prices: dict[str, dict[str, float]] = {}
    for model, table in value.items():
        for key, amount in table.items():
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                raise ConfigurationError(
                    f"[prices.{model}] {key} must be a non-negative number, not {amount!r}."
                )
        prices[model] = {k: float(v) for k, v in table.items()}
    return prices


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str) -> timedelta:
    """Parse ``30d``, ``12h``, ``45m``, ``90s`` or ``2w`` into a ``timedelta``."""
    text = value.strip().lower()
    unit = _UNITS.get(text[-1:]) if text else None
    try:
        amount = float(text[:-1]) if unit else float("nan")
    except ValueError:
        amount = float("nan")
    if unit is None or not amount >= 0:
        raise ConfigurationError(
            f"Invalid duration {value!r}: use a number and a unit, e.g. 30d, 12h, 45m, 90s."
        )
    return timedelta(**{unit: amount})
