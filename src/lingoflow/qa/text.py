"""Text facts the checks share: scripts, per-language writing conventions, tokens.

Everything here is a pure function of its arguments over tables built at import from
literals (no I/O). Scripts are told by code-point range (a bisect over a sorted table), which
is all the checks need and far cheaper than ``unicodedata.name``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

__all__ = [
    "CJK_SCRIPTS",
    "expected_scripts",
    "is_cjk",
    "letters_by_script",
    "script_of",
    "tokens",
]

# (first, last, script), sorted by first code point.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00C0, 0x024F, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
    (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"),
    (0x1000, 0x109F, "Myanmar"), (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"),
    (0x1780, 0x17FF, "Khmer"), (0x1E00, 0x1EFF, "Latin"), (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"), (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"), (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "Han"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"), (0xFF21, 0xFF3A, "Latin"),
    (0xFF41, 0xFF5A, "Latin"), (0xFF66, 0xFF9F, "Kana"), (0x20000, 0x3134F, "Han"),
)  # fmt: skip
_STARTS = [first for first, _, _ in _RANGES]

CJK_SCRIPTS = frozenset({"Han", "Kana", "Hangul"})
"""Scripts whose text is measured in characters rather than words."""

_SCRIPTS_BY_CODE: dict[str, frozenset[str]] = {}
for _codes, _scripts in (
    ("ru uk be bg mk kk", {"Cyrillic"}),
    ("sr", {"Cyrillic", "Latin"}),
    ("el", {"Greek"}),
    ("hy", {"Armenian"}),
    ("he", {"Hebrew"}),
    ("ar arz acm ary ars apc ajp acq aeb fa ur sd", {"Arabic"}),
    ("hi mr ne mai", {"Devanagari"}),
    ("bn as", {"Bengali"}),
    ("gu", {"Gujarati"}),
    ("or", {"Oriya"}),
    ("ta", {"Tamil"}),
    ("te", {"Telugu"}),
    ("kn", {"Kannada"}),
    ("si", {"Sinhala"}),
    ("th", {"Thai"}),
    ("lo", {"Lao"}),
    ("my", {"Myanmar"}),
    ("ka", {"Georgian"}),
    ("km", {"Khmer"}),
    ("ko", {"Hangul", "Han"}),
    ("ja", {"Kana", "Han"}),
    ("zh zh_tw yue", {"Han"}),
):
    for _code in _codes.split():
        _SCRIPTS_BY_CODE[_code] = frozenset(_scripts)
_LATIN = frozenset({"Latin"})
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")


def script_of(char: str) -> str | None:
    """Return the script of a letter (by code-point range), or None if not tabled."""
    point = ord(char)
    index = bisect.bisect_right(_STARTS, point) - 1
    if index >= 0 and point <= _RANGES[index][1]:
        return _RANGES[index][2]
    return None


def _runs() -> re.Pattern[str]:
    """Return a pattern matching a run of one script's characters, named by the script."""
    scripts = dict.fromkeys(name for *_, name in _RANGES)
    groups = (
        f"(?P<{script}>[{''.join(f'{chr(a)}-{chr(b)}' for a, b, n in _RANGES if n == script)}]+)"
        for script in scripts
    )
    return re.compile("|".join(groups))


_RUNS = _runs()
_ASCII_LETTER = re.compile("[A-Za-z]")


def letters_by_script(text: str) -> Counter[str]:
    """Return how many letters of each script ``text`` holds (untabled scripts left out).

    Counted by code-point block, so the few non-letters inside a block (the Arabic-Indic
    digits, the multiplication sign) count too: close enough for telling languages apart.
    """
    if text.isascii():
        found = len(_ASCII_LETTER.findall(text))
        return Counter({"Latin": found} if found else {})
    counts: Counter[str] = Counter()
    for run in _RUNS.finditer(text):
        counts[run.lastgroup or ""] += run.end() - run.start()
    return counts


def expected_scripts(code: str) -> frozenset[str]:
    """Return the scripts a language (by Qwen-MT code) is written in; Latin by default."""
    return _SCRIPTS_BY_CODE.get(code, _LATIN)


def is_cjk(code: str) -> bool:
    """Tell whether a language is written mostly in Han, Kana or Hangul."""
    return not expected_scripts(code).isdisjoint(CJK_SCRIPTS)


def tokens(text: str) -> list[str]:
    """Return the case-folded words of ``text``; each Han or Kana character is a word."""
    return [token.casefold() for token in _TOKEN.findall(text)]
