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

Text-based formats hold a :class:`~lingoflow.formats.encoding.TextCodec` as ``codec``: the
file is read in its own encoding (detected when it is not UTF-8) and written back in it, and
:attr:`Document.notes` says when an encoding was guessed or an output had to become UTF-8.

A :class:`StreamableDocument` (plain text, CSV/TSV) can also be read in pieces cut at safe
boundaries, so a file of any size is translated with bounded memory; writing every piece and
joining the texts gives the same bytes as writing the whole file.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO, ClassVar, Self

from lingoflow.formats.encoding import TextCodec
from lingoflow.languages import Language

__all__ = ["Document", "StreamableDocument", "Unit"]


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
    codec: TextCodec | None = None
    """How a text-based file was decoded and is encoded; ``None`` for binary formats."""

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

    @property
    def notes(self) -> tuple[str, ...]:
        """What the run report should say about this file (encoding guessed or changed)."""
        return tuple(self.codec.notes) if self.codec is not None else ()


class StreamableDocument(Document):
    """A format that can be read and written piece by piece, for files too big to hold whole.

    Invariant: for any translations, encoding the concatenation of ``piece.write_text(...)``
    over :meth:`pieces` with the first piece's codec gives ``parse(data).write(...)`` of the
    whole file, and every unit has the same id and source in both.
    """

    codec: TextCodec

    @classmethod
    @abc.abstractmethod
    def pieces(cls, stream: BinaryIO, *, name: str = "<input>", size: int) -> Iterator[Self]:
        """Read ``stream`` in consecutive documents of about ``size`` characters each."""

    @abc.abstractmethod
    def write_text(self, translations: Mapping[str, str], *, target: Language | None = None) -> str:
        """Return this document's text with translations, not yet encoded."""

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Encode :meth:`write_text` in the file's encoding (UTF-8, noted, if it does not fit)."""
        return self.codec.encode(self.write_text(translations, target=target), target)
