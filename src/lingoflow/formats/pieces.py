"""Read a big text file as decoded pieces cut where its format says it is safe to cut.

:func:`read_pieces` is the one reading loop of every :class:`~lingoflow.formats.base.
StreamableDocument`: it finds the codec from the file's head (BOM, UTF-8, else a guess, as
:func:`~lingoflow.formats.encoding.detect_codec` does for a whole file), decodes the rest
incrementally in blocks of ``size`` bytes (at least :data:`HEAD_BYTES`), and asks the
format's ``cut`` where the buffered text may end a piece. Memory: the buffer holds about one
piece and one block, unless the format finds no boundary in it (a CSV field or a paragraph of
many megabytes), when it grows until one comes.

A file that is UTF-8 in its head but not further on is refused with the line named (the
guess is made once, from the head): convert it to UTF-8, or translate it whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lingoflow.errors import FormatError
from lingoflow.formats.encoding import TextCodec, detect_codec

__all__ = ["HEAD_BYTES", "Cut", "Piece", "read_pieces"]

HEAD_BYTES = 1 << 16
"""At least this much of the file is read before its encoding is decided."""

Cut = Callable[[str], int]
"""``cut(buffer)``: where a piece may end in ``buffer`` (0: read more first).

``buffer`` always starts where a piece starts, and more text may follow it; whatever is left
when the file ends is the last piece.
"""


@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of decoded text and the 1-based line of the file it starts on."""

    text: str
    first_line: int


def read_pieces(
    stream: BinaryIO, *, name: str, kind: str, size: int, cut: Cut
) -> tuple[TextCodec, Iterator[Piece]]:
    """Return the file's codec and an iterator over its pieces of about ``size`` characters.

    ``kind`` names what the file should be in errors (``"a text file"``). An empty file
    gives one empty piece, so a BOM alone is still written back.
    """
    size = max(size, 1)
    head = stream.read(max(size, HEAD_BYTES))
    at_end = len(head) < max(size, HEAD_BYTES)
    codec = detect_codec(head, name, kind, final=at_end)
    return codec, _pieces(stream, head[len(codec.bom) :], at_end, codec, name, size, cut)


def _pieces(
    stream: BinaryIO,
    first: bytes,
    at_end: bool,
    codec: TextCodec,
    name: str,
    size: int,
    cut: Cut,
) -> Iterator[Piece]:
    decoder = codecs.getincrementaldecoder(codec.encoding)()
    buffer, line, block, yielded = "", 1, first, False
    while True:
        buffer += _decode(decoder, block, at_end, codec, name, line + buffer.count("\n"))
        while len(buffer) >= size:
            end = cut(buffer)
            if end <= 0:
                break
            yield Piece(buffer[:end], line)
            yielded = True
            line += buffer.count("\n", 0, end)
            buffer = buffer[end:]
        if at_end:
            break
        block = stream.read(max(size, HEAD_BYTES))  # small reads would copy the buffer often
        at_end = not block
    if buffer or not yielded:
        yield Piece(buffer, line)


def _decode(
    decoder: codecs.IncrementalDecoder,
    block: bytes,
    final: bool,
    codec: TextCodec,
    name: str,
    line: int,
) -> str:
    try:
        return str(decoder.decode(block, final=final))
    except UnicodeDecodeError as exc:
        where = line + block.count(b"\n", 0, max(exc.start, 0))
        problem = (
            f"is not valid {codec.name} here (its start was); save the file as UTF-8 and try again"
        )
        raise FormatError(name, problem, line=where) from exc
