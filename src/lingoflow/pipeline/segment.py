"""Split a text into translatable pieces and put the translations back in their place.

The segmenter is the pipeline's first stage. It cuts a text into :class:`TextPiece` objects:
translatable pieces (sentences, or whole lines) for the engine, and *gaps* (line breaks, blank
lines, the whitespace around and between sentences) that never reach it.

How a text is cut:

1. Lines, at every line break (``\\r\\n``, ``\\n``, ``\\r`` and the other breaks of
   :meth:`str.splitlines`). Breaks and the whitespace at either end of a line are gaps, so a
   hard-wrapped paragraph is translated line by line; formats that wrap prose (Markdown)
   should join such lines before segmenting.
2. Sentences (``unit="sentence"``, the default), by sentencex's rules for the language; CJK
   full stops (U+3002, U+FF01, U+FF1F) need no following space. Thai writes no sentence
   punctuation, so a Thai line stays one piece unless it exceeds ``max_tokens``, and is then
   cut at the spaces between its phrases. A run of 8,192 characters with no sentence end is
   cut at its last whitespace even without ``max_tokens`` (no real sentence is that long).
3. Length: a piece over ``max_tokens`` is packed greedily into chunks at the first boundary
   level that fits: sentences (line mode), clause punctuation, whitespace, and last, for
   scripts without spaces, character boundaries (never before a combining mark). Tokens are
   counted per unit and summed, so ``count_tokens`` should be roughly additive.

Invariants:

- ``"".join(p.text for p in segment_text(text, ...)) == text`` for every string.
- A translatable piece is non-empty and has no whitespace (:meth:`str.isspace`) at either end;
  a gap is non-empty whitespace; two gaps are never adjacent (two translatable pieces may be,
  as between CJK sentences).
- Time is linear in the text's length. sentencex itself is quadratic in the length of one call
  when sentence ends are not followed by spaces (CJK), so long lines are fed to it in windows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import sentencex

from lingoflow.errors import InputError
from lingoflow.languages import Language

__all__ = ["TextPiece", "Unit", "approx_tokens", "reassemble", "segment_text", "split_sentences"]

Unit = Literal["sentence", "line"]
"""What one translatable piece is: a sentence, or a whole line."""

_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CLAUSE_END = re.compile(
    r"(?:[,;:\u060c\u061b]|\s[\u2013\u2014])\s+|[\uff0c\u3001\uff1b\uff1a\uff64]\s*"
)
_SPACE_RUN = re.compile(r"\s+")

# Languages that write sentences without a space between them: a translation into one of
# them drops the space a source sentence gap had, and one out of them gains a space.
_NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "yue", "wuu", "lzh", "cmn"})

_WINDOW = 1_000  # characters per sentencex call: its cost is linear up to about here
_MARGIN = 64  # boundaries this close to a window's end may depend on text cut off
_MAX_WINDOW = 8_192  # a run this long without a sentence end is cut at whitespace
_DEFAULT_CODE = "en"  # sentencex's English rules also know CJK, Devanagari, Arabic stops


@dataclass(frozen=True, slots=True)
class TextPiece:
    """One piece of a text: translatable, or kept verbatim (a gap, or a protected span)."""

    text: str
    translatable: bool


def approx_tokens(text: str) -> int:
    """Estimate the tokens of ``text`` generously: one per 3 UTF-8 bytes, rounded up.

    Byte-level BPE tokenizers (Qwen's among them) need at least that many bytes per token on
    average, so this over-estimates: English (~4 characters per token) counts 1/3 per
    character, Cyrillic/Greek/Arabic/Hebrew 2/3, CJK, kana, Hangul, Thai and Indic scripts 1,
    emoji 4/3.
    """
    return -(-len(text.encode("utf-8", "surrogatepass")) // 3)


def segment_text(
    text: str,
    language: Language | None,
    *,
    unit: Unit = "sentence",
    max_tokens: int | None = None,
    count_tokens: Callable[[str], int] = approx_tokens,
) -> list[TextPiece]:
    """Cut ``text`` into translatable pieces and verbatim gaps that join back into ``text``.

    ``language`` selects the sentence rules (``None``: generic rules). ``unit`` makes a
    translatable piece a sentence or a whole line; ``max_tokens`` (as ``count_tokens`` counts)
    splits longer pieces further, as the module docstring describes.
    """
    if max_tokens is not None and max_tokens < 1:
        raise InputError(f"max_tokens must be at least 1, not {max_tokens}.")
    builder = _PieceBuilder()
    code = _sentencex_code(language)
    for line, brk in _lines(text):
        lead, core, trail = _strip(line)
        builder.gap(lead)
        for chunk in _line_chunks(core, code, unit, max_tokens, count_tokens):
            builder.add(chunk)
        builder.gap(trail + brk)
    return builder.pieces


def split_sentences(text: str, language: Language | None) -> list[str]:
    """Return the sentences of ``text`` (one line), each with its trailing whitespace."""
    ends = _sentence_ends(text, _sentencex_code(language))
    return [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]


def reassemble(
    pieces: Sequence[TextPiece],
    translations: Mapping[int, str] | Sequence[str],
    *,
    target: Language | None = None,
) -> str:
    """Put ``translations`` in place of the translatable pieces and keep every gap.

    ``translations`` is either one string per translatable piece, in order, or a mapping from
    an index into ``pieces`` to its translation (a translatable piece missing from the mapping
    keeps its source text). Translations are stripped: the gaps carry the whitespace. With
    ``target``, the space between two sentences of one line follows the target's custom
    (none in Chinese and Japanese, one elsewhere); without it every gap is kept verbatim.
    """
    texts = _translated_texts(pieces, translations)
    no_space = target is not None and _primary_subtag(target) in _NO_SPACE_LANGUAGES
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if piece.translatable:
            out.append(texts[index])
        elif target is not None and _between_sentences(pieces, index):
            out.append("" if no_space else piece.text)
        else:
            out.append(piece.text)
        if target is not None and not no_space and _joins_without_gap(pieces, index):
            out.append(" ")
    return "".join(out)


def _translated_texts(
    pieces: Sequence[TextPiece], translations: Mapping[int, str] | Sequence[str]
) -> dict[int, str]:
    """Map each translatable piece's index to its stripped translation (or source text)."""
    slots = [i for i, piece in enumerate(pieces) if piece.translatable]
    if isinstance(translations, Mapping):
        return {i: translations.get(i, pieces[i].text).strip() for i in slots}
    if len(translations) != len(slots):
        raise InputError(
            f"Got {len(translations)} translations for {len(slots)} translatable pieces; "
            "pass one per translatable piece, in order, or a mapping by piece index."
        )
    return {i: text.strip() for i, text in zip(slots, translations, strict=True)}


def _between_sentences(pieces: Sequence[TextPiece], index: int) -> bool:
    """Tell whether ``index`` is a whitespace gap inside a line between translatable pieces."""
    if index == 0 or index + 1 >= len(pieces):
        return False
    return (
        pieces[index].text.isspace()
        and pieces[index - 1].translatable
        and pieces[index + 1].translatable
        and _LINE_BREAK.search(pieces[index].text) is None
    )


def _joins_without_gap(pieces: Sequence[TextPiece], index: int) -> bool:
    """Tell whether piece ``index`` and the next are both translatable (no gap between)."""
    return index + 1 < len(pieces) and pieces[index].translatable and pieces[index + 1].translatable


class _PieceBuilder:
    """Collect pieces, merging adjacent gaps and dropping empty strings."""

    def __init__(self) -> None:
        self.pieces: list[TextPiece] = []

    def gap(self, text: str) -> None:
        if not text:
            return
        if self.pieces and not self.pieces[-1].translatable:
            text = self.pieces.pop().text + text
        self.pieces.append(TextPiece(text, translatable=False))

    def add(self, chunk: str) -> None:
        """Add ``chunk`` as translatable text with its edge whitespace as gaps."""
        lead, core, trail = _strip(chunk)
        self.gap(lead)
        if core:
            self.pieces.append(TextPiece(core, translatable=True))
        self.gap(trail)


def _lines(text: str) -> Iterator[tuple[str, str]]:
    """Yield each line of ``text`` with the line break that ends it ('' for the last)."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()], match.group()
        start = match.end()
    yield text[start:], ""


def _strip(text: str) -> tuple[str, str, str]:
    """Split ``text`` into leading whitespace, core and trailing whitespace."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = len(text) - len(text.lstrip())
    return text[:start], core, text[start + len(core) :]


def _line_chunks(
    line: str,
    code: str,
    unit: Unit,
    max_tokens: int | None,
    count: Callable[[str], int],
) -> list[str]:
    """Return the translatable chunks of one stripped line (edge whitespace included)."""
    if not line:
        return []
    if unit == "line":
        if max_tokens is None:
            return [line]
        return _fit(line, max_tokens, count, code, level=0)
    sentences = _split(line, code, 0)
    if max_tokens is None:
        return sentences
    return [chunk for s in sentences for chunk in _fit(s, max_tokens, count, code, level=1)]


def _fit(text: str, limit: int, count: Callable[[str], int], code: str, level: int) -> list[str]:
    """Split ``text`` at boundary ``level`` or finer into chunks of at most ``limit`` tokens."""
    if count(text) <= limit:
        return [text]
    if level >= 3:
        return _char_chunks(text, limit, count)
    chunks = _pack(_split(text, code, level), limit, count)
    if len(chunks) == 1:
        return _fit(text, limit, count, code, level + 1)
    return [piece for chunk in chunks for piece in _fit(chunk, limit, count, code, level + 1)]


def _split(text: str, code: str, level: int) -> list[str]:
    """Split ``text`` at sentence (0), clause (1) or whitespace (2) boundaries, losslessly."""
    if level == 0:
        ends = _sentence_ends(text, code)
    else:
        pattern = _CLAUSE_END if level == 1 else _SPACE_RUN
        ends = [m.end() for m in pattern.finditer(text) if m.end() < len(text)]
        ends.append(len(text))
    return [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]


def _pack(units: list[str], limit: int, count: Callable[[str], int]) -> list[str]:
    """Join consecutive ``units`` greedily into chunks whose summed count fits ``limit``."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for unit in units:
        tokens = count(unit)
        if current and used + tokens > limit:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(unit)
        used += tokens
    if current:
        chunks.append("".join(current))
    return chunks


def _char_chunks(text: str, limit: int, count: Callable[[str], int]) -> list[str]:
    """Cut ``text`` at character boundaries into chunks of at most ``limit`` tokens.

    The last resort for scripts without spaces. A cut never falls before a combining mark;
    a single character counted over ``limit`` still makes a chunk of its own.
    """
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = start + _longest_fitting(text, start, limit, count)
        while start + 1 < end < len(text) and _is_extending(text[end]):
            end -= 1
        chunks.append(text[start:end])
        start = end
    return chunks


def _longest_fitting(text: str, start: int, limit: int, count: Callable[[str], int]) -> int:
    """Return the most characters from ``start`` that fit ``limit`` tokens (at least 1).

    Searches at most ``4 * limit`` characters (a token is rarely longer), in log time.
    """
    high = min(len(text) - start, 4 * limit)
    if count(text[start : start + high]) <= limit:
        return high
    low = 1
    while low + 1 < high:  # text[start:start+low] fits (or low is 1); +high does not
        middle = (low + high) // 2
        if count(text[start : start + middle]) <= limit:
            low = middle
        else:
            high = middle
    return low


def _is_extending(char: str) -> bool:
    """Tell whether ``char`` attaches to the character before it (marks, joiners)."""
    return unicodedata.category(char) in {"Mn", "Mc", "Me"} or char in "\u200d\ufe0f"


def _sentence_ends(text: str, code: str) -> list[int]:
    """Return the end offset of each sentence of ``text``; the last is ``len(text)``.

    Feeds sentencex windows of ``_WINDOW`` characters and keeps the boundaries that are not
    near the window's end, so the cost stays linear on long lines.
    """
    ends: list[int] = []
    start, window = 0, _WINDOW
    while start < len(text):
        stop = min(len(text), start + window)
        found = _boundaries(text[start:stop], code)
        if stop == len(text):
            ends.extend(start + end for end in found)
            break
        safe = [end for end in found[:-1] if end <= stop - start - _MARGIN]
        if safe:
            ends.extend(start + end for end in safe)
            start, window = start + safe[-1], _WINDOW
        elif window < _MAX_WINDOW:
            window *= 2
        else:
            cut = _soft_cut(text, start, stop)
            ends.append(cut)
            start, window = cut, _WINDOW
    return ends


def _boundaries(text: str, code: str) -> list[int]:
    """Return sentencex's sentence end offsets in ``text``, ending with ``len(text)``."""
    ends = [int(b["end_index"]) for b in sentencex.get_sentence_boundaries(code, text)]
    ends = [end for end in ends if 0 < end < len(text)]
    ends.append(len(text))
    return ends


def _soft_cut(text: str, start: int, stop: int) -> int:
    """Return a cut point in ``text[start:stop]``: after its last whitespace, else ``stop``."""
    for index in range(stop - 1, start, -1):
        if text[index].isspace():
            return index + 1
    return stop


def _sentencex_code(language: Language | None) -> str:
    """Return the code sentencex knows ``language`` by (its primary BCP 47 subtag)."""
    return _DEFAULT_CODE if language is None else _primary_subtag(language)


def _primary_subtag(language: Language) -> str:
    """Return the lowercase primary subtag of ``language``'s BCP 47 tag (``zh`` of ``zh-TW``)."""
    return language.bcp47.split("-", 1)[0].lower()
