"""The one interface every file format implements: parse to units, write back with translations.

A :class:`Document` is a parsed file: the translatable :class:`Unit` objects in reading order
plus whatever skeleton the format needs to write the file back. Invariants every format keeps
(checked by ``tests/formats/contract.py``):

- ``parse(data).write({}) == data``: writing with no translations gives the input back
  byte for byte.
- ``write(translations)`` changes only the text of the units named in ``translations``
  (unit id → translated text); structure, keys, markup, timings and formatting stay as
  they were. A unit missing from ``translations`` keeps its source text.
- Unit ids are stable for the same input (a key path, a line number, an XPath-like path),
  so jobs can resume and re-runs can reuse earlier results.

Formats raise :class:`~lingoflow.errors.FormatError` with the file name and line for input
they cannot read; malformed-but-recoverable input is parsed best effort without losing text.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from lingoflow.languages import Language

__all__ = ["Document", "Unit"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of translatable text in a document.

    ``id`` is stable for the same input; ``context`` helps a translator or engine (a key,
    a msgctxt, a column name); ``markup`` tells the pipeline the text carries inline markup
    (HTML/XML tags) that must be protected.
    """

    id: str
    source: str
    context: str = ""
    markup: bool = False


class Document(abc.ABC):
    """A parsed file of one format: its units and the skeleton to write it back."""

    format_name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    @classmethod
    @abc.abstractmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse ``data`` (the file's bytes); ``name`` appears in error messages."""

    @property
    @abc.abstractmethod
    def units(self) -> list[Unit]:
        """The translatable units in reading order."""

    @abc.abstractmethod
    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Return the file with each unit's text replaced by ``translations[unit.id]``.

        ``target`` lets formats record the target language (XLIFF ``trgLang``, HTML ``lang``,
        PO ``Language`` header) where the format has such a field.
        """
