"""How text formats read and write their bytes: UTF-8 (BOM kept) or UTF-16 with a BOM.

Anything else is refused with the file and line named rather than guessed: a mis-decoded
file would be translated as garbage and written back damaged.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from lingoflow.errors import FormatError

__all__ = ["TextCodec", "detect_codec"]


@dataclass(frozen=True, slots=True)
class TextCodec:
    """A file's byte-order mark and encoding, to decode it and write it back the same way."""

    bom: bytes
    encoding: str

    def decode(self, data: bytes, name: str) -> str:
        """Decode ``data`` (BOM excluded); raise ``FormatError`` naming the line on bad bytes."""
        try:
            return data[len(self.bom) :].decode(self.encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start + len(self.bom)].count(b"\n") + 1
            problem = f"not valid {self.encoding}; save the file as UTF-8 and try again"
            raise FormatError(name, problem, line=line) from exc

    def encode(self, text: str) -> bytes:
        """Encode ``text`` with the original BOM and encoding."""
        return self.bom + text.encode(self.encoding)


def detect_codec(data: bytes, name: str, kind: str) -> TextCodec:
    """Pick the codec of ``data`` from its BOM; NUL bytes without one mean a binary file.

    ``kind`` names what the file should be (``"a CSV/TSV text file"``) in the error.
    """
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return TextCodec(bom, encoding)
    if b"\x00" in data:
        raise FormatError(name, f"binary data (NUL bytes), not {kind}")
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    return TextCodec(bom, "utf-8")
