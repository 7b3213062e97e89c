"""SrtDocument and VttDocument: the contract on real and realistic files, plus specifics."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.subtitles import SrtDocument, VttDocument
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "subtitles"
SRT = sorted(DATA.glob("*.srt"))


@pytest.fixture
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


@pytest.mark.parametrize("sample", SRT, ids=[p.name for p in SRT], indirect=True)
class TestSrtContract(FormatContract):
    document_class = SrtDocument


@pytest.mark.parametrize("sample", [DATA / "cooking-show.vtt"], ids=["vtt"], indirect=True)
class TestVttContract(FormatContract):
    document_class = VttDocument


def test_srt_cue_text_is_one_unit_and_crlf_is_kept() -> None:
    data = (DATA / "drama-crlf.srt").read_bytes()
    doc = SrtDocument.parse(data, name="drama.srt")
    unit = doc.units[3]
    assert unit.source == "Then explain why your car\nwas parked outside the station."
    assert unit.context == "4 00:00:10,020 --> 00:00:13,310"
    out = doc.write({"4": "Entonces explica\npor qué estaba tu coche."})
    assert b"Entonces explica\r\npor qu\xc3\xa9 estaba tu coche.\r\n\r\n5\r\n" in out
    assert out.count(b"-->") == data.count(b"-->")


def test_srt_markup_flag() -> None:
    units = SrtDocument.parse((DATA / "drama-crlf.srt").read_bytes()).units
    assert [u.markup for u in units] == [True, False, True, False, False]


def test_srt_bom_is_kept() -> None:
    data = (DATA / "chardet-bom-utf-8.srt").read_bytes()
    out = SrtDocument.parse(data).write({"1": "Hace unos dos meses"})
    assert out.startswith(b"\xef\xbb\xbf1\n00:00:06,500 --> 00:00:09,000\nHace unos dos meses\n\n2")


def test_srt_blank_line_inside_cue_text_stays_in_the_cue() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\nFirst part\n\nsecond part\n\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nNext\n"
    )
    units = SrtDocument.parse(data).units
    assert [u.source for u in units] == ["First part\n\nsecond part", "Next"]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b"1\n00:00:01,000 --> 00:0x:02,000\nHi\n", 2, id="bad-timing"),
        pytest.param(b"Hello\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n", 1, id="text-before-cues"),
    ],
)
def test_srt_malformed_raises_with_line(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        SrtDocument.parse(data, name="bad.srt")
    assert info.value.line == line


def test_vtt_blocks_and_settings_untouched() -> None:
    data = (DATA / "cooking-show.vtt").read_bytes()
    doc = VttDocument.parse(data, name="c.vtt")
    assert [u.source for u in doc.units] == [
        "<v Narrator>Welcome back to the kitchen.",
        "Today we are making\nfresh pasta from scratch.",
        "<v Chef><b>Flour</b> first, then the eggs &amp; salt.",
        "That is all for today.",
    ]
    assert doc.units[0].context == "intro-1 00:00.000 --> 00:02.500 align:start position:10%"
    out = doc.write({u.id: "X" for u in doc.units})
    assert out.count(b"X") == 4
    for kept in (b"WEBVTT - Episode 3", b"STYLE\n::cue", b"NOTE This file", b"line:0\nX\n"):
        assert kept in out


def test_vtt_without_header_is_rejected() -> None:
    with pytest.raises(FormatError) as info:
        VttDocument.parse(b"00:00.000 --> 00:01.000\nHi\n", name="x.vtt")
    assert info.value.line == 1


@pytest.mark.parametrize("cls", [SrtDocument, VttDocument])
def test_binary_and_empty_input(cls: type[SrtDocument] | type[VttDocument]) -> None:
    with pytest.raises(FormatError, match="binary"):
        cls.parse(b"\x00\x01\x02junk")
    if cls is SrtDocument:
        assert cls.parse(b"").units == []
        assert cls.parse(b"").write({}) == b""


def test_broken_utf16_is_a_format_error_naming_the_line() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\nHi\n".encode("utf-16-le")
    broken = b"\xff\xfe" + data + b"\x00\xd8"  # a lone high surrogate at the end
    with pytest.raises(FormatError, match="not valid utf-16-le") as info:
        SrtDocument.parse(broken, name="x.srt")
    assert info.value.line == 4
