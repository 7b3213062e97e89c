"""Durable jobs through the library: runs, budget stops, cancellation, resumption, status.

Every job translates a small generated tree with the qwen-mt engine against the local
DashScope fake, on a real SQLite file; each assertion about engine calls reads the requests
the fake received.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.errors import (
    BudgetExceededError,
    ConfigurationError,
    InputError,
    JobCancelledError,
    JobError,
)
from lingoflow.jobs import (
    JobSpec,
    cancel_job,
    check_resumable,
    create_job,
    effective_status,
    job_summary,
    run_job,
)
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.pricing import Price
from lingoflow.storage import Job, Storage, TmEntry
from tests.fakes.dashscope import FakeDashScope, fake_translate

PRICES = {"qwen-mt-flash": Price(1_000_000.0, 0.0)}  # one US dollar per input token


def make_tree(root: Path, files: int = 3, sentences: int = 6) -> Path:
    """Write ``files`` Markdown documents under ``root``, every sentence distinct.

    Distinct, because files are translated concurrently: a sentence shared by two files in
    flight at once may be sent twice, which would blur the counts these tests assert.
    """
    for f in range(files):
        lines = [f"# Chapter {f + 1}", ""]
        lines += [
            f"Step {s + 1} of chapter {f + 1} configures part {s + 1}." for s in range(sentences)
        ]
        lines += [""]
        path = root / ("docs" if f % 2 else "guide") / f"chapter{f + 1}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeDashScope) -> Iterator[FakeDashScope]:
    fake_server.reset()
    fake_server.translate = fake_translate
    yield fake_server
    fake_server.translate = fake_translate


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(home=tmp_path / "home") as opened:
        yield opened


def translator(fake: FakeDashScope, storage: Storage, tm: str | None = None) -> Translator:
    """A qwen-mt translator on ``fake``, two requests at a time."""
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key, concurrency=2)
    return Translator("qwen-mt", config, storage=storage, options=PipelineOptions(tm=tm))


def tree_spec(src: Path, out: Path, **options: Any) -> JobSpec:
    return JobSpec.create("tree", src, ["de", "fr"], out, source="en", engine="qwen-mt", **options)


def reference_run(fake: FakeDashScope, src: Path, tmp_path: Path) -> dict[str, bytes]:
    """Translate ``src`` once, uninterrupted, with fresh storage; return the output files."""
    out = tmp_path / "reference"
    with Storage.open(home=tmp_path / "reference-home") as other:
        t = translator(fake, other)
        job = create_job(tree_spec(src, out), t)
        assert run_job(job, t).status == "done"
    fake.reset()
    return snapshot(out)


def engine_segments(storage: Storage, job: Job) -> int:
    """Segments of ``job`` the engine translated (journal rows of provenance engine)."""
    return sum(p.provenance.get("engine", 0) for p in storage.jobs.progress(job.id))


# --- runs ------------------------------------------------------------------------------------


def test_a_job_journals_every_segment_and_records_usage(
    fake: FakeDashScope, storage: Storage, tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src")
    t = translator(fake, storage)
    job = create_job(tree_spec(src, tmp_path / "out"), t, prices=PRICES)

    result = run_job(job, t, prices=PRICES)

    assert result.status == "done"
    assert storage.jobs.get(job.id).status == "done"
    distinct = 3 * 6 + 3  # steps and chapter headings
    assert job.totals["segments"] == {"de": distinct, "fr": distinct}
    summary = job_summary(storage, job.id)
    assert [(p.target_lang, p.segments) for p in summary.languages] == [
        ("de", distinct),
        ("fr", distinct),
    ]
    assert summary.calls == len(fake.requests) == engine_segments(storage, job) == 2 * distinct
    billed = sum(len(body["messages"][0]["content"].split()) for body in fake.bodies)
    assert summary.input_tokens == billed
    assert summary.cost_usd == pytest.approx(billed) == result.cost_usd
    assert [(f.path, f.status) for f in summary.files] == [
        ("docs/chapter2.md", "translated"),
        ("guide/chapter1.md", "translated"),
        ("guide/chapter3.md", "translated"),
    ]
    text = (tmp_path / "out" / "de" / "docs" / "chapter2.md").read_text()
    assert "[German] Step 6 of chapter 2 configures part 6." in text


def test_a_finished_job_is_not_resumed_and_a_spec_is_checked(
    fake: FakeDashScope, storage: Storage, tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=1, sentences=1)
    t = translator(fake, storage)
    job = create_job(tree_spec(src, tmp_path / "out"), t)
    run_job(job, t)
    with pytest.raises(JobError, match="is done"):
        check_resumable(storage.jobs.get(job.id))
    with pytest.raises(JobError, match="already done"):
        cancel_job(storage, job.id)
    with pytest.raises(InputError, match="--layout must be mirror or suffix"):
        tree_spec(src, tmp_path / "out", layout="flat")
    with pytest.raises(ConfigurationError, match="password"):
        tree_spec(src, tmp_path / "out", base_url="https://user:secret@example.com/v1")


# --- budget ----------------------------------------------------------------------------------


def test_a_budget_stops_the_job_before_exceeding_and_a_higher_one_finishes_it(
    fake: FakeDashScope, storage: Storage, tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src")
    expected = reference_run(fake, src, tmp_path)
    t = translator(fake, storage)
    job = create_job(tree_spec(src, tmp_path / "out", budget=60.0), t, prices=PRICES)

    with pytest.raises(BudgetExceededError, match=rf"jobs resume {job.id} --budget") as stop:
        run_job(job, t, prices=PRICES)

    paused = storage.jobs.get(job.id)
    assert paused.status == "paused"
    assert f"spent ${stop.value.spent:.2f} of $60.00" in paused.error
    assert 0 < storage.usage.spent(job.id) <= 60.0
    first_calls = len(fake.requests)
    assert 0 < first_calls == engine_segments(storage, job)
    check_resumable(paused)  # a paused job may be resumed

    result = run_job(paused, t, budget=1000.0, prices=PRICES)

    assert result.status == "done"
    assert storage.jobs.get(job.id).spec["budget"] == 1000.0
    assert snapshot(tmp_path / "out") == expected
    # Nothing was paid twice: every engine call settled a segment, once.
    assert len(fake.requests) == engine_segments(storage, job) == storage.usage.totals()[0].calls


def test_an_approved_tm_edit_wins_over_the_journal_on_resume(
    fake: FakeDashScope, storage: Storage, tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=1, sentences=8)
    t = translator(fake, storage, tm="default")
    job = create_job(tree_spec(src, tmp_path / "out", budget=40.0, tm="default"), t, prices=PRICES)
    with pytest.raises(BudgetExceededError):
        run_job(job, t, prices=PRICES)
    assert engine_segments(storage, job) == len(fake.requests) > 0
    first = fake.bodies[0]["messages"][0]["content"]  # translated and journaled
    storage.tm.add(TmEntry(first, "Genehmigt.", "en", "de"))

    run_job(storage.jobs.get(job.id), t, budget=1000.0, prices=PRICES)

    out = (tmp_path / "out" / "de" / "guide" / "chapter1.md").read_text()
    assert "Genehmigt." in out
    assert f"[German] {first}" not in out


# --- cancellation and status -----------------------------------------------------------------


def test_cancelling_from_elsewhere_stops_the_runner_at_its_next_chunk(
    fake: FakeDashScope, storage: Storage, tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=2, sentences=20)
    t = translator(fake, storage)
    job = create_job(tree_spec(src, tmp_path / "out"), t)
    lock, done = threading.Lock(), []

    def cancel_after_five(content: str, options: Mapping[str, Any]) -> str:
        with lock:
            if len(fake.requests) >= 5 and not done:
                done.append(True)  # another connection pool, as another process would have
                with Storage.open(home=tmp_path / "home") as other:
                    cancel_job(other, job.id)
        return fake_translate(content, options)

    fake.translate = cancel_after_five
    with pytest.raises(JobCancelledError, match=f"Job {job.id} was cancelled"):
        run_job(job, t)

    assert storage.jobs.get(job.id).status == "cancelled"
    chunk = 4 * 2  # four times the engine's concurrency
    assert len(fake.requests) <= 5 + chunk
    assert not (tmp_path / "out" / "fr" / "guide" / "chapter1.md").exists()
    with pytest.raises(JobError, match="was cancelled"):
        check_resumable(storage.jobs.get(job.id))


def test_a_running_job_whose_process_is_gone_shows_as_interrupted(storage: Storage) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )  # run and reaped: its pid is gone
    gone, here = int(finished.stdout), socket.gethostname()
    dead = storage.jobs.create("tree", {}, pid=gone, host=here)
    mine = storage.jobs.create("tree", {}, pid=os.getpid(), host=here)
    elsewhere = storage.jobs.create("tree", {}, pid=gone, host="another-host")

    assert effective_status(dead) == "interrupted"
    check_resumable(dead)
    assert effective_status(mine) == "running"
    with pytest.raises(JobError, match=f"Job {mine.id} is running"):
        check_resumable(mine)
    assert effective_status(elsewhere) == "running"  # another host's processes are not visible
