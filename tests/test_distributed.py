"""Distributed workers: real ``lingoflow worker`` processes, the machine's Redis, real databases.

Each test gets its own queue on a dedicated Redis database (:data:`REDIS_DB`), its own
database (an SQLite file, or a fresh PostgreSQL schema) and a :class:`FakeDashScope` server;
the coordinator runs in the test process and the workers are subprocesses started with the
real console script. Skipped, with the reason, only when Redis cannot be reached.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from lingoflow.cli.worker import distribute_run
from lingoflow.documents import TreeReport, translate_file, translate_tree
from lingoflow.engines.base import EngineConfig
from lingoflow.engines.registry import create_engine
from lingoflow.errors import ConfigurationError, WorkerError
from lingoflow.storage import Storage
from lingoflow.translator import Translator
from lingoflow.workers import (
    BrokerConfig,
    DistributionReport,
    RunSpec,
    distribute_tree,
    load_broker_config,
    safe_url,
    shareable_db_url,
)
from tests.fakes.dashscope import DEFAULT_API_KEY, FakeDashScope
from tests.storage.conftest import PG_SERVER, admin, postgres_unreachable

LINGOFLOW = Path(sys.executable).with_name("lingoflow")
TREE = Path(__file__).parent / "data" / "tree"
REDIS_DB = 13  # lingoflow's tests own this Redis database; queues are unique per test
VISIBILITY = 4.0  # seconds before Redis hands a dead worker's task to another


def _redis_unreachable() -> str | None:
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at 127.0.0.1:6379 is not reachable: {exc}"
    finally:
        client.close()
    return None


needs_redis = pytest.mark.skipif(
    _redis_unreachable() is not None, reason=_redis_unreachable() or ""
)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[BrokerConfig]:
    """A broker config with a queue of its own; its Redis keys are removed afterwards."""
    queue = f"lingoflow-test-{uuid.uuid4().hex[:12]}"
    yield BrokerConfig(f"redis://127.0.0.1:6379/{REDIS_DB}", queue, VISIBILITY)
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.delete(queue, f"_kombu.binding.{queue}")
    client.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The shared database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"lf_workers_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def fake() -> Iterator[FakeDashScope]:
    """The translation server every worker and the coordinator call."""
    with FakeDashScope(latency=0.02) as server:
        yield server


class Worker:
    """A real ``lingoflow worker`` process with its log in a file."""

    def __init__(self, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.log = log
        self.process = process

    def text(self) -> str:
        """The worker's log so far."""
        return self.log.read_text(errors="replace")

    def received(self) -> set[str]:
        """Ids of the tasks this worker has received."""
        return set(re.findall(r"translate_chunk\[([0-9a-f-]+)\] received", self.text()))

    def succeeded(self) -> set[str]:
        """Ids of the tasks this worker has finished."""
        return set(re.findall(r"translate_chunk\[([0-9a-f-]+)\] succeeded", self.text()))

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (its own process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker warmly, or kill it if it does not stop."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(
    tmp_path: Path, broker: BrokerConfig, fake: FakeDashScope
) -> Iterator[StartWorker]:
    """Return a function that starts a worker on the test's queue and waits until it is ready."""
    started: list[Worker] = []

    def start(*extra: str, concurrency: int = 2) -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_", "DASH"))}
        env.update(
            LINGOFLOW_HOME=str(tmp_path / "worker-home"),
            DASHSCOPE_API_KEY=DEFAULT_API_KEY,  # the key comes from the worker's environment
            LINGOFLOW_QWEN_MT_BASE_URL=fake.base_url,
        )
        log = tmp_path / f"worker-{len(started)}.log"
        command = [
            str(LINGOFLOW), "worker", "--broker", broker.url, "--queue", broker.queue,
            "--concurrency", str(concurrency), "--visibility-timeout", str(VISIBILITY),
            "--hostname", f"w{len(started)}-{broker.queue}@test", *extra,
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(log, process)
        started.append(worker)
        _wait_until(lambda: " ready." in worker.text() or process.poll() is not None, 60)
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}: {worker.text()[-2000:]}")
        return worker

    yield start
    for worker in started:
        worker.stop()


def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {seconds} s")
        time.sleep(0.05)


# --- helpers -------------------------------------------------------------------------------


def _translator(fake: FakeDashScope, db: str | None) -> Translator:
    """The coordinator's (or a reference run's) translator: qwen-mt against the fake."""
    storage = Storage.open(db) if db else None
    config = EngineConfig(api_key=DEFAULT_API_KEY, base_url=fake.base_url)
    return Translator("qwen-mt", config, storage=storage)


def _spec(db: str) -> RunSpec:
    """The run as the coordinator describes it to the workers (no key, no password)."""
    model = create_engine("qwen-mt", EngineConfig(api_key=DEFAULT_API_KEY)).model  # resolved
    return RunSpec(
        engine="qwen-mt", targets=("de",), source="en", model=model, db=shareable_db_url(db)
    )


def _outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _reference(fake: FakeDashScope, src: Path, out: Path) -> dict[str, bytes]:
    """Translate ``src`` in process with no storage: what a distributed run must produce."""
    translate_tree(src, out, ["de"], _translator(fake, None), source="en")
    fake.reset()
    return _outputs(out)


def _final_pass(fake: FakeDashScope, db: str, src: Path, out: Path) -> TreeReport:
    translator = _translator(fake, db)
    try:
        return translate_tree(src, out, ["de"], translator, source="en")
    finally:
        if translator.pipeline.storage is not None:
            translator.pipeline.storage.close()


def _news_tree(folder: Path, files: int, paragraphs: int) -> int:
    """Write text files of one-sentence paragraphs; return the number of paragraphs."""
    for f in range(files):
        lines = [
            f"Report {f}-{i}: the council approved {i * 7 + f} new projects today."
            for i in range(paragraphs)
        ]
        (folder / f"news-{f}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return files * paragraphs


# --- tests ---------------------------------------------------------------------------------


@needs_redis
def test_a_worker_translates_a_tree_as_the_in_process_run_would(
    tmp_path: Path,
    db_url: str,
    fake: FakeDashScope,
    broker: BrokerConfig,
    start_worker: StartWorker,
) -> None:
    expected = _reference(fake, TREE, tmp_path / "reference")
    start_worker()
    report = distribute_tree(TREE, _spec(db_url), broker, chunk_size=8)
    assert report.errors == ()
    assert report.segments["engine"] > 0
    worker_calls = len(fake.requests)

    final = _final_pass(fake, db_url, TREE, tmp_path / "out")

    assert _outputs(tmp_path / "out") == expected
    assert final.provenance["engine"] == 0, "the in-process pass found every segment stored"
    assert len(fake.requests) == worker_calls, "the in-process pass called no engine"


@needs_redis
def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, fake: FakeDashScope, broker: BrokerConfig, start_worker: StartWorker
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    segments = _news_tree(src, files=3, paragraphs=60)
    expected = _reference(fake, src, tmp_path / "reference")
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    doomed, survivor = start_worker(), start_worker()
    fake.latency = 0.08
    chunk, slots = 5, 2  # a worker runs 2 tasks at once: at most 2 chunks die with it
    spec = _spec(db)
    done: list[DistributionReport] = []
    coordinator = threading.Thread(
        target=lambda: done.append(distribute_tree(src, spec, broker, chunk_size=chunk, timeout=60))
    )
    coordinator.start()
    # Kill while the doomed worker has a task it has not finished, a third into the job.
    _wait_until(
        lambda: (
            len(fake.requests) >= segments // 3 and bool(doomed.received() - doomed.succeeded())
        ),
        60,
    )
    doomed.kill()
    in_flight = doomed.received() - doomed.succeeded()  # its log is complete now
    coordinator.join(timeout=90)
    assert done, "the coordinator got an answer for every chunk"
    report = done[0]
    calls = len(fake.requests)

    final = _final_pass(fake, db, src, tmp_path / "out")

    assert report.errors == ()
    assert in_flight, "the worker was killed in the middle of a task"
    assert in_flight <= survivor.received(), "the dead worker's tasks were redone elsewhere"
    assert _outputs(tmp_path / "out") == expected
    assert final.provenance["engine"] == 0
    assert segments <= calls <= segments + slots * chunk
    with Storage.open(db) as storage:
        assert storage.cache.stats().entries == segments, "each segment stored exactly once"


@needs_redis
def test_workers_journal_a_jobs_segments_under_the_coordinators_job(
    tmp_path: Path, fake: FakeDashScope, broker: BrokerConfig, start_worker: StartWorker
) -> None:
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    with Storage.open(db) as storage:
        job = storage.jobs.create("dir", {"src": str(TREE)}, pid=os.getpid(), host="test")
    start_worker()
    spec = replace(_spec(db), job_id=job.id)

    report = distribute_tree(TREE, spec, broker, chunk_size=16)

    assert report.errors == ()
    with Storage.open(db) as storage:
        (german,) = storage.jobs.progress(job.id)
    assert german.target_lang == "de"
    assert german.provenance.get("engine") == report.segments["engine"] == len(fake.requests)


@needs_redis
def test_the_cli_helper_distributes_one_file_before_the_in_process_pass(
    tmp_path: Path, fake: FakeDashScope, broker: BrokerConfig, start_worker: StartWorker
) -> None:
    document = TREE / "docs" / "guide" / "intro.md"
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    start_worker()
    coordinator = _translator(fake, db)
    report = distribute_run(
        coordinator, ["de"], document, engine="qwen-mt", source="en",
        broker=broker.url, queue=broker.queue,
    )  # fmt: skip
    assert report.files == 1
    assert report.errors == ()
    worker_calls = len(fake.requests)

    done = translate_file(document, ["de"], coordinator, out_dir=tmp_path, source="en")

    assert worker_calls > 0
    assert len(fake.requests) == worker_calls, "the in-process pass called no engine"
    assert done.provenance["engine"] == 0
    assert coordinator.pipeline.storage is not None
    coordinator.pipeline.storage.close()


@needs_redis
def test_translate_dir_with_the_celery_executor_writes_what_the_workers_translated(
    tmp_path: Path, fake: FakeDashScope, broker: BrokerConfig, start_worker: StartWorker
) -> None:
    expected = _reference(fake, TREE, tmp_path / "reference")
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    start_worker()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_", "DASH"))}
    env.update(
        LINGOFLOW_HOME=str(tmp_path / "cli-home"),
        DASHSCOPE_API_KEY=DEFAULT_API_KEY,
        LINGOFLOW_QWEN_MT_BASE_URL=fake.base_url,
    )
    command = [
        str(LINGOFLOW), "translate-dir", str(TREE), "--to", "de", "--from", "en",
        "--out", str(tmp_path / "out"), "--engine", "qwen-mt", "--db", db, "--json",
        "--executor", "celery", "--broker", broker.url, "--queue", broker.queue,
    ]  # fmt: skip
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert proc.returncode == 0, proc.stderr
    assert _outputs(tmp_path / "out") == expected
    report = json.loads(proc.stdout)
    assert report["provenance"].get("engine", 0) == 0, "the workers translated every segment"
    assert report["status"] == "done"


@needs_redis
def test_an_unreachable_broker_is_one_clear_error(tmp_path: Path) -> None:
    spec = _spec(f"sqlite:///{tmp_path / 'shared.db'}")
    dead = BrokerConfig("redis://:secret@127.0.0.1:1/0")
    with pytest.raises(WorkerError, match=r"Cannot reach the broker at redis://:\*\*\*@") as info:
        distribute_tree(TREE, spec, dead)
    assert "secret" not in str(info.value)


def test_the_broker_comes_from_flag_environment_or_config(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    environ = {"LINGOFLOW_HOME": str(home)}
    with pytest.raises(ConfigurationError, match="LINGOFLOW_BROKER_URL"):
        load_broker_config(environ)
    (home / "config.toml").write_text('broker = "redis://10.0.0.5:6379/2"\n')
    assert load_broker_config(environ).url == "redis://10.0.0.5:6379/2"
    environ["LINGOFLOW_BROKER_URL"] = "amqp://guest@rabbit:5672//"
    assert load_broker_config(environ).url == "amqp://guest@rabbit:5672//"
    assert load_broker_config(environ, url="redis://flag:6379/0", queue="q").queue == "q"
    assert load_broker_config(environ).result_backend == "rpc://"
    assert safe_url("redis://user:pw@host:6379/0") == "redis://user:***@host:6379/0"


def test_a_run_spec_travels_as_json_without_secrets() -> None:
    spec = RunSpec(
        engine="openai",
        targets=("de", "fr"),
        model="m",
        db=shareable_db_url("postgresql+psycopg://lf:hunter2@db.example/lingoflow"),
        job_id=7,
    )
    data = spec.to_dict()
    assert RunSpec.from_dict(data) == spec
    assert "hunter2" not in repr(data)
    assert spec.db == "postgresql+psycopg://lf@db.example/lingoflow"
    with pytest.raises(ConfigurationError, match="same version"):
        RunSpec.from_dict({**data, "version": "0.0.1"})


def test_the_worker_command_fails_in_one_line_without_a_broker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINGOFLOW_")}
    env["LINGOFLOW_HOME"] = str(tmp_path)
    proc = subprocess.run(
        [str(LINGOFLOW), "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "No broker configured" in proc.stderr
    assert "Traceback" not in proc.stderr
