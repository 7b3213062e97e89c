"""Where the workers meet: the broker URL, the queue and how long a task may stay unacknowledged.

Precedence for the broker URL, lowest to highest: ``broker`` in the config file (the same file
:func:`lingoflow.settings.load_settings` reads) < ``LINGOFLOW_BROKER_URL`` in the environment <
the ``--broker`` flag. Nothing here reads the process environment: :func:`load_broker_config`
reads only the mapping it is given.

Invariants: a broker URL's password never appears in a message (:func:`safe_url`); without a
broker the error says how to configure one; the result backend is the broker itself for Redis
(``redis://``, ``rediss://``) and Celery's ``rpc://`` (replies over the broker) otherwise.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lingoflow.errors import ConfigurationError
from lingoflow.settings import load_settings

__all__ = [
    "DEFAULT_QUEUE",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "BrokerConfig",
    "load_broker_config",
    "safe_url",
]

DEFAULT_QUEUE = "lingoflow"
DEFAULT_VISIBILITY_TIMEOUT = 600.0
"""Seconds a Redis broker waits for a task's acknowledgement before it hands the task to
another worker. A task (one chunk) must finish well within it, or it is run twice (harmless,
idempotent, but paid twice); a worker that dies is noticed only after it."""

_NO_BROKER = (
    "No broker configured for distributed workers: set LINGOFLOW_BROKER_URL "
    '(e.g. redis://127.0.0.1:6379/0), add broker = "redis://..." to config.toml, '
    "or pass --broker URL."
)
_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """How to reach the broker shared by the coordinator and every worker."""

    url: str
    queue: str = DEFAULT_QUEUE
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT

    def __post_init__(self) -> None:
        scheme = self.url.partition("://")[0]
        if scheme not in _SCHEMES or "://" not in self.url:
            raise ConfigurationError(
                f"Unsupported broker URL {safe_url(self.url)!r}: use redis://host:6379/0 "
                "or amqp://user@host:5672//."
            )
        if not self.queue.strip():
            raise ConfigurationError("The worker queue name is empty: pass --queue NAME.")
        if not self.visibility_timeout > 0:
            raise ConfigurationError("The visibility timeout must be a positive number of seconds.")

    @property
    def result_backend(self) -> str:
        """Where task results go: the Redis broker itself, else replies over the broker."""
        return self.url if self.url.startswith(("redis://", "rediss://")) else "rpc://"


def load_broker_config(
    environ: Mapping[str, str],
    *,
    url: str | None = None,
    queue: str | None = None,
    visibility_timeout: float | None = None,
) -> BrokerConfig:
    """Build the broker settings: flags (the keyword arguments) < ``environ`` < config file."""
    found = url or environ.get("LINGOFLOW_BROKER_URL") or _config_broker(environ)
    if not found:
        raise ConfigurationError(_NO_BROKER)
    return BrokerConfig(
        found,
        queue or DEFAULT_QUEUE,
        DEFAULT_VISIBILITY_TIMEOUT if visibility_timeout is None else visibility_timeout,
    )


def safe_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def _config_broker(environ: Mapping[str, str]) -> str | None:
    """The ``broker`` key of the config file that :func:`load_settings` would read."""
    configured = environ.get("LINGOFLOW_CONFIG")
    path = Path(configured) if configured else load_settings(environ).home / "config.toml"
    if not path.is_file():
        return None  # a missing LINGOFLOW_CONFIG file is reported by load_settings elsewhere
    try:
        with path.open("rb") as handle:
            value = tomllib.load(handle).get("broker")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the broker from {path}: {exc}") from exc
    return str(value) if value else None
