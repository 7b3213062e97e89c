"""The coordinator: cut a run into chunks of texts, send them to the workers, wait for them.

:func:`distribute_tree` (or :func:`distribute_files`) parses every document the in-process
run would translate, collects the distinct unit texts in walk order, sends them as tasks of
``chunk_size`` texts and waits until every task has answered. The workers store their results
in the shared database; the caller then runs the normal in-process
:func:`~lingoflow.documents.translate_tree` with the same settings, which finds every segment
there and writes the outputs.

Invariants:

- The output is the in-process run's output by construction: workers only fill the cache
  (and the job journal); the in-process pass reads it with the same segment keys, and
  translates itself whatever a worker could not (a failed chunk, an unreadable file).
- Each distinct text is sent once per run, in one task; a task may run more than once (a
  worker died, a broker redelivered it), which the segment keys make harmless.
- Files the in-process run would skip or fail on (no format, unreadable, symlinks out of the
  tree) are skipped here without error; the in-process pass reports them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult, ResultSet
from kombu.exceptions import OperationalError

from lingoflow.documents import walk_files
from lingoflow.errors import ConfigurationError, LingoflowError, WorkerError
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.workers.app import TASK_NAME, check_broker, create_app
from lingoflow.workers.config import BrokerConfig, safe_url
from lingoflow.workers.spec import RunSpec

__all__ = ["DEFAULT_CHUNK_SIZE", "DistributionReport", "distribute_files", "distribute_tree"]

DEFAULT_CHUNK_SIZE = 32
"""Texts per task: big enough to keep a worker's engine busy, small enough that a task ends
well within the broker's visibility timeout and a dead worker loses little."""

ChunkProgress = Callable[[int, int], None]
"""Called after each finished task with (tasks finished, tasks sent)."""


@dataclass(frozen=True, slots=True)
class DistributionReport:
    """What the workers did: files read, distinct texts and tasks sent, segments by origin."""

    files: int
    texts: int
    chunks: int
    segments: Counter[str] = field(default_factory=Counter)
    errors: tuple[str, ...] = ()

    @property
    def failed(self) -> int:
        """Tasks that ended in an error (their texts are left to the in-process pass)."""
        return len(self.errors)


def distribute_tree(
    src_dir: Path,
    spec: RunSpec,
    broker: BrokerConfig,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ChunkProgress | None = None,
    timeout: float | None = None,
) -> DistributionReport:
    """Have the workers translate every document under ``src_dir``; see the module docstring."""
    if not src_dir.is_dir():
        raise ConfigurationError(f"{src_dir} is not a folder; pass the folder to translate.")
    root = src_dir.resolve()
    paths = walk_files(root, include, exclude)
    files = [(p, _relative(root, p)) for p in paths if _inside(root, p)]
    return distribute_files(
        files, spec, broker, chunk_size=chunk_size, progress=progress, timeout=timeout
    )


def distribute_files(
    files: Sequence[tuple[Path, str]],
    spec: RunSpec,
    broker: BrokerConfig,
    *,
    fmt: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ChunkProgress | None = None,
    timeout: float | None = None,
) -> DistributionReport:
    """Have the workers translate ``files`` — (path, name the format is chosen by) pairs.

    ``fmt`` forces one format for every file (``translate-file --format``). ``timeout`` bounds
    the wait for the workers in seconds (None: wait); on expiry the tasks still running are
    counted as errors and left to the in-process pass.
    """
    if chunk_size < 1:
        raise ConfigurationError(f"The chunk size must be at least 1, not {chunk_size}.")
    app = create_app(broker)
    try:
        check_broker(app, broker)
        texts = _distinct(_unit_texts(files, fmt))
        results = _send(app, broker, spec, texts, chunk_size)
        segments, errors = _wait(app, results, progress, timeout)
    finally:
        _close(app)
    return DistributionReport(len(files), len(texts), len(results), segments, errors)


def _send(
    app: Celery, broker: BrokerConfig, spec: RunSpec, texts: Sequence[str], chunk_size: int
) -> list[AsyncResult[Any]]:
    """Send one task per chunk of ``texts``; return their results, in order."""
    payload = spec.to_dict()
    results: list[AsyncResult[Any]] = []
    try:
        with app.producer_or_acquire() as producer:
            for chunk in _chunks(texts, chunk_size):
                results.append(app.send_task(TASK_NAME, args=[payload, chunk], producer=producer))
    except OperationalError as exc:
        raise WorkerError(f"Cannot reach the broker at {safe_url(broker.url)}: {exc}") from exc
    return results


def _close(app: Celery) -> None:
    """Close the app's broker and result-backend connections (the backend kind varies)."""
    backend = app.backend
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None:
        consumer.stop()
    client = getattr(backend, "client", None)  # the Redis backend's client
    if client is not None:
        client.close()
    app.close()


def _wait(
    app: Celery,
    results: list[AsyncResult[Any]],
    progress: ChunkProgress | None,
    timeout: float | None,
) -> tuple[Counter[str], tuple[str, ...]]:
    """Collect every task's answer (in completion order); return segment counts and errors."""
    segments: Counter[str] = Counter()
    errors: list[str] = []
    done: set[str] = set()

    def collect(task_id: str, value: Any) -> None:
        done.add(task_id)
        if isinstance(value, dict) and not value.get("error"):
            segments.update(value.get("segments", {}))
        else:
            errors.append(_error_text(value))
        if progress is not None:
            progress(len(done), len(results))

    try:
        ResultSet(results, app=app).join_native(callback=collect, propagate=False, timeout=timeout)
    except CeleryTimeoutError:
        late = len(results) - len(done)
        errors.extend([f"no worker answered within {timeout:g} s"] * late)
    except OperationalError as exc:
        raise WorkerError(f"Lost the result backend while waiting for the workers: {exc}") from exc
    finally:
        for result in results:  # read once (or given up on): leave nothing pending or stored
            result.forget()
    return segments, tuple(errors)


def _unit_texts(files: Iterable[tuple[Path, str]], fmt: str | None) -> Iterator[str]:
    """Every unit's source text of every readable document, in order."""
    for path, name in files:
        try:
            if path.is_dir():
                continue
            document = document_class(fmt or format_for_path(name)).parse(
                path.read_bytes(), name=name
            )
        except (LingoflowError, OSError):
            continue  # no format, unreadable or malformed: the in-process pass reports it
        for unit in document.units:
            yield unit.source


def _distinct(texts: Iterable[str]) -> list[str]:
    """The texts worth sending, once each, in first-seen order (blank ones need no engine)."""
    return list(dict.fromkeys(t for t in texts if t.strip()))


def _chunks(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(texts), size):
        yield list(texts[start : start + size])


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (possibly a symlink) stays inside ``root`` once resolved."""
    return path.resolve().is_relative_to(root)


def _relative(root: Path, path: Path) -> str:
    return (path.parent.resolve() / path.name).relative_to(root).as_posix()


def _error_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("error"))
    return f"{type(value).__name__}: {value}"
