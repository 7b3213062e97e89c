"""``lingoflow translate`` through the dispatch layer, as a user runs it (real subprocesses)."""

from __future__ import annotations

from tests.cli.conftest import RunCLI, run_cli  # noqa: F401 - the import registers the fixture
from tests.dispatch.conftest import StartServer


def test_translate_with_concurrency_and_rate_limit_flags(
    run_cli: RunCLI,  # noqa: F811
    start_server: StartServer,
) -> None:
    server = start_server(latency=0.005)
    result = run_cli(
        "translate",
        "Hello world. How are you?",
        "--from",
        "en",
        "--to",
        "de",
        "--engine",
        "openai",
        "--base-url",
        server.base_url,
        "--concurrency",
        "4",
        "--rpm",
        "100",
        "--tpm",
        "100000",
        "--no-cache",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[German] HELLO WORLD. [German] HOW ARE YOU?\n"
    assert server.stats()["ok"] == 2


def test_a_key_pool_from_the_environment_skips_a_rejected_key(
    run_cli: RunCLI,  # noqa: F811
    start_server: StartServer,
) -> None:
    server = start_server(keys=["sk-good"])
    env = {"LINGOFLOW_OPENAI_API_KEYS": "sk-revoked,sk-good"}
    args = ["translate", "Hello.", "--from", "en", "--to", "de", "--engine", "openai"]
    result = run_cli(*args, "--base-url", server.base_url, "--no-cache", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[German] HELLO.\n"
    assert "key-1 was rejected" in result.stderr  # reported, by id
    assert "sk-revoked" not in result.stderr


def test_every_key_rejected_is_one_error_line_naming_the_ids(
    run_cli: RunCLI,  # noqa: F811
    start_server: StartServer,
) -> None:
    server = start_server(keys=["sk-good"])
    env = {"LINGOFLOW_OPENAI_API_KEYS": "sk-bad-1,sk-bad-2"}
    args = ["translate", "Hello.", "--from", "en", "--to", "de", "--engine", "openai"]
    result = run_cli(*args, "--base-url", server.base_url, "--no-cache", env=env)
    assert result.returncode == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "Every API key of the openai engine was rejected" in error
    assert "key-1 (HTTP 401" in error
    assert "key-2 (HTTP 401" in error
    assert "sk-bad" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_non_positive_concurrency_is_refused(run_cli: RunCLI) -> None:  # noqa: F811
    result = run_cli("translate", "Hello.", "--to", "de", "--concurrency", "0")
    assert result.returncode == 2
    assert "--concurrency" in result.stderr
