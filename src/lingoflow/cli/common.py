"""What every command shares: settings from the environment, consoles, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from lingoflow.errors import InputError
from lingoflow.settings import Settings, load_settings

if TYPE_CHECKING:
    from lingoflow.storage import Storage

__all__ = ["console", "err_console", "open_storage", "print_json", "settings", "writing"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def settings() -> Settings:
    """Load settings from the config file and this process's environment."""
    return load_settings(os.environ)


def open_storage(config: Settings, db: str | None = None) -> Storage:
    """Open the database given by ``--db``, else the settings' URL, else SQLite in the home."""
    from lingoflow.storage import Storage  # SQLAlchemy only for commands that store things

    return Storage.open(db or config.db_url, home=config.home)


def print_json(data: Any) -> None:
    """Print ``data`` as indented UTF-8 JSON on standard output."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Report a file that cannot be written as a one-line error, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
