"""Celery scaling: two workers finish a 20,000-segment job in at most 60% of one worker's time.

Method (one run, side by side): about 20,000 segments of NTREX English (the 1,000 real lines
and distinct variants of them made by number/name/term swaps, ``bench/_ntrex.py``) in 40 text
files, translated into German with the ``openai`` engine against a local OpenAI-compatible
server that answers every request after 200 ms (``bench/_servers.py``, its own process).
The job runs twice on a fresh database each time (a PostgreSQL schema when the server is
reachable, else an SQLite file): once with one ``lingoflow worker`` process, once with two,
each worker its own process with the same settings. By default those are the worker's own
defaults: ``--pool threads --concurrency 4`` (task threads) and the engine's default
concurrency of 4 per thread, so 16 requests in flight per worker (80 segments/s at 200 ms).
``--slots``/``--concurrency`` change them (``--concurrency 16``: 64 in flight, where a worker
needs more than a core of this machine and the two cores, shared with the server, PostgreSQL
and Redis, cap the scaling). Redis at 127.0.0.1:6379 (database 12, a fresh queue per run) is
the broker.

Timed: the coordinator's :func:`~lingoflow.workers.distribute_files` from the first task sent
to the last answer (workers already running), then the in-process pass that writes the
outputs from the database. The target is on the workers' phase; the end-to-end figure (with
the in-process pass, which costs the same for both) is printed too. CPU seconds of each
worker process (``/proc``) show where the time goes when the machine's two cores cap it.

Run from the repository root::

    .venv/bin/python -m bench.celery_scaling [--data DIR] [--segments N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis
from tests.storage.conftest import PG_SERVER, admin, postgres_unreachable

from bench._ntrex import add_data_argument, load_corpus, mine_glossary, varied_pairs
from bench._servers import SlowChatServer
from lingoflow.documents import translate_tree
from lingoflow.engines.base import EngineConfig
from lingoflow.languages import resolve
from lingoflow.pipeline.segment import segment_text
from lingoflow.storage import Storage
from lingoflow.translator import Translator
from lingoflow.workers import BrokerConfig, DistributionReport, RunSpec, distribute_files
from lingoflow.workers.spec import shareable_db_url

TARGET = 0.60
DELAY = 0.2
FILES = 40
REDIS_URL = "redis://127.0.0.1:6379/12"
LINGOFLOW = Path(sys.executable).with_name("lingoflow")


@dataclass(frozen=True, slots=True)
class Run:
    """One job: workers' phase, in-process pass, engine calls and worker CPU."""

    workers: int
    seconds: float
    final_seconds: float
    calls: int
    final_calls: int
    report: DistributionReport
    cpu: tuple[float, ...]  # CPU seconds per worker process

    @property
    def total(self) -> float:
        """End-to-end seconds: workers' phase plus the in-process pass."""
        return self.seconds + self.final_seconds


def build_texts(data: Path, segments: int) -> tuple[list[str], int]:
    """Distinct NTREX lines and variants until they hold ``segments`` segments; and the count."""
    corpus = load_corpus(data)
    pairs = list(zip(corpus.eng, corpus.deu, strict=True))
    glossary = mine_glossary(corpus.history, 2_000)
    variants = varied_pairs(pairs, glossary, segments, seed=7, exclude=frozenset(corpus.eng))
    english = resolve("en")
    texts: list[str] = []
    count = 0
    for text in [*corpus.eng, *(en for en, _ in variants)]:
        if count >= segments:
            break
        texts.append(text)
        count += sum(1 for p in segment_text(text, english) if p.translatable)
    return texts, count


def write_tree(folder: Path, texts: Sequence[str]) -> list[tuple[Path, str]]:
    """Write the texts as ``FILES`` text files of blank-line separated paragraphs."""
    folder.mkdir(parents=True)
    files = []
    for n in range(FILES):
        path = folder / f"news-{n:02d}.txt"
        path.write_text("\n\n".join(texts[n::FILES]) + "\n", encoding="utf-8")
        files.append((path, path.name))
    return files


@contextlib.contextmanager
def fresh_database(tmp: Path, name: str) -> Iterator[str]:
    """Yield the URL of an empty database: a PostgreSQL schema if reachable, else SQLite."""
    if postgres_unreachable() is not None:
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    schema = f"lf_bench_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        admin(f'DROP SCHEMA "{schema}" CASCADE')


@contextlib.contextmanager
def workers(
    count: int, broker: BrokerConfig, config: Path, tmp: Path, args: argparse.Namespace
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``count`` worker processes on the broker's queue; stop them at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_", "DASH"))}
    env.update(LINGOFLOW_CONFIG=str(config), LINGOFLOW_HOME=str(tmp / "home"))
    processes, logs = [], []
    for n in range(count):
        log = tmp / f"worker-{count}-{n}.log"
        command = [
            str(LINGOFLOW), "worker", "--broker", broker.url, "--queue", broker.queue,
            "--concurrency", str(args.slots), "--pool", args.pool,
            "--hostname", f"bench{n}-{broker.queue}@bench",
        ]  # fmt: skip
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        logs.append(log)
    try:
        for process, log in zip(processes, logs, strict=True):
            _wait_ready(process, log)
        yield processes
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"A worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process and its waited-for children have used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_job(
    count: int,
    files: list[tuple[Path, str]],
    server: SlowChatServer,
    tmp: Path,
    args: argparse.Namespace,
) -> Run:
    """Translate the files with ``count`` workers on a fresh database; time both phases."""
    broker = BrokerConfig(REDIS_URL, f"lingoflow-bench-{uuid.uuid4().hex[:10]}", 600)
    config = tmp / "config.toml"
    config.write_text(
        f'[engines.openai]\nbase_url = "{server.base_url}"\nmodel = "bench"\n'
        f'concurrency = "{args.concurrency}"\ntimeout = "120"\n'
    )
    with fresh_database(tmp, f"run-{count}") as db, workers(count, broker, config, tmp, args) as ps:
        spec = RunSpec("openai", ("de",), "en", model="bench", db=shareable_db_url(db))
        server.reset()
        cpu_before = [_cpu(p.pid) for p in ps]
        started = time.perf_counter()
        report = distribute_files(files, spec, broker, chunk_size=args.chunk)
        seconds = time.perf_counter() - started
        cpu = tuple(_cpu(p.pid) - b for p, b in zip(ps, cpu_before, strict=True))
        calls = server.stats()["calls"]
        final_seconds = final_pass(files[0][0].parent, tmp / f"out-{count}", db, server)
        final_calls = server.stats()["calls"] - calls
    _forget_queue(broker)
    return Run(count, seconds, final_seconds, calls, final_calls, report, cpu)


def final_pass(src: Path, out: Path, db: str, server: SlowChatServer) -> float:
    """The in-process pass that writes the outputs from the database; its seconds."""
    config = EngineConfig(model="bench", base_url=server.base_url, concurrency=64, timeout=120)
    with Storage.open(db) as storage:
        translator = Translator("openai", config, storage=storage)
        started = time.perf_counter()
        translate_tree(src, out, ["de"], translator, source="en")
        return time.perf_counter() - started


def _forget_queue(broker: BrokerConfig) -> None:
    client = redis.Redis.from_url(broker.url)
    client.delete(broker.queue, f"_kombu.binding.{broker.queue}")
    client.close()


def main(args: argparse.Namespace) -> None:
    """Run the job with one worker, then two; print times, the ratio and where time goes."""
    texts, segments = build_texts(args.data, args.segments)
    with tempfile.TemporaryDirectory() as name, SlowChatServer(DELAY) as server:
        tmp = Path(name)
        files = write_tree(tmp / "src", texts)
        runs = [run_job(count, files, server, tmp, args) for count in (1, 2)]
    one, two = runs
    ratio, total_ratio = two.seconds / one.seconds, two.total / one.total
    backend = "SQLite file" if postgres_unreachable() else "PostgreSQL"
    per_worker = args.slots * args.concurrency / DELAY
    print(
        f"Celery scaling: {segments:,} segments ({len(texts):,} NTREX lines and variants, "
        f"{FILES} text files) en->de, openai engine -> local server answering in "
        f"{DELAY * 1000:.0f} ms; {backend}; Redis broker; chunks of {args.chunk} texts"
    )
    print(
        f"  each worker: one process, --pool {args.pool} --concurrency {args.slots} (task "
        f"threads) x engine concurrency {args.concurrency} = {args.slots * args.concurrency} "
        f"requests in flight (at most {per_worker:.0f} segments/s by latency alone)"
    )
    print(
        f"  {'workers':<9}{'phase s':>9}{'seg/s':>8}{'calls':>8}{'final s':>9}{'total s':>9}"
        f"  worker CPU s (ms per call)"
    )
    for run in runs:
        cpu = ", ".join(
            f"{c:.1f} ({c / max(1, run.calls) * 1000 * run.workers:.2f})" for c in run.cpu
        )
        print(
            f"  {run.workers:<9}{run.seconds:>9.2f}{segments / run.seconds:>8.0f}{run.calls:>8,}"
            f"{run.final_seconds:>9.2f}{run.total:>9.2f}  {cpu}"
        )
        if run.report.errors or run.final_calls:
            print(
                f"    errors: {len(run.report.errors)}, engine calls in the final pass: "
                f"{run.final_calls} (expected 0)"
            )
    ideal = max(1.0, segments / per_worker)
    print(
        f"  latency-bound ideal for one worker: {ideal:.1f} s; one worker reached "
        f"{ideal / one.seconds:.0%} of it, two workers {ideal / 2 / two.seconds:.0%} of theirs"
    )
    print(f"  end to end (with the in-process pass): two/one = {total_ratio:.2f}")
    ok = ratio <= TARGET and not (one.report.errors or two.report.errors)
    print(
        f"{'PASS' if ok else 'FAIL'}: two workers {two.seconds:.2f} s = {ratio:.2f} of one "
        f"worker's {one.seconds:.2f} s (target <= {TARGET:.2f})"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_data_argument(parser)
    parser.add_argument("--segments", type=int, default=20_000, help="segments in the job")
    parser.add_argument("--concurrency", type=int, default=4, help="engine concurrency/thread")
    parser.add_argument("--slots", type=int, default=4, help="tasks at once per worker")
    parser.add_argument("--chunk", type=int, default=32, help="texts per task")
    parser.add_argument("--pool", default="threads", help="threads, solo or prefork")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
