"""Tests of the segmenter: sentences per language, exact reassembly, length limits, scale."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sentencex
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow.errors import InputError
from lingoflow.languages import Language, resolve
from lingoflow.pipeline.segment import (
    TextPiece,
    approx_tokens,
    reassemble,
    segment_text,
    split_sentences,
)

DATA = Path(__file__).parent / "data" / "ntrex"
NO_SPACE = {"zh", "ja"}


def ntrex(code: str) -> list[str]:
    """Return the three NTREX sentences stored for ``code``."""
    return (DATA / f"{code}.txt").read_text(encoding="utf-8").splitlines()


def texts(pieces: list[TextPiece]) -> list[str]:
    """Return the translatable pieces' texts."""
    return [piece.text for piece in pieces if piece.translatable]


def check_invariants(text: str, pieces: list[TextPiece]) -> None:
    """Assert the segmenter's invariants for ``pieces`` of ``text``."""
    assert "".join(piece.text for piece in pieces) == text
    for piece in pieces:
        assert piece.text
        if piece.translatable:
            assert piece.text == piece.text.strip()
        else:
            assert piece.text.isspace()
    for left, right in itertools.pairwise(pieces):
        assert left.translatable or right.translatable, "two adjacent gaps"
    assert reassemble(pieces, texts(pieces)) == text


@pytest.mark.parametrize(
    "code", [pytest.param(code, id=code) for code in ["en", "de", "es", "ko", "ar", "hi", "ru"]]
)
def test_sentences_of_a_paragraph_come_back(code: str) -> None:
    lines = ntrex(code)
    text = " ".join(lines)
    pieces = segment_text(text, resolve(code))
    assert texts(pieces) == lines
    check_invariants(text, pieces)


@pytest.mark.parametrize("code", [pytest.param("zh", id="zh"), pytest.param("ja", id="ja")])
def test_cjk_sentences_without_spaces_come_back(code: str) -> None:
    lines = ntrex(code)
    text = "".join(lines)
    pieces = segment_text(text, resolve(code))
    assert texts(pieces) == lines
    assert all(piece.translatable for piece in pieces)
    check_invariants(text, pieces)


def test_thai_line_stays_one_piece_without_a_limit() -> None:
    text = ntrex("th")[2]
    assert " " in text
    assert texts(segment_text(text, resolve("th"))) == [text]


def test_thai_line_over_the_limit_splits_only_at_spaces() -> None:
    text = ntrex("th")[2]
    phrases = text.split(" ")
    limit = max(approx_tokens(phrase) for phrase in phrases)
    pieces = segment_text(text, resolve("th"), max_tokens=limit)
    assert len(texts(pieces)) > 1
    assert all(approx_tokens(piece) <= limit for piece in texts(pieces))
    assert set(" ".join(texts(pieces)).split(" ")) == set(phrases)
    check_invariants(text, pieces)


def test_unknown_language_uses_generic_rules() -> None:
    pieces = segment_text("One. Two! 三。四\uff1f", None)
    assert texts(pieces) == ["One.", "Two!", "三。", "四\uff1f"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param(" \t\r\n ", [(" \t\r\n ", False)], id="only-whitespace"),
        pytest.param(
            "  Hello there.  ",
            [("  ", False), ("Hello there.", True), ("  ", False)],
            id="leading-trailing-spaces",
        ),
        pytest.param(
            "First line.\r\nSecond line.\r\n",
            [("First line.", True), ("\r\n", False), ("Second line.", True), ("\r\n", False)],
            id="crlf",
        ),
        pytest.param(
            "A.\n\n\n\tB.",
            [("A.", True), ("\n\n\n\t", False), ("B.", True)],
            id="blank-lines-and-tab",
        ),
        pytest.param(
            "Title\rBody\u2028Next\u2029Last",
            [
                ("Title", True),
                ("\r", False),
                ("Body", True),
                ("\u2028", False),
                ("Next", True),
                ("\u2029", False),
                ("Last", True),
            ],
            id="cr-and-unicode-separators",
        ),
        pytest.param(
            "\u3000全角。\u00a0",
            [("\u3000", False), ("全角。", True), ("\u00a0", False)],
            id="ideographic-and-no-break-space",
        ),
        pytest.param(
            "One.   Two.\t \n",
            [("One.", True), ("   ", False), ("Two.", True), ("\t \n", False)],
            id="spaces-between-sentences",
        ),
    ],
)
def test_whitespace_is_kept_verbatim_in_gaps(text: str, expected: list[tuple[str, bool]]) -> None:
    pieces = segment_text(text, resolve("en"))
    assert [(piece.text, piece.translatable) for piece in pieces] == expected
    check_invariants(text, pieces)


def test_line_unit_keeps_whole_lines() -> None:
    text = "One. Two.\n  Three. Four.  "
    pieces = segment_text(text, resolve("en"), unit="line")
    assert texts(pieces) == ["One. Two.", "Three. Four."]
    check_invariants(text, pieces)


def test_line_unit_over_the_limit_packs_sentences() -> None:
    lines = ntrex("en")
    text = " ".join(lines)
    limit = approx_tokens(lines[0] + " " + lines[1]) + 1
    pieces = segment_text(text, resolve("en"), unit="line", max_tokens=limit)
    assert texts(pieces) == [f"{lines[0]} {lines[1]}", lines[2]]


LONG_SENTENCE = (
    "The committee, which met on Tuesday in the old town hall, agreed that the bridge would be "
    "repaired before winter; however, several members warned that the budget was too small, "
    "that the contractor had not yet been chosen and that the work could take much longer."
)


@pytest.mark.parametrize("limit", [pytest.param(n, id=f"max-{n}") for n in [4, 8, 20, 40]])
def test_long_sentence_splits_under_the_limit_never_mid_word(limit: int) -> None:
    pieces = segment_text(LONG_SENTENCE, resolve("en"), max_tokens=limit)
    assert all(approx_tokens(piece) <= limit for piece in texts(pieces))
    assert " ".join(texts(pieces)).split(" ") == LONG_SENTENCE.split(" ")
    for left, right in itertools.pairwise(pieces):
        assert not (left.translatable and right.translatable), "cut inside a word"
    check_invariants(LONG_SENTENCE, pieces)


def test_long_sentence_prefers_clause_boundaries() -> None:
    pieces = segment_text(LONG_SENTENCE, resolve("en"), max_tokens=40)
    assert all(piece[-1] in ",;." for piece in texts(pieces))


def test_long_cjk_sentence_splits_at_commas_then_characters() -> None:
    sentence = ntrex("zh")[1]
    pieces = segment_text(sentence, resolve("zh"), max_tokens=20)
    assert "".join(texts(pieces)) == sentence
    assert texts(pieces)[0].endswith("\uff0c")  # fullwidth comma
    assert all(approx_tokens(piece) <= 20 for piece in texts(pieces))
    tiny = segment_text(sentence, resolve("zh"), max_tokens=4)
    assert all(approx_tokens(piece) <= 4 for piece in texts(tiny))
    check_invariants(sentence, tiny)


def test_character_split_never_separates_a_combining_mark() -> None:
    text = "e\u0301" * 40
    pieces = segment_text(text, resolve("fr"), max_tokens=2)
    assert all(not piece.startswith("\u0301") for piece in texts(pieces))
    check_invariants(text, pieces)


def test_windowed_sentencex_matches_a_single_call() -> None:
    text = "".join(ntrex("zh")) * 40  # ~2,800 characters: several windows
    expected = [s.strip() for s in sentencex.segment("zh", text) if s.strip()]
    assert texts(segment_text(text, resolve("zh"))) == expected


def test_split_sentences_keeps_trailing_whitespace() -> None:
    assert split_sentences("Hi there. Bye.", resolve("en")) == ["Hi there. ", "Bye."]


def test_max_tokens_below_one_is_refused() -> None:
    with pytest.raises(InputError, match="max_tokens"):
        segment_text("Hi.", None, max_tokens=0)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("abc", 1, id="ascii-3"),
        pytest.param("abcd", 2, id="ascii-4"),
        pytest.param("привет", 4, id="cyrillic"),
        pytest.param("你好世界", 4, id="cjk-one-per-char"),
        pytest.param("😀", 2, id="emoji"),
    ],
)
def test_approx_tokens(text: str, tokens: int) -> None:
    assert approx_tokens(text) == tokens


def test_approx_tokens_over_estimates_english() -> None:
    text = " ".join(ntrex("en"))
    assert approx_tokens(text) >= len(text) / 4


def lang(code: str) -> Language:
    """Return the language for ``code``."""
    return resolve(code)


def test_reassemble_adds_a_space_between_sentences_out_of_chinese() -> None:
    pieces = segment_text("你好。我很好\uff01", lang("zh"))
    assert reassemble(pieces, ["Hello.", "I am fine!"], target=lang("en")) == ("Hello. I am fine!")


def test_reassemble_drops_the_space_between_sentences_into_chinese() -> None:
    pieces = segment_text("Hello.  I am fine!\n\nBye.", lang("en"))
    out = reassemble(pieces, ["你好。", "我很好\uff01", "再见。"], target=lang("zh"))
    assert out == "你好。我很好\uff01\n\n再见。"


def test_reassemble_keeps_gaps_between_spaced_languages() -> None:
    pieces = segment_text(" Hi.  Bye.\r\n", lang("en"))
    assert reassemble(pieces, [" Hallo. ", "Tschüss."], target=lang("de")) == (
        " Hallo.  Tschüss.\r\n"
    )


def test_reassemble_from_a_partial_mapping_keeps_the_source() -> None:
    pieces = segment_text("One. Two.", lang("en"))
    assert reassemble(pieces, {2: "Zwei."}) == "One. Zwei."


def test_reassemble_refuses_a_wrong_number_of_translations() -> None:
    pieces = segment_text("One. Two.", lang("en"))
    with pytest.raises(InputError, match="2 translatable pieces"):
        reassemble(pieces, ["Eins."])


WHITESPACE = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\r", "\n\n", "\u3000", "\u00a0"])
WORDS = st.sampled_from(
    ["Hello", "world.", "Dr.", "e.g.", "你好。", "世界\uff01", "ไทย", "नमस्ते।", "é", "a,", "?!", "x"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(WORDS, WHITESPACE, st.text(max_size=5)), max_size=30).map("".join),
    st.sampled_from(["en", "zh", "ja", "th", "hi", "ar"]),
    st.sampled_from(["sentence", "line"]),
    st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
)
def test_any_text_reassembles_exactly(text: str, code: str, unit: str, limit: int | None) -> None:
    pieces = segment_text(
        text, resolve(code), unit="line" if unit == "line" else "sentence", max_tokens=limit
    )
    check_invariants(text, pieces)
    if limit is not None:
        for piece in texts(pieces):
            assert approx_tokens(piece) <= limit or len(piece) == 1


@pytest.mark.parametrize(
    ("code", "sep"),
    [
        pytest.param("en", " ", id="en"),
        pytest.param("zh", "", id="zh"),
        pytest.param("th", " ", id="th"),
    ],
)
def test_ten_megabytes_on_one_line(code: str, sep: str) -> None:
    unit = sep.join(ntrex(code)) + sep
    text = unit * (10_000_000 // len(unit.encode()) + 1)
    pieces = segment_text(text, resolve(code), max_tokens=8192)
    assert "".join(piece.text for piece in pieces) == text
    assert reassemble(pieces, texts(pieces)) == text
    if code != "th":
        assert len(texts(pieces)) >= 3 * (len(text) // len(unit))
