"""Fixtures for pipeline tests: a local DashScope and real storage on SQLite and PostgreSQL.

One :class:`~tests.fakes.dashscope.FakeDashScope` serves a whole test module; the ``fake``
fixture hands it to each test with its recordings cleared and its default translation back in
place, so a test may swap ``fake.translate`` freely. Storage is a real SQLite file in
``tmp_path`` or a fresh PostgreSQL schema (see :mod:`tests.storage.conftest`), dropped after
the test; PostgreSQL cases are marked ``postgres`` and skipped only when the server is down.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lingoflow.storage import Storage
from tests.fakes.dashscope import FakeDashScope, fake_translate
from tests.storage.conftest import PG_SERVER, admin, postgres_unreachable

_SQLITE = pytest.param("sqlite", id="sqlite")
_POSTGRES = pytest.param("postgresql", id="postgres", marks=pytest.mark.postgres)


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database of ``kind``: an SQLite file or a fresh PG schema."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'lingoflow.db'}"
        return
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"lf_test_{uuid.uuid4().hex[:16]}"
    admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeDashScope]:
    """Run one local DashScope for the whole module."""
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeDashScope) -> Iterator[FakeDashScope]:
    """Return the module's DashScope with no recorded requests and the default translation."""
    fake_server.reset()
    fake_server.translate = fake_translate
    yield fake_server
    fake_server.translate = fake_translate


@pytest.fixture(params=[_SQLITE, _POSTGRES])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: an SQLite file or a fresh PostgreSQL schema."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    """Yield every store over the test database, opened (and so migrated)."""
    with Storage.open(db_url) as opened:
        yield opened


@pytest.fixture(params=[pytest.param("none", id="no-storage"), _SQLITE, _POSTGRES])
def optional_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage | None]:
    """Yield no storage, or every store over an empty SQLite or PostgreSQL database."""
    if request.param == "none":
        yield None
        return
    with database_url(request.param, tmp_path) as url, Storage.open(url) as opened:
        yield opened
