"""Checks on the shape of the translation: empty, too short or long, looping.

Length is compared in characters (protected spans count as one), against the length the
source predicts for the target language: ``len(source) * density(target) / density(source)``.
Densities are characters per English character, the median over NTREX-128 dev lines
501-1,000 (human news translations), e.g. German 1.19, Japanese 0.46, Chinese 0.33; a
language not measured takes its script's value. The bounds are generous (a ratio under
:data:`MIN_RATIO` or over :data:`MAX_RATIO` of the prediction, beyond the 0.5th and 99.5th
percentiles of every measured language) and sources under :data:`MIN_LENGTH` characters are
not judged: short strings vary too much.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check
from lingoflow.qa.text import expected_scripts, tokens

__all__ = ["MAX_RATIO", "MIN_LENGTH", "MIN_RATIO", "empty", "length_ratio", "repetition"]

MIN_RATIO = 0.4
MAX_RATIO = 3.0
MIN_LENGTH = 20

_DENSITY = {
    "en": 1.0, "de": 1.19, "es": 1.14, "fr": 1.16, "it": 1.15, "pt": 1.11, "nl": 1.15,
    "pl": 1.13, "tr": 1.08, "id": 1.14, "vi": 1.11, "ru": 1.09, "uk": 1.04, "ar": 0.89,
    "hi": 1.08, "th": 0.93, "ja": 0.46, "ko": 0.56, "zh": 0.33, "zh_tw": 0.37, "yue": 0.37,
}  # fmt: skip
_SCRIPT_DENSITY = {"Latin": 1.12, "Cyrillic": 1.07, "Arabic": 0.9, "Han": 0.35, "Hangul": 0.56}
_DEFAULT_DENSITY = 1.05
MIN_REPEATS = 3
"""Consecutive copies of a phrase that make a loop (a single word needs one more)."""
_MAX_UNIT = 8
_MIN_UNIT_CHARS = 4


def density(code: str) -> float:
    """Return the characters per English character of a language (Qwen-MT code)."""
    if code in _DENSITY:
        return _DENSITY[code]
    scripts = expected_scripts(code)
    return min((_SCRIPT_DENSITY.get(s, _DEFAULT_DENSITY) for s in scripts), default=1.0)


@check("empty", Severity.CRITICAL, on_blank=True)
def empty(item: CheckInput) -> Iterator[Details]:
    """The translation is empty."""
    if item.source.strip() and not item.target.strip():
        yield {}


@check("length-ratio", Severity.MAJOR)
def length_ratio(item: CheckInput) -> Iterator[Details]:
    """The translation is {ratio:.0%} of the length expected from the source ({bound})."""
    source = len(item.source_masked.strip())
    if source < MIN_LENGTH:
        return
    scale = density(item.target_lang.code) / density(item.source_lang.code)
    ratio = len(item.target_masked.strip()) / (source * scale)
    if ratio < MIN_RATIO:
        yield {"ratio": ratio, "bound": f"at least {MIN_RATIO:.0%} expected"}
    elif ratio > MAX_RATIO:
        yield {"ratio": ratio, "bound": f"at most {MAX_RATIO:.0%} expected"}


def _run_at(words: Sequence[str], start: int, size: int) -> int:
    """Return how many consecutive copies of ``words[start:start+size]`` begin at ``start``."""
    unit = words[start : start + size]
    copies = 1
    while words[start + copies * size : start + (copies + 1) * size] == unit:
        copies += 1
    return copies


def longest_loop(words: Sequence[str], min_chars: int = _MIN_UNIT_CHARS) -> tuple[int, str]:
    """Return the most repeated phrase of ``words`` (copies, phrase) that counts as a loop.

    Phrases shorter than ``min_chars`` characters (``ha ha ha``) do not count; a single
    word counts one copy less, since doubled words are common.
    """
    frequent = {w for w, n in Counter(words).items() if n >= MIN_REPEATS}
    best = (0, "")
    for start, word in enumerate(words):
        if word not in frequent:
            continue
        for size in range(1, _MAX_UNIT + 1):
            unit = words[start : start + size]
            if sum(map(len, unit)) < min_chars:
                continue
            copies = _run_at(words, start, size) - (size == 1)
            if copies > best[0]:
                best = (copies, " ".join(unit))
    return best


@check("repetition", Severity.CRITICAL)
def repetition(item: CheckInput) -> Iterator[Details]:
    """The phrase {phrase!r} repeats {copies} times in a row: the output may be looping."""
    copies, phrase = longest_loop(tokens(item.target_masked))
    if copies < MIN_REPEATS:
        return
    in_source, _ = longest_loop(tokens(item.source_masked), min_chars=1)
    if copies > in_source:
        yield {"phrase": phrase, "copies": copies + (len(phrase.split()) == 1)}
