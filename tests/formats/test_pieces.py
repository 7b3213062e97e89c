"""Streamed pieces: plain text and CSV read in tiny pieces give the whole file's units and bytes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.base import StreamableDocument, Unit
from lingoflow.formats.csv import SAMPLE_RECORDS, CsvDocument
from lingoflow.formats.pieces import HEAD_BYTES
from lingoflow.formats.text import TextDocument
from tests.formats.contract import mark

DATA = Path(__file__).parent / "data"
TEXTS = [*sorted((DATA / "text").glob("*.txt")), *sorted((DATA / "encodings").glob("*.txt"))]
CSVS = [*sorted((DATA / "csv").glob("*.[ct]sv")), *sorted((DATA / "encodings").glob("*.csv"))]
SIZES = [1, 7, 64, 100_000]


def _streamed(
    cls: type[StreamableDocument],
    data: bytes,
    name: str,
    size: int,
    translate: Callable[[str], str],
    **options: object,
) -> tuple[bytes, list[Unit], int]:
    """Read ``data`` in pieces, translate each, join: (bytes, units, number of pieces)."""
    stream = io.BytesIO(data)
    pieces = list(cls.pieces(stream, name=name, size=size, **options))  # type: ignore[call-arg]
    units = [unit for piece in pieces for unit in piece.units]
    text = "".join(
        piece.write_text({unit.id: translate(unit.source) for unit in piece.units})
        for piece in pieces
    )
    return pieces[0].codec.encode(text), units, len(pieces)


def _whole(document: StreamableDocument, translate: Callable[[str], str]) -> bytes:
    return document.write({unit.id: translate(unit.source) for unit in document.units})


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", TEXTS, ids=[p.name for p in TEXTS])
def test_text_in_pieces_equals_the_whole_file(path: Path, size: int) -> None:
    data = path.read_bytes()
    whole = TextDocument.parse(data, name=path.name)

    for translate in (str, mark):
        output, units, count = _streamed(TextDocument, data, path.name, size, translate)
        assert output == _whole(whole, translate)
        assert units == whole.units
    assert count > 1 or size > 7  # tiny sizes really cut the file


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", CSVS, ids=[p.name for p in CSVS])
def test_csv_in_pieces_equals_the_whole_file(path: Path, size: int) -> None:
    data = path.read_bytes()
    whole = CsvDocument.parse(data, name=path.name)
    columns = sorted({unit.context for unit in whole.units})  # the columns it chose

    for translate in (str, mark):
        output, units, count = _streamed(
            CsvDocument, data, path.name, size, translate, columns=columns
        )
        assert output == _whole(whole, translate)
        assert units == whole.units
    assert count > 1 or size > 7


def _big_csv(rows: Sequence[str]) -> bytes:
    """A real sample's rows repeated past the column sample, with quoted line breaks."""
    lines = ["id,text,url"]
    for number in range(SAMPLE_RECORDS + 300):
        text = rows[number % len(rows)].replace('"', '""')
        lines.append(f'{number},"{text}\r\nline {number}",https://example.com/{number}')
    return ("\r\n".join(lines) + "\r\n").encode()


def test_big_csv_chooses_its_columns_from_the_same_sample_streamed_or_whole() -> None:
    texts = (DATA.parent.parent / "data" / "ntrex-sample" / "eng.txt").read_text().splitlines()
    data = _big_csv(texts)
    whole = CsvDocument.parse(data, name="big.csv")

    output, units, count = _streamed(CsvDocument, data, "big.csv", 500, mark)

    assert {unit.context for unit in whole.units} == {"text"}
    assert units == whole.units
    assert output == _whole(whole, mark)
    assert count > 10


def test_an_escaped_quote_across_a_read_boundary_is_one_field() -> None:
    prefix = b'id,text\n1,"'
    data = prefix + b"x" * (HEAD_BYTES - len(prefix) - 2) + b'""y"\n2,z\n'  # "" ends the block
    whole = CsvDocument.parse(data, name="q.csv", columns=["text"])

    output, units, _ = _streamed(CsvDocument, data, "q.csv", 1, mark, columns=["text"])

    assert units == whole.units
    assert units[0].source.endswith('x"y')
    assert output == _whole(whole, mark)


def test_unclosed_quote_in_a_streamed_csv_names_its_line() -> None:
    data = b'id,text\n1,fine\n2,"never closed\n3,more\n'
    with pytest.raises(FormatError, match="not closed") as info:
        list(CsvDocument.pieces(io.BytesIO(data), name="bad.csv", size=4, columns=["text"]))
    assert info.value.line == 3


def test_bytes_that_stop_being_utf8_after_the_head_name_the_line() -> None:
    head = b"Plain ASCII paragraph.\n\n" * 4000  # well past the head the codec is chosen from
    data = head + "Caf\xe9\n".encode("latin-1")
    with pytest.raises(FormatError, match="not valid utf-8") as info:
        list(TextDocument.pieces(io.BytesIO(data), name="mixed.txt", size=1000))
    assert info.value.line == 8001


def test_a_paragraph_without_blank_lines_is_cut_at_a_line_end_past_the_limit() -> None:
    from lingoflow.formats.text import LONGEST_PARAGRAPH

    line = "x" * 999 + "\n"
    data = (line * (LONGEST_PARAGRAPH // len(line) + 200)).encode()
    pieces = list(TextDocument.pieces(io.BytesIO(data), name="long.txt", size=1000))
    assert len(pieces) == 2
    assert "".join(piece.write_text({}) for piece in pieces).encode() == data
