"""Write translated files atomically, and leave alone an output whose bytes would not change.

Invariants:

- an output appears whole or not at all: it is written to a temporary file in its own folder
  and moved into place with ``os.replace``; a failure removes the temporary file;
- an output whose new bytes equal the file already there is not rewritten (its inode and
  mtime stay), so re-runs touch only what changed.

:class:`StreamedOutput` keeps both for a file written piece by piece, without holding it: it
hashes what it writes (SHA-256) and compares size and hash with the existing file at the end.
It encodes each text piece with the input's codec; when a piece does not fit a legacy
encoding, what was written so far is transcoded to UTF-8 and the rest follows in UTF-8, which
is the same result as encoding the whole text at once
(:meth:`~lingoflow.formats.encoding.TextCodec.encode`), with the same note.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from lingoflow.formats.encoding import TextCodec
from lingoflow.languages import Language

__all__ = ["StreamedOutput", "write_atomic"]

_BLOCK = 1 << 20


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless it already holds them; return if written."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


class StreamedOutput:
    """One output file written piece by piece: :meth:`write` texts, then :meth:`commit`.

    Use as a context manager: leaving it without a commit (an error) removes the temporary
    file and leaves ``path`` as it was.
    """

    def __init__(self, path: Path, codec: TextCodec, target: Language | None = None) -> None:
        self.path = path
        self.notes: list[str] = []
        self._codec = codec
        self._encoding = codec.encoding
        self._target = target
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle, self._temp = self._open()
        self._hash = hashlib.sha256()
        self._size = 0
        self._put(codec.bom)

    def __enter__(self) -> StreamedOutput:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    def write(self, text: str) -> None:
        """Append ``text`` encoded like the input (switching to UTF-8 if it does not fit)."""
        if self._encoding != "utf-8" and not self._codec.fits(text):
            self.notes.append(self._codec.unfit_note(text, self._target, "written as UTF-8"))
            self._to_utf8()
        self._put(text.encode(self._encoding))

    def commit(self) -> bool:
        """Move the file into place unless ``path`` already holds the same bytes; return if so."""
        self._handle.close()
        if self._same_as_existing():
            self.discard()
            return False
        os.replace(self._temp, self.path)
        return True

    def discard(self) -> None:
        """Drop the temporary file (nothing after a commit)."""
        self._handle.close()
        Path(self._temp).unlink(missing_ok=True)

    def _open(self) -> tuple[BinaryIO, str]:
        fd, temp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        return os.fdopen(fd, "wb"), temp

    def _put(self, data: bytes) -> None:
        self._handle.write(data)
        self._hash.update(data)
        self._size += len(data)

    def _to_utf8(self) -> None:
        """Rewrite what was written so far (legacy encoding, no BOM) as UTF-8 and go on so."""
        self._handle.close()
        old, decoder = self._temp, codecs.getincrementaldecoder(self._encoding)()
        self._handle, self._temp = self._open()
        self._hash, self._size, self._encoding = hashlib.sha256(), 0, "utf-8"
        try:
            with open(old, "rb") as source:
                while block := source.read(_BLOCK):
                    self._put(decoder.decode(block).encode("utf-8"))
                self._put(decoder.decode(b"", final=True).encode("utf-8"))
        finally:
            Path(old).unlink(missing_ok=True)

    def _same_as_existing(self) -> bool:
        if not self.path.is_file() or self.path.stat().st_size != self._size:
            return False
        existing = hashlib.sha256()
        with self.path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                existing.update(block)
        return existing.digest() == self._hash.digest()
