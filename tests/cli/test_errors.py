"""Bad input gets one clear line on standard error and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket

import pytest

from tests.cli.conftest import RunCLI


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "stdin", "env", "expected"),
    [
        pytest.param(
            ["translate", "Hello", "--to", "klingon"],
            None,
            {},
            "Unknown language 'klingon'",
            id="unknown-language",
        ),
        pytest.param(
            ["translate", "Hello", "--to", "Koreann"],
            None,
            {},
            "Did you mean: Korean",
            id="language-suggestion",
        ),
        pytest.param(
            ["translate", "Hello", "--to", "es", "--engine", "deepl"],
            None,
            {},
            "Unknown engine 'deepl'",
            id="unknown-engine",
        ),
        pytest.param(
            ["translate", "Hello", "--to", "es", "--engine", "qwen-mt"],
            None,
            {},
            "DASHSCOPE_API_KEY",
            id="missing-qwen-key",
        ),
        pytest.param(["translate", "   ", "--to", "es"], None, {}, "empty", id="empty-text"),
        pytest.param(["translate", "--to", "es"], "", {}, "empty", id="empty-stdin"),
        pytest.param(
            ["translate", "--to", "es"],
            b"caf\xe9 au lait\n",
            {},
            "not valid UTF-8",
            id="invalid-utf8-stdin",
        ),
        pytest.param(
            ["translate", "Hello", "--to", "es", "--engine", "openai"],
            None,
            {},
            "base URL",
            id="openai-without-base-url",
        ),
        pytest.param(
            [
                "translate",
                "Hello",
                "--to",
                "es",
                "--engine",
                "openai",
                "--base-url",
                f"http://127.0.0.1:{_closed_port()}/v1",
            ],
            None,
            {},
            "Cannot reach",
            id="unreachable-server",
        ),
        pytest.param(
            ["translate", "Hello", "--to", "ja", "--from", "en", "--engine", "apertium"],
            None,
            {},
            "cannot translate English → Japanese",
            id="unsupported-pair",
        ),
        pytest.param(["translate", "Hello"], None, {}, "--to", id="missing-target-option"),
    ],
)
def test_bad_input_is_a_clear_error(
    run_cli: RunCLI,
    args: list[str],
    stdin: str | bytes | None,
    env: dict[str, str],
    expected: str,
) -> None:
    result = run_cli(*args, stdin=stdin, env=env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
