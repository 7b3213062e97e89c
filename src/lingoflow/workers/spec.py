"""What a worker needs to translate a chunk exactly as the coordinator's own run would.

A :class:`RunSpec` travels inside every task message as JSON. It names everything that goes
into a segment's cache key (engine, model, glossary, TM, domain, formality, source, targets)
and where results are stored (database, job), so a worker's results are found by the
coordinator's in-process pass. It never carries a secret: API keys come from each worker's own
environment or config file, and the database URL travels without its password (a worker
supplies it from its own ``--db``, ``LINGOFLOW_DB`` or libpq's ``PGPASSWORD``/``.pgpass``).

Invariants: ``RunSpec.from_dict(spec.to_dict()) == spec``; a spec made by another lingoflow
version is refused (its segment keys would differ, see :mod:`lingoflow.signature`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lingoflow.errors import ConfigurationError
from lingoflow.signature import current_version

__all__ = ["RunSpec", "shareable_db_url"]


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run's translator and request, as plain data (hashable: workers key caches on it).

    ``domain`` and ``formality`` are the values the in-process pass passes to
    :func:`~lingoflow.documents.translate_tree` (after ``domain_sentence``/``formality_value``).
    ``model`` should be the coordinator's resolved model (``translator.engine.model``), so a
    worker with another default still signs its results the same way. ``base_url`` is sent
    only when the user gave one; otherwise each worker uses its own configured endpoint.
    ``job_id`` and ``budget`` make workers journal under the coordinator's job and stop
    before its budget (spent so far is read from the shared usage records).
    """

    engine: str
    targets: tuple[str, ...]
    source: str = "auto"
    model: str | None = None
    base_url: str | None = None
    glossary: str | None = None
    tm: str | None = None
    domain: str | None = None
    formality: str | None = None
    cache_ttl: str | None = None
    db: str | None = None
    job_id: int | None = None
    budget: float | None = None
    version: str = field(default_factory=current_version)

    def __post_init__(self) -> None:
        if not self.targets:
            raise ConfigurationError("No target language given: use --to LANG[,LANG...].")

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as JSON-ready data (targets as a list)."""
        data = asdict(self)
        data["targets"] = list(self.targets)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSpec:
        """Rebuild a spec from :meth:`to_dict` output; refuse another lingoflow version's."""
        version = data.get("version")
        if version != current_version():
            raise ConfigurationError(
                f"This worker runs lingoflow {current_version()} but the task comes from "
                f"lingoflow {version}: run the same version on the coordinator and every worker."
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigurationError(f"Unknown fields in a task's run spec: {', '.join(unknown)}.")
        values = dict(data)
        values["targets"] = tuple(_strings(values.get("targets", ())))
        return cls(**values)


def shareable_db_url(url: str) -> str:
    """Return the database URL without its password, for sending to workers."""
    import sqlalchemy as sa  # only the coordinator of a distributed run needs this

    parsed = sa.make_url(url)
    # URL.set() takes None as "unchanged", so build the URL again without the password.
    bare = sa.URL.create(
        parsed.drivername,
        parsed.username,
        None,
        parsed.host,
        parsed.port,
        parsed.database,
        parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def _strings(values: Sequence[Any]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ConfigurationError("A task's run spec must list its targets as strings.")
    return list(values)
