"""Shared fixtures for lingoflow's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run anyio-marked async tests on asyncio only."""
    return "asyncio"
