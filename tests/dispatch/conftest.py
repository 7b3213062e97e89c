"""Fixtures for the dispatch layer's tests: fake OpenAI-compatible servers in child processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAIServer

StartServer = Callable[..., FakeOpenAIServer]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Return a function starting a fake server with the given settings; all stop at the end."""
    servers: list[FakeOpenAIServer] = []

    def start(**settings: Any) -> FakeOpenAIServer:
        server = FakeOpenAIServer(**settings).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server: StartServer) -> FakeOpenAIServer:
    """One healthy fake answering after 5 ms."""
    return start_server(latency=0.005)
