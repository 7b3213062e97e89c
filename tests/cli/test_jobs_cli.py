"""Jobs from the command line: real ``lingoflow`` processes against the local DashScope fake.

The reliability test kills ``translate-dir`` (then ``jobs resume``) with SIGKILL three times
at moments picked by polling the fake's request count, resumes to the end, and compares the
output tree byte for byte with an uninterrupted run's; engine calls are counted from the
requests the fake received.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from lingoflow.jobs import effective_status
from lingoflow.storage import Storage
from tests.cli.conftest import LINGOFLOW, RunCLI
from tests.fakes.dashscope import FakeDashScope
from tests.test_jobs import make_tree

CONCURRENCY = 4
WINDOW = 4 * CONCURRENCY  # the pipeline's default: segments sent and not yet stored, at most
PRICES = "[prices.qwen-mt-flash]\ninput = 1000000\noutput = 0\n"  # one dollar per input token


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope(latency=0.03) as server:
        yield server


@pytest.fixture
def env(fake: FakeDashScope, tmp_path: Path) -> dict[str, str]:
    """The environment of a user of the fake, with the prices in a config file."""
    fake.reset()
    config = tmp_path / "config.toml"
    config.write_text(PRICES, encoding="utf-8")
    return {
        "DASHSCOPE_API_KEY": fake.api_key,
        "LINGOFLOW_QWEN_MT_BASE_URL": fake.base_url,
        "LINGOFLOW_CONFIG": str(config),
    }


def translate_dir(src: Path, out: Path, *more: str) -> list[str]:
    """The arguments of translating ``src`` into German and French with qwen-mt."""
    return [
        "translate-dir",
        str(src),
        "--to",
        "de,fr",
        "--out",
        str(out),
        "--from",
        "en",
        "--engine",
        "qwen-mt",
        "--concurrency",
        str(CONCURRENCY),
        *more,
    ]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every output file's bytes by relative path (hidden temporary files left out)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def spawn(args: list[str], env: Mapping[str, str], home: Path) -> subprocess.Popen[bytes]:
    """Start ``lingoflow ARGS`` as run_cli would, without waiting for it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_", "DASH"))}
    base.update(env, LINGOFLOW_HOME=str(home))
    return subprocess.Popen(
        [str(LINGOFLOW), *args], env=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    """Poll ``condition`` every few milliseconds until it holds; fail if ``process`` ends first."""
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"lingoflow ended early: {process.communicate()[1].decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("lingoflow made no progress in 60 s")
        time.sleep(0.005)


def settle(fake: FakeDashScope) -> None:
    """Wait until the fake's request log has not grown for 0.3 s (at most 10 s)."""
    deadline = time.monotonic() + 10
    count, since = len(fake.requests), time.monotonic()
    while time.monotonic() - since < 0.3 and time.monotonic() < deadline:
        time.sleep(0.02)
        if len(fake.requests) != count:
            count, since = len(fake.requests), time.monotonic()


def recorded_calls(home: Path) -> int:
    """Engine calls the database recorded (one usage record per call)."""
    with Storage.open(home=home) as storage:
        return storage.usage.totals()[0].calls


def job_status(home: Path, job_id: int = 1) -> str:
    """The job's status as ``lingoflow jobs show`` reports it (read in-process: faster)."""
    with Storage.open(home=home) as storage:
        return effective_status(storage.jobs.get(job_id))


def test_kill_9_three_times_then_resume_writes_what_an_uninterrupted_run_writes(
    run_cli: RunCLI, fake: FakeDashScope, env: dict[str, str], tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=3, sentences=16)
    reference = run_cli(
        *translate_dir(src, tmp_path / "reference"),
        env={**env, "LINGOFLOW_HOME": str(tmp_path / "reference-home")},
    )
    assert reference.returncode == 0, reference.stderr
    segments = len(fake.requests)  # every sentence distinct: one call per segment
    assert segments == 2 * 3 * 17
    fake.reset()

    home, out = tmp_path / "home", tmp_path / "out"
    runs = [translate_dir(src, out), ["jobs", "resume", "1"], ["jobs", "resume", "1"]]
    lost = []
    for number, args in enumerate(runs, start=1):
        received, recorded = len(fake.requests), recorded_calls(home) if number > 1 else 0
        process = spawn(args, env, home)
        wait_until(lambda r=received: len(fake.requests) >= r + 25, process)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        settle(fake)  # requests already on the wire reach the fake's log after the kill
        sent_now = len(fake.requests) - received
        stored_now = recorded_calls(home) - recorded
        lost.append(sent_now - stored_now)  # sent by the killed process, never recorded
        assert job_status(home) == "interrupted"

    before_resume = len(fake.requests)
    journaled = recorded_calls(home)
    final = run_cli("jobs", "resume", "1", env=env)

    assert final.returncode == 0, final.stderr
    assert snapshot(out) == snapshot(tmp_path / "reference")
    print(f"segments {segments}, engine calls {len(fake.requests)}, lost per kill {lost}")
    assert all(0 <= n <= WINDOW for n in lost), lost
    assert len(fake.requests) <= segments + sum(lost)
    assert len(fake.requests) - before_resume == segments - journaled  # nothing paid twice
    shown = json.loads(run_cli("jobs", "show", "1", "--json", env=env).stdout)
    assert shown["status"] == "done"
    assert [(lang["done"], lang["total"]) for lang in shown["languages"]] == [(51, 51)] * 2
    assert shown["engine_calls"] == len(fake.requests) - sum(lost)  # what was recorded


def test_a_budget_pauses_the_job_and_a_higher_budget_finishes_it_identically(
    run_cli: RunCLI, fake: FakeDashScope, env: dict[str, str], tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=2, sentences=8)
    reference = run_cli(
        *translate_dir(src, tmp_path / "reference"),
        env={**env, "LINGOFLOW_HOME": str(tmp_path / "reference-home")},
    )
    assert reference.returncode == 0, reference.stderr
    segments = len(fake.requests)
    fake.reset()

    paused = run_cli(*translate_dir(src, tmp_path / "out", "--budget", "100"), env=env)

    assert paused.returncode == 1
    assert "error: Job 1 paused: spent $" in paused.stderr
    assert "of $100.00; raise with `lingoflow jobs resume 1 --budget " in paused.stderr
    assert "Traceback" not in paused.stderr
    with Storage.open(home=tmp_path / "home") as storage:
        (spent,) = storage.usage.totals(by="job")
    assert spent.group == "1"
    assert 0 < spent.cost_usd <= 100
    assert spent.calls == len(fake.requests) < segments
    assert job_status(tmp_path / "home") == "paused"

    again = run_cli("jobs", "resume", "1", env=env)  # same budget: pauses again, sends nothing
    assert again.returncode == 1
    assert "paused" in again.stderr
    assert spent.calls == len(fake.requests)

    done = run_cli("jobs", "resume", "1", "--budget", "100000", "--json", env=env)

    assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "reference")
    assert len(fake.requests) == segments  # the paused runs' work was kept, not paid again
    report = json.loads(done.stdout)
    assert (report["job"], report["status"]) == (1, "done")
    assert report["cost_usd"] == pytest.approx(
        sum(len(b["messages"][0]["content"].split()) for b in fake.bodies)
    )


def test_ctrl_c_marks_the_job_interrupted_and_exits_130(
    run_cli: RunCLI, fake: FakeDashScope, env: dict[str, str], tmp_path: Path
) -> None:
    src = make_tree(tmp_path / "src", files=2, sentences=12)
    home = tmp_path / "home"
    process = spawn(translate_dir(src, tmp_path / "out"), env, home)
    wait_until(lambda: len(fake.requests) >= 10, process)

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr.decode()
    assert "resume with `lingoflow jobs resume 1`" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert job_status(home) == "interrupted"
    assert run_cli("jobs", "resume", "1", env=env).returncode == 0
    assert job_status(home) == "done"


def test_translate_file_json_report_and_the_jobs_commands(
    run_cli: RunCLI, fake: FakeDashScope, env: dict[str, str], tmp_path: Path
) -> None:
    path = make_tree(tmp_path / "src", files=1, sentences=3) / "guide" / "chapter1.md"
    args = ["translate-file", str(path), "--to", "de", "--from", "en", "--engine", "qwen-mt"]

    result = run_cli(*args, "--json", env=env)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["job"], report["status"], report["segments"]) == (1, "done", 4)
    assert report["provenance"] == {"engine": 4}
    (file,) = report["files"]
    assert (file["path"], file["status"], file["outputs"]) == (
        "chapter1.md",
        "translated",
        ["chapter1_de.md"],
    )
    assert report["input_tokens"] == report["cost_usd"] == 2 + 3 * 8  # heading, sentences
    assert "job 1: resume with `lingoflow jobs resume 1`" in result.stderr

    listed = json.loads(run_cli("jobs", "list", "--json", env=env).stdout)
    assert [(j["id"], j["status"], j["kind"]) for j in listed] == [(1, "done", "file")]
    assert listed[0]["spec"]["path"] == str(path)
    assert "api_key" not in json.dumps(listed)
    assert fake.api_key not in json.dumps(listed)
    table = run_cli("jobs", "show", "1", env=env)
    assert "Job 1 (file): done" in table.stdout
    assert "engine calls: 4" in table.stdout

    usage = run_cli("usage", "--by", "model", "--since", "1h", "--json", env=env)
    rows = json.loads(usage.stdout)["rows"]
    assert [(r["group"], r["calls"], r["input_tokens"]) for r in rows] == [
        ("qwen-mt-flash", 4, report["input_tokens"])
    ]

    estimate = run_cli(
        "cost",
        "estimate",
        str(path),
        "--to",
        "de,fr",
        "--from",
        "en",
        "--engine",
        "qwen-mt",
        "--model",
        "qwen-mt-plus",
        "--json",
        env=env,
    )
    assert estimate.returncode == 0, estimate.stderr
    targets = json.loads(estimate.stdout)["targets"]
    assert [(t["target"], list(t["cost_usd"])) for t in targets] == [
        ("de", ["qwen-mt-plus"]),
        ("fr", ["qwen-mt-plus"]),
    ]
    assert targets[1]["engine_segments"] == 4  # fr: nothing cached yet (plus: another key)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["jobs", "show", "7"], "Unknown job 7", id="unknown-job"),
        pytest.param(["jobs", "resume", "7"], "Unknown job 7", id="resume-unknown"),
        pytest.param(["usage", "--by", "colour"], "--by must be one of", id="bad-group"),
    ],
)
def test_job_and_usage_errors_are_one_line(run_cli: RunCLI, args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
