"""Opening the database: URLs, SQLite settings, migrations, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lingoflow.errors import LingoflowError
from lingoflow.storage import Database, StorageError
from lingoflow.storage.cache import cache_table
from lingoflow.storage.glossaries import entries_table as glossary_entries_table
from lingoflow.storage.glossaries import glossaries_table
from lingoflow.storage.migrations import MIGRATIONS
from lingoflow.storage.tm import entries_table as tm_entries_table
from lingoflow.storage.tm import pairs_table

from .conftest import m900_slow, migrate_worker, new_barrier, run_processes

STORE_TABLES = [
    cache_table,
    pairs_table,
    tm_entries_table,
    glossaries_table,
    glossary_entries_table,
]


def test_default_database_is_sqlite_in_home_created_on_open(tmp_path: Path) -> None:
    home = tmp_path / "not" / "yet"
    with Database.open(home=home) as database:
        assert database.dialect == "sqlite"
        assert database.url == f"sqlite:///{home / 'lingoflow.db'}"
    assert (home / "lingoflow.db").is_file()


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    with Database.open(home=tmp_path) as database, database.read() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        }
    assert pragma == {"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1}


def test_migrations_are_recorded_once_and_not_rerun(db_url: str) -> None:
    with Database.open(db_url) as database:
        assert database.migrate() == []
        with database.read() as conn:
            names = conn.execute(sa.text("SELECT name FROM _migrations")).scalars().all()
    assert names == [fn.__name__ for fn in MIGRATIONS]


def test_migrated_schema_has_every_column_the_stores_use(database: Database) -> None:
    with database.read() as conn:
        inspector = sa.inspect(conn)
        for table in STORE_TABLES:
            stored = {column["name"] for column in inspector.get_columns(table.name)}
            assert stored == {column.name for column in table.columns}, table.name


def test_concurrent_opens_apply_a_migration_exactly_once(db_url: str) -> None:
    Database.open(db_url).close()
    run_processes(migrate_worker, [(db_url, barrier) for barrier in [new_barrier(3)] * 3])
    with Database.open(db_url) as database, database.read() as conn:
        runs = conn.execute(sa.text("SELECT count(*) FROM slow_runs")).scalar()
        recorded = conn.execute(
            sa.text("SELECT count(*) FROM _migrations WHERE name = :name"),
            {"name": m900_slow.__name__},
        ).scalar()
    assert (runs, recorded) == (1, 1)


def test_failed_migration_leaves_nothing_behind(database: Database) -> None:
    def m901_broken(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE TABLE half_done (n INTEGER)"))
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(StorageError):
        database.migrate([m901_broken])
    with database.read() as conn:
        assert not sa.inspect(conn).has_table("half_done")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param(
            "postgresql+psycopg://alice:s3cret@127.0.0.1:1/test",
            "postgresql+psycopg://alice:***@127.0.0.1:1/test",
            id="unreachable-postgres",
        ),
        pytest.param(
            "postgresql://alice:s3cret@127.0.0.1:1/test",
            "postgresql+psycopg://alice:***@127.0.0.1:1/test",
            id="default-driver-is-psycopg",
        ),
        pytest.param(
            "mysql://alice:s3cret@localhost/db", "mysql://alice:***@localhost/db", id="mysql"
        ),
        pytest.param("not a url, s3cret", "not a url, s3cret", id="garbage"),
        pytest.param("postgresql://alice:s3cret@host:port/db", "alice:***@", id="bad-port"),
    ],
)
def test_bad_urls_raise_a_storage_error_with_the_password_masked(url: str, shown: str) -> None:
    with pytest.raises(StorageError) as caught:
        Database.open(url)
    message = str(caught.value)
    assert shown in message
    assert "s3cret" not in message or "s3cret" in shown
    assert isinstance(caught.value, LingoflowError)


def test_sqlite_file_that_cannot_be_created_raises_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="Cannot open database"):
        Database.open(home=blocker / "home")


def test_query_errors_become_storage_errors(database: Database) -> None:
    with pytest.raises(StorageError, match="Database error on"), database.read() as conn:
        conn.execute(sa.text("SELECT * FROM no_such_table"))
