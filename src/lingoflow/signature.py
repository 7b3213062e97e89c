"""Signatures and content hashes: how lingoflow names exactly how a result was produced.

Every stored result (cache entry, TM write, job result, evaluation score) carries a
:class:`Signature` — engine, model, options hash, glossary version and lingoflow version — in
the spirit of sacrebleu's metric signatures. Keys are SHA-256 hashes of canonical JSON.

Invariants:

- :func:`canonical_json` is stable across runs, processes and machines: keys sorted, no
  whitespace, non-ASCII kept as UTF-8, NaN and infinities refused. Equal data gives equal text.
- :func:`segment_key` is *the* identity of a segment translation. The cache, job resumption
  and idempotent distributed tasks all use it; it covers the exact source text (no
  normalisation: whitespace and case change what an engine returns), both language codes and
  every field of the signature, the lingoflow version included — so an upgrade starts a fresh
  cache rather than serving results an older pipeline produced.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

__all__ = [
    "Signature",
    "canonical_json",
    "content_hash",
    "current_version",
    "segment_key",
]


def canonical_json(obj: object) -> str:
    """Serialise ``obj`` to its one canonical JSON text (sorted keys, no whitespace)."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_hash(obj: object) -> str:
    """Return the SHA-256 hex digest of ``obj``'s canonical JSON."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def current_version() -> str:
    """Return the running lingoflow version."""
    # Imported here, not at module level: lingoflow/__init__ imports modules that may import
    # this one, and __version__ is only bound once that package import has finished.
    from lingoflow import __version__

    return __version__


@dataclass(frozen=True, slots=True)
class Signature:
    """How a translation was produced: engine, model, options, glossary and lingoflow version.

    ``options_hash`` is :func:`content_hash` of the engine options that change the output
    (use :meth:`create` to compute it); ``glossary_version`` names the glossary state in use
    (``"<name>@<version>"`` from :class:`~lingoflow.storage.GlossaryStore`, ``""`` for none).
    """

    engine: str
    model: str
    options_hash: str = ""
    glossary_version: str = ""
    lingoflow_version: str = field(default_factory=current_version)

    @classmethod
    def create(
        cls,
        engine: str,
        model: str,
        options: Mapping[str, object] | None = None,
        glossary_version: str = "",
    ) -> Signature:
        """Build a signature, hashing ``options`` and stamping the running lingoflow version."""
        options_hash = content_hash(dict(options)) if options else ""
        return cls(engine, model, options_hash, glossary_version, current_version())

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Signature:
        """Rebuild a signature from :meth:`as_dict` output (unknown keys are ignored)."""
        return cls(
            engine=data["engine"],
            model=data["model"],
            options_hash=data.get("options_hash", ""),
            glossary_version=data.get("glossary_version", ""),
            lingoflow_version=data.get("lingoflow_version", ""),
        )

    @classmethod
    def from_json(cls, text: str) -> Signature:
        """Rebuild a signature from :meth:`to_json` output."""
        data: dict[str, str] = json.loads(text)
        return cls.from_dict(data)

    def as_dict(self) -> dict[str, str]:
        """Return the signature's fields as a plain dict."""
        return dict(_fields(self))

    def to_json(self) -> str:
        """Return the signature as canonical JSON."""
        return canonical_json(self.as_dict())

    @property
    def hash(self) -> str:
        """The content hash of the signature."""
        return content_hash(self.as_dict())

    def __str__(self) -> str:
        return "|".join(f"{key}:{value}" for key, value in self.as_dict().items() if value)


@functools.lru_cache(maxsize=64)
def _fields(signature: Signature) -> tuple[tuple[str, str], ...]:
    """The signature's fields, computed once per signature (segment keys need them per segment)."""
    return tuple(asdict(signature).items())


def segment_key(source_text: str, source_lang: str, target_lang: str, signature: Signature) -> str:
    """Return the identity of translating ``source_text`` between two languages as signed."""
    return content_hash(
        {
            "source": source_text,
            "source_lang": source_lang,
            "target_lang": target_lang,
            "signature": signature.as_dict(),
        }
    )
