"""What every command shares: settings from the environment, consoles, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lingoflow.dispatch import build_engine
from lingoflow.errors import InputError
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.qa.assess import QualityOptions
from lingoflow.qa.score import REVIEW_THRESHOLD
from lingoflow.routing import AUTO, route
from lingoflow.settings import Settings, load_settings, parse_duration
from lingoflow.translator import Translator

if TYPE_CHECKING:
    from lingoflow.storage import Storage
    from lingoflow.types import GlossarySelection

__all__ = [
    "build_translator",
    "console",
    "err_console",
    "glossary_selection",
    "open_storage",
    "print_json",
    "progress_bar",
    "quality_options",
    "settings",
    "writing",
]

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


def glossary_selection(
    value: str | None, storage: Storage, source: str, targets: list[str]
) -> GlossarySelection | None:
    """Open the glossary named by ``--glossary`` for this run's pair, or None without one."""
    from lingoflow.glossary import open_glossary

    if value is None:
        return None
    src = None if source.lower() == "auto" else source
    tgt = targets[0] if len(targets) == 1 else None
    return open_glossary(value, storage=storage, source_lang=src, target_lang=tgt)


class progress_bar:
    """A progress bar on an interactive stderr; silent otherwise.

    Entering gives ``advance(*_, total=None)``: one step, and the new total if given.
    """

    def __init__(self, total: int | None, label: str = "translating") -> None:
        self._bar = Progress(
            TextColumn(label),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self._task = self._bar.add_task(label, total=total)

    def __enter__(self) -> Callable[..., None]:
        self._bar.start()
        return self._advance

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def _advance(self, *_: object, total: int | None = None) -> None:
        if total is not None:
            self._bar.update(self._task, total=total)
        self._bar.advance(self._task)


def build_translator(
    targets: list[str],
    source: str,
    engine: str | None,
    model: str | None,
    base_url: str | None,
    glossary: str | None,
    tm: str | None,
    no_cache: bool,
    cache_ttl: str | None,
    db: str | None,
    *,
    concurrency: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    quality: QualityOptions | None = None,
) -> Translator:
    """Build the translator from the options every translating command shares.

    ``concurrency``, ``rpm`` and ``tpm`` override the settings (``None``: keep them); remote
    engines come wrapped in the dispatch layer (:func:`lingoflow.dispatch.build_engine`).
    """
    config = settings()
    name = engine or config.engine
    storage = open_storage(config, db)
    if name == AUTO:
        chosen = route(source, targets, config, storage)
        err_console.print(f"engine auto: {chosen.reason}", highlight=False, soft_wrap=True)
        name = chosen.engine
    options = PipelineOptions(
        glossary=glossary_selection(glossary, storage, source, targets),
        tm=tm,
        use_cache=not no_cache,
        cache_ttl=parse_duration(cache_ttl) if cache_ttl else None,
    )
    engine_config = config.engine_config(
        name, model=model, base_url=base_url, concurrency=concurrency, rpm=rpm, tpm=tpm
    )
    built = build_engine(name, engine_config, config)
    return Translator(built, storage=storage, options=options, quality=quality)


def quality_options(
    similarity: str = "auto",
    threshold: float | None = None,
    skip: str | Sequence[str] | None = None,
) -> QualityOptions:
    """The run's QA options from ``--similarity``, ``--review-threshold`` and ``--skip-checks``."""
    names = skip.split(",") if isinstance(skip, str) else list(skip or ())
    options = QualityOptions(
        similarity=similarity,  # type: ignore[arg-type]  # checked just below
        threshold=REVIEW_THRESHOLD if threshold is None else threshold,
        skip=tuple(n.strip() for n in names if n.strip()),
    )
    options.check()
    return options
