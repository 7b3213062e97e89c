"""The Celery app and its one task: translate a chunk of texts into the shared database.

:func:`create_app` builds the app both sides use (the coordinator only sends; a worker also
registers :data:`TASK_NAME` with a :data:`TranslatorFactory`). The task translates its texts
with a translator built from the task's :class:`~lingoflow.workers.spec.RunSpec`, which stores
every clean result in the shared cache (and the job journal when the spec names a job), and
returns only counts: the outputs are assembled by the coordinator's in-process pass.

Invariants:

- At-least-once, never lost: tasks are acknowledged only after they finish (``acks_late``), a
  task whose worker process dies is handed back (``reject_on_worker_lost``), and a Redis broker
  redelivers an unacknowledged task after ``visibility_timeout`` seconds — swept every few
  seconds, not kombu's default 100 — so a worker killed with SIGKILL loses nothing. (RabbitMQ
  requeues a dead worker's unacknowledged tasks as soon as its connection drops.)
- Idempotent by segment key: a redelivered task runs the same pipeline, whose cache (and
  journal) lookup answers every segment finished before; only those in flight are redone.
- Each pool thread runs its own asyncio event loop and keeps its translators (and so their
  engines and connection pools) across tasks, so a worker holds at most ``--concurrency`` x
  the engine's concurrency requests in flight. A fork (prefork pool) starts fresh.
- A task returns ``{"error": ...}`` instead of raising for a lingoflow error that retrying will
  not fix, after up to :data:`MAX_RETRIES` retries for transient engine and database errors;
  the coordinator reports it and its in-process pass translates what is missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_shutdown, worker_shutdown
from kombu.exceptions import OperationalError

from lingoflow.errors import (
    ConfigurationError,
    EngineConnectionError,
    EngineRateLimitedError,
    EngineServerError,
    EngineTimeoutError,
    LingoflowError,
    StorageError,
    WorkerError,
)
from lingoflow.translator import Translator
from lingoflow.workers.config import BrokerConfig, safe_url
from lingoflow.workers.spec import RunSpec

__all__ = [
    "MAX_RETRIES",
    "POOLS",
    "TASK_NAME",
    "ChunkRuntime",
    "TranslatorFactory",
    "check_broker",
    "create_app",
    "run_worker",
]

TASK_NAME = "lingoflow.translate_chunk"
MAX_RETRIES = 3
TranslatorFactory = Callable[[RunSpec], Translator]
"""Build the translator a worker uses for a spec (the CLI's: settings, storage, glossary)."""

_TRANSIENT = (
    EngineConnectionError,
    EngineRateLimitedError,
    EngineServerError,
    EngineTimeoutError,
    StorageError,
)
_KEEP_TRANSLATORS = 4
POOLS = ("threads", "solo", "prefork")
"""Celery pools a worker may run tasks in; ``threads`` is the default (see ``run_worker``)."""


def create_app(config: BrokerConfig, factory: TranslatorFactory | None = None) -> Celery:
    """Build the Celery app for ``config``; with ``factory``, register the worker's task."""
    app = Celery("lingoflow", broker=config.url, backend=config.result_backend)
    sweep = max(1.0, min(10.0, config.visibility_timeout / 4))
    app.conf.update(
        task_default_queue=config.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker reserves only what it runs: fair sharing
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout,
            "unacked_restore_interval": sweep,
            "unacked_restore_throttle": 1,
            # The restore sweep's lock; a worker killed while holding it blocks the others'
            # sweeps until it expires.
            "unacked_mutex_expire": int(max(10, min(60, config.visibility_timeout))),
        },
        broker_connection_retry_on_startup=True,
        result_expires=86_400,
    )
    if factory is not None:
        _register(app, ChunkRuntime(factory))
    return app


def check_broker(app: Celery, config: BrokerConfig) -> None:
    """Connect to the broker once; raise ``WorkerError`` saying where, if it cannot be reached."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except (OperationalError, OSError) as exc:
        raise WorkerError(
            f"Cannot reach the broker at {safe_url(config.url)}: {str(exc).rstrip('.')}. "
            "Check the URL and that the broker (Redis or RabbitMQ) is running."
        ) from exc


def run_worker(
    config: BrokerConfig,
    factory: TranslatorFactory,
    *,
    concurrency: int = 4,
    pool: str = "threads",
    loglevel: str = "INFO",
    hostname: str | None = None,
) -> int:
    """Serve ``config.queue`` until stopped (SIGTERM/Ctrl-C); return the exit code.

    ``threads`` runs up to ``concurrency`` tasks at once, each pool thread with its own loop
    and engine; ``solo`` one task at a time; ``prefork`` one process per task slot.
    """
    if pool not in POOLS:
        raise ConfigurationError(f"--pool must be one of {', '.join(POOLS)}, not {pool!r}.")
    if concurrency < 1:
        raise ConfigurationError(f"--concurrency must be at least 1, not {concurrency}.")
    app = create_app(config, factory)
    check_broker(app, config)
    # httpx logs every request at INFO: thousands of lines per minute that bury the task log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    worker = app.Worker(
        hostname=hostname or f"lingoflow-{os.getpid()}@{socket.gethostname()}",
        pool_cls=pool,
        concurrency=concurrency,
        loglevel=loglevel.upper(),
        queues=[config.queue],
        without_mingle=True,  # nothing to synchronise: tasks carry everything they need
        without_gossip=True,
    )
    worker.start()
    return int(worker.exitcode or 0)


def _register(app: Celery, runtime: ChunkRuntime) -> None:
    """Add the chunk task to ``app`` and close the runtime when the worker stops."""

    @app.task(name=TASK_NAME, bind=True, max_retries=MAX_RETRIES)
    def translate_chunk(task: Task[Any, Any], spec: dict[str, Any], texts: list[str]) -> Any:
        try:
            return runtime.run(RunSpec.from_dict(spec), texts).as_dict()
        except _TRANSIENT as exc:
            if task.request.retries < MAX_RETRIES:
                raise task.retry(exc=exc, countdown=2**task.request.retries) from exc
            return {"error": str(exc)}
        except LingoflowError as exc:
            return {"error": str(exc)}

    def close(**_: object) -> None:
        runtime.close()

    # weak=False: the receivers are closures that nothing else keeps alive.
    worker_process_shutdown.connect(close, weak=False)
    worker_shutdown.connect(close, weak=False)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a task reports: texts done and segments by provenance over all targets."""

    texts: int
    segments: Counter[str]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready result of a task."""
        return {"texts": self.texts, "segments": dict(self.segments), "error": ""}


@dataclass(slots=True)
class _ThreadState:
    """One pool thread's event loop and the translators built on it, most recent last."""

    loop: asyncio.AbstractEventLoop
    pid: int
    translators: dict[RunSpec, Translator] = field(default_factory=dict)


class ChunkRuntime:
    """Run chunks on a per-thread event loop, keeping each thread's translators across tasks.

    Each pool thread (the main thread for ``solo``, each child for ``prefork``) owns one loop
    and, per spec, one translator — so one engine, connection pool and database pool — reused
    by every task that thread runs. Loops are per thread rather than one per process because
    the pipeline's database writes block their loop: several loops overlap those waits
    (measured: 4 threads x 16 requests beat 1 loop x 64, see ``bench/celery_scaling.py``).
    """

    def __init__(self, factory: TranslatorFactory, keep: int = _KEEP_TRANSLATORS) -> None:
        self._factory = factory
        self._keep = keep
        self._local = threading.local()
        self._lock = threading.Lock()
        self._states: list[_ThreadState] = []

    def run(self, spec: RunSpec, texts: Sequence[str]) -> ChunkResult:
        """Translate ``texts`` into every target of ``spec`` on this thread's loop."""
        state = self._state()
        return state.loop.run_until_complete(self._translate(state, spec, texts))

    def close(self) -> None:
        """Release every idle thread's translators and close its loop (at worker shutdown)."""
        with self._lock:
            states, self._states = self._states, []
        for state in states:
            if state.pid == os.getpid() and not state.loop.is_running():
                state.loop.run_until_complete(_release_all(state))
                state.loop.close()

    def _state(self) -> _ThreadState:
        state: _ThreadState | None = getattr(self._local, "state", None)
        if state is None or state.pid != os.getpid():  # first task here, or a forked child
            state = _ThreadState(asyncio.new_event_loop(), os.getpid())
            self._local.state = state
            with self._lock:
                self._states.append(state)
        return state

    async def _translate(
        self, state: _ThreadState, spec: RunSpec, texts: Sequence[str]
    ) -> ChunkResult:
        translator = state.translators.pop(spec, None) or self._factory(spec)
        state.translators[spec] = translator
        for old in list(state.translators)[: -self._keep]:
            await _release(state.translators.pop(old))
        rows = await translator.atranslate_multi(
            texts, spec.targets, source=spec.source, domain=spec.domain, formality=spec.formality
        )
        segments = Counter(s.provenance.value for row in rows for t in row for s in t.segments)
        return ChunkResult(len(texts), segments)


async def _release_all(state: _ThreadState) -> None:
    translators, state.translators = state.translators, {}
    for translator in translators.values():
        await _release(translator)


async def _release(translator: Translator) -> None:
    await translator.aclose()
    storage = translator.pipeline.storage
    if storage is not None:
        storage.close()
