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
    rpm = 60                         # requests per minute, per key (client-side limit)
    tpm = 35000                      # tokens per minute, per key
    fallback = "local"               # engine for segments Qwen-MT cannot translate now

    [engines.openai]
    base_url = "http://127.0.0.1:8000/v1"
    base_urls = ["http://10.0.0.2:8000/v1", "http://10.0.0.3:8000/v1"]   # more servers
    model = "qwen2.5-7b-instruct"
    concurrency = 64

Every engine table also takes the dispatch settings of remote engines (see
:class:`~lingoflow.engines.base.EngineConfig`): ``api_keys`` and ``base_urls`` (lists, added
to ``api_key``/``base_url``; every key is used on every URL), ``concurrency``, ``rpm``,
``tpm``, ``timeout`` (seconds a request may stall before it is retried), ``retries``,
``backoff``, ``backoff_max``, ``circuit_threshold``, ``circuit_reset`` and ``fallback``.

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
``DASHSCOPE_API_KEYS`` (comma-separated), ``LINGOFLOW_QWEN_MT_BASE_URL``,
``LINGOFLOW_QWEN_MT_BASE_URLS``, ``LINGOFLOW_QWEN_MT_MODEL``, ``LINGOFLOW_QWEN_MT_REGION``,
``LINGOFLOW_QWEN_MT_CONCURRENCY``, ``LINGOFLOW_QWEN_MT_RPM``, ``LINGOFLOW_QWEN_MT_TPM``,
``LINGOFLOW_QWEN_MT_FALLBACK``, ``LINGOFLOW_OPENAI_BASE_URL``, ``LINGOFLOW_OPENAI_BASE_URLS``,
``LINGOFLOW_OPENAI_MODEL``, ``LINGOFLOW_OPENAI_API_KEY``, ``LINGOFLOW_OPENAI_API_KEYS``,
``LINGOFLOW_OPENAI_CONCURRENCY``, ``LINGOFLOW_OPENAI_RPM``, ``LINGOFLOW_OPENAI_TPM``,
``LINGOFLOW_OPENAI_FALLBACK``, ``LINGOFLOW_LOCAL_MODEL``, ``LINGOFLOW_LOCAL_THREADS``.
The plural variables hold comma-separated lists.

Lists (``api_keys``, ``base_urls``) travel through :attr:`Settings.engines` as comma-joined
strings, like their environment variables, and become tuples in :meth:`Settings.engine_config`.
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

# Environment variable -> (engine, field). Fields that are not EngineConfig fields go into
# EngineConfig.options.
_ENV_ENGINE_KEYS: dict[str, tuple[str, str]] = {
    "DASHSCOPE_API_KEY": ("qwen-mt", "api_key"),
    "DASHSCOPE_API_KEYS": ("qwen-mt", "api_keys"),
    "LINGOFLOW_QWEN_MT_BASE_URL": ("qwen-mt", "base_url"),
    "LINGOFLOW_QWEN_MT_BASE_URLS": ("qwen-mt", "base_urls"),
    "LINGOFLOW_QWEN_MT_MODEL": ("qwen-mt", "model"),
    "LINGOFLOW_QWEN_MT_REGION": ("qwen-mt", "region"),
    "LINGOFLOW_QWEN_MT_CONCURRENCY": ("qwen-mt", "concurrency"),
    "LINGOFLOW_QWEN_MT_RPM": ("qwen-mt", "rpm"),
    "LINGOFLOW_QWEN_MT_TPM": ("qwen-mt", "tpm"),
    "LINGOFLOW_QWEN_MT_FALLBACK": ("qwen-mt", "fallback"),
    "LINGOFLOW_OPENAI_BASE_URL": ("openai", "base_url"),
    "LINGOFLOW_OPENAI_BASE_URLS": ("openai", "base_urls"),
    "LINGOFLOW_OPENAI_MODEL": ("openai", "model"),
    "LINGOFLOW_OPENAI_API_KEY": ("openai", "api_key"),
    "LINGOFLOW_OPENAI_API_KEYS": ("openai", "api_keys"),
    "LINGOFLOW_OPENAI_CONCURRENCY": ("openai", "concurrency"),
    "LINGOFLOW_OPENAI_RPM": ("openai", "rpm"),
    "LINGOFLOW_OPENAI_TPM": ("openai", "tpm"),
    "LINGOFLOW_OPENAI_FALLBACK": ("openai", "fallback"),
    "LINGOFLOW_LOCAL_MODEL": ("local", "model"),
    "LINGOFLOW_LOCAL_THREADS": ("local", "threads"),
}
# EngineConfig fields by how their text is read; everything else goes into options.
_TEXT_FIELDS = frozenset({"model", "base_url", "api_key", "fallback"})
_INT_FIELDS = frozenset({"concurrency", "rpm", "tpm", "retries", "circuit_threshold"})
_FLOAT_FIELDS = frozenset({"timeout", "backoff", "backoff_max", "circuit_reset"})
_LIST_FIELDS = frozenset({"api_keys", "base_urls"})
_CONFIG_FIELDS = _TEXT_FIELDS | _INT_FIELDS | _FLOAT_FIELDS | _LIST_FIELDS


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
        known = {k: _field(name, k, v) for k, v in values.items() if k in _CONFIG_FIELDS}
        options = {k: str(v) for k, v in values.items() if k not in _CONFIG_FIELDS}
        config = EngineConfig(home=str(self.home), options=options)
        return replace(config, **known)


def _field(engine: str, key: str, value: str | float | int) -> Any:
    """Read one EngineConfig field from its text (config file, environment) or a flag."""
    try:
        if key in _INT_FIELDS:
            return int(value)
        if key in _FLOAT_FIELDS:
            return float(value)
    except ValueError as exc:
        raise ConfigurationError(
            f"Invalid setting {key} for engine {engine!r}: {exc}. Use a number."
        ) from exc
    if key in _LIST_FIELDS:
        return tuple(item.strip() for item in str(value).split(",") if item.strip())
    return value


def load_settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """Build settings from defaults, the config file and ``environ`` (in that order)."""
    home = Path(environ["LINGOFLOW_HOME"]) if environ.get("LINGOFLOW_HOME") else default_home()
    path = config_file or (
        Path(environ["LINGOFLOW_CONFIG"]) if environ.get("LINGOFLOW_CONFIG") else None
    )
    data = _read_config(path or home / "config.toml", required=path is not None)
    engines: dict[str, dict[str, str]] = {
        name: {k: _text(v) for k, v in table.items()}
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


def _text(value: Any) -> str:
    """A config-file value as text; lists (``api_keys = [...]``) are comma-joined."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


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
