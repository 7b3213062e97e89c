"""One database behind every store: SQLite by default, PostgreSQL for teams and scale.

:meth:`Database.open` takes one SQLAlchemy URL — ``sqlite:///<path>`` (the default is
``<home>/lingoflow.db``) or ``postgresql+psycopg://user:password@host/db`` (psycopg 3) — and
applies the pending migrations before it returns. Stores get the database passed in and run
their SQL through :meth:`Database.read` and :meth:`Database.write`. To keep lingoflow's tables
in their own PostgreSQL schema, add libpq options to the URL:
``...?options=-csearch_path%3Dlingoflow`` (the schema must exist).

Invariants:

- SQLAlchemy Core, not the ORM: the stores move rows in batches (thousands of cache keys,
  TMX imports) and need dialect upserts; Core keeps that explicit and cheap, with no
  identity map or unit of work to keep in sync.
- Every SQLite connection runs with WAL (readers never wait for the writer),
  ``busy_timeout`` (writers queue instead of failing) and foreign keys on. Python's sqlite3
  module does not start transactions itself here: :meth:`Database.write` begins with
  ``BEGIN IMMEDIATE`` so two writers never deadlock by upgrading read locks.
- Foreign database errors become :class:`StorageError` at this one boundary; messages name the
  URL with its password masked and never carry a traceback for the user.
- Timestamps are timezone-aware UTC in Python; nothing here reads the environment and nothing
  happens at import: the SQLite folder is created by :meth:`Database.open`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Dialect, Engine

from lingoflow.errors import StorageError
from lingoflow.paths import default_home
from lingoflow.storage.migrations import MIGRATIONS, Migration, migrate

__all__ = [
    "DEFAULT_FILENAME",
    "Database",
    "PairCount",
    "StorageError",
    "UTCDateTime",
    "chunked",
    "dialect_insert",
    "mask_url",
    "upsert",
    "utcnow",
]

DEFAULT_FILENAME = "lingoflow.db"
"""The SQLite file under the home folder when no database URL is given."""

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "lingoflow_begin_immediate"
_MIGRATION_LOCK = 0x6C66  # "lf": first key of the PostgreSQL advisory lock for migrations
# One lock per schema, so that schemas of one server (tests, tenants) migrate independently.
_PG_MIGRATION_LOCK = sa.text(
    "SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"
)
_SUPPORTED = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PairCount:
    """How many entries a store holds for one language pair."""

    source_lang: str
    target_lang: str
    entries: int


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always read them back aware (SQLite keeps none)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; SQLite stores naive UTC text so that text order is time order."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("lingoflow stores aware datetimes only; pass tzinfo=UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored time as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def mask_url(url: str | URL) -> str:
    """Return ``url`` as text with its password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(conn: Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for ``table`` in ``conn``'s dialect, which has ON CONFLICT clauses."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows``, updating the ``update`` columns of rows whose ``key`` already exists.

    Rows with the same key are reduced to the last one, and rows are written in key order:
    PostgreSQL refuses one statement touching a row twice, and writers that lock rows in the
    same order cannot deadlock each other.
    """
    unique = {tuple(row[name] for name in key): row for row in rows}
    if not unique:
        return
    ordered = [unique[k] for k in sorted(unique)]
    insert = dialect_insert(conn, table)
    values = {name: insert.excluded[name] for name in update}
    conn.execute(insert.on_conflict_do_update(index_elements=list(key), set_=values), ordered)


def _reason(exc: BaseException) -> str:
    """Return the first line of the driver's own message for ``exc``."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Configure a new SQLite connection: no implicit transactions, WAL, waits, foreign keys."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    """Begin an SQLite transaction, taking the write lock at once for writers."""
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _resolve_url(url: str | None, home: str | Path | None) -> URL:
    """Parse ``url`` (or build the default SQLite URL) and check that lingoflow supports it."""
    if url is None:
        path = Path(home) if home is not None else default_home()
        return URL.create("sqlite", database=str(path / DEFAULT_FILENAME))
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StorageError(f"Invalid database URL {mask_url(url)!r}: {_reason(exc)}.") from exc
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise StorageError(
            f"Unsupported database URL {mask_url(parsed)!r}: use sqlite:///<path> or "
            "postgresql+psycopg://user:password@host/database."
        )
    if parsed.drivername == "postgresql":  # SQLAlchemy's default driver is psycopg2
        parsed = parsed.set(drivername=_SUPPORTED["postgresql"])
    return parsed


def _create_engine(url: URL) -> Engine:
    """Create the SQLAlchemy engine for ``url``, creating the SQLite file's folder."""
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


class Database:
    """A connection pool to lingoflow's database, migrated to the current schema."""

    def __init__(self, engine: Engine) -> None:
        """Wrap ``engine``; use :meth:`open`, which also applies the migrations."""
        self._engine = engine
        self.url = mask_url(engine.url)

    @classmethod
    def open(cls, url: str | None = None, *, home: str | Path | None = None) -> Database:
        """Open the database at ``url`` (default: SQLite in ``home``) and migrate it."""
        parsed = _resolve_url(url, home)
        try:
            database = cls(_create_engine(parsed))
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StorageError(f"Cannot open database {mask_url(parsed)}: {_reason(exc)}") from exc
        try:
            database.migrate()
        except StorageError as exc:
            database.close()
            raise StorageError(
                f"Cannot open database {database.url}: {_reason(exc.__cause__ or exc)}. "
                "Check the URL, that the server is running and that this user may connect."
            ) from exc
        return database

    @property
    def dialect(self) -> str:
        """The database kind: ``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
        """Apply the migrations not yet recorded, once, even with concurrent openers.

        SQLite serialises openers with ``BEGIN IMMEDIATE``; PostgreSQL with a transaction
        advisory lock per schema. Returns the names of the migrations applied now.
        """
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(_PG_MIGRATION_LOCK, {"key": _MIGRATION_LOCK})
            return migrate(conn, migrations)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a connection in a read transaction (it never takes SQLite's write lock)."""
        with self._errors(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Yield a connection in a write transaction, committed when the block ends."""
        with self._errors(), self._engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                yield conn

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate SQLAlchemy and driver errors into :class:`StorageError`."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"Database error on {self.url}: {_reason(exc)}") from exc
