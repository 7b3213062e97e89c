"""Run llama.cpp's real OpenAI-compatible server (``python -m llama_cpp.server``) for tests.

Import ``llama_server_fixture`` into a test module to get the session fixture
``llama_server``: one server per test session, killed at the end. The model is the
real 0.5B GGUF, assembled once into pytest's cache folder by :func:`shared_home`, so repeated
runs skip the assembly; the engine tests use the same folder as their lingoflow home.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lingoflow.models import DEFAULT_MODEL, ensure_model
from lingoflow.paths import models_dir

STARTUP_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class LlamaServer:
    """A running llama.cpp server: its API root (``.../v1``), model file and log file."""

    base_url: str
    model_path: Path
    log_path: Path

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        return _tail(self.log_path, chars)


def shared_home(config: pytest.Config) -> Path:
    """A lingoflow home in pytest's cache folder that holds the assembled default model."""
    if config.cache is not None:
        home = config.cache.mkdir("lingoflow-home")
    else:  # -p no:cacheprovider
        home = Path(tempfile.gettempdir()) / "lingoflow-test-home"
    ensure_model(DEFAULT_MODEL, models_dir(home))
    return home


def shared_model(config: pytest.Config) -> Path:
    """The assembled default model in :func:`shared_home`."""
    return ensure_model(DEFAULT_MODEL, models_dir(shared_home(config)))


def require_llama_cpp(module: str = "llama_cpp") -> None:
    """Skip the calling test when llama-cpp-python (or one of its parts) is not installed."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        pytest.skip(f"{module} is not installed: run scripts/setup.sh --test")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def run_llama_server(
    model: Path, log_path: Path, *, timeout: float = STARTUP_TIMEOUT
) -> Iterator[LlamaServer]:
    """Start the server on a free port, wait until it serves ``/v1/models``, stop it after."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", "4096",
        "--n_threads", str(os.cpu_count() or 1),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", model, log_path)
    try:
        _wait_until_ready(process, server, timeout)
        yield server
    finally:
        _stop(process)


def _wait_until_ready(
    process: subprocess.Popen[bytes], server: LlamaServer, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"llama.cpp server exited with {process.returncode}:\n{server.log_tail()}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/models", timeout=2.0).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"llama.cpp server not ready after {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group, then kill it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _tail(path: Path, chars: int) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session", name="llama_server")
def llama_server_fixture(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    """Yield one real llama.cpp server on the 0.5B model for the whole test session."""
    require_llama_cpp("llama_cpp.server")
    model = shared_model(pytestconfig)
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with run_llama_server(model, log_path) as server:
        yield server
