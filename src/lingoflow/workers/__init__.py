"""Distributed workers: translate one run's segments on Celery workers on many machines.

When one machine is not enough, workers on several machines share the database (PostgreSQL;
an SQLite file does for workers on one machine) and a broker (Redis or RabbitMQ)::

    coordinator                         broker                  workers (lingoflow worker)
    distribute_tree ── chunks of texts ──► queue ──► translate_chunk: Translator from the spec
          │                                              │  (cache/TM/journal → engine → cache)
          ◄──────────── counts per chunk ◄── results ◄───┘
    translate_tree (in process): every segment is found in the database; outputs written

The coordinator (:mod:`.coordinator`) sends each distinct unit text once, in chunks; a worker
(:mod:`.app`) translates a chunk through the normal pipeline, so results land in the shared
cache (and the job journal when the run is a job). Then the caller runs the ordinary
in-process :func:`~lingoflow.documents.translate_tree`, which finds them: the output is the
in-process output by construction, and anything a worker could not do is done there.

Tasks are acknowledged late and handed back when a worker dies, so a worker killed mid-task
loses nothing: the task runs again elsewhere and, being keyed by segment, calls the engine
only for the segments that were in flight. What a task needs travels as a
:class:`~lingoflow.workers.spec.RunSpec` without secrets; the broker settings are a
:class:`~lingoflow.workers.config.BrokerConfig`. This package needs Celery (the ``workers``
extra); the rest of lingoflow never imports it.
"""

from __future__ import annotations

from lingoflow.workers.app import (
    POOLS,
    TASK_NAME,
    ChunkRuntime,
    TranslatorFactory,
    check_broker,
    create_app,
    run_worker,
)
from lingoflow.workers.config import (
    DEFAULT_QUEUE,
    DEFAULT_VISIBILITY_TIMEOUT,
    BrokerConfig,
    load_broker_config,
    safe_url,
)
from lingoflow.workers.coordinator import (
    DEFAULT_CHUNK_SIZE,
    DistributionReport,
    distribute_files,
    distribute_tree,
)
from lingoflow.workers.spec import RunSpec, shareable_db_url

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_QUEUE",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "POOLS",
    "TASK_NAME",
    "BrokerConfig",
    "ChunkRuntime",
    "DistributionReport",
    "RunSpec",
    "TranslatorFactory",
    "check_broker",
    "create_app",
    "distribute_files",
    "distribute_tree",
    "load_broker_config",
    "run_worker",
    "safe_url",
    "shareable_db_url",
]
