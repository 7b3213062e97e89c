"""Run the real ``lingoflow`` console script in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

LINGOFLOW = Path(sys.executable).with_name("lingoflow")

RunCLI = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCLI:
    """Return a function running ``lingoflow ARGS`` with a clean environment and a tmp home."""

    def run(
        *args: str,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_", "DASH"))}
        base.setdefault("LINGOFLOW_HOME", str(tmp_path / "home"))
        base.update(env or {})
        data = stdin.encode() if isinstance(stdin, str) else stdin
        proc = subprocess.run(
            [str(LINGOFLOW), *args],
            input=data if data is not None else b"",
            capture_output=True,
            env=base,
            timeout=timeout,
            check=False,
        )
        return subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
        )

    return run
