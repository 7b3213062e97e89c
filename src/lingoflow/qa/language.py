"""Checks on the language of the translation: left untranslated, in the wrong language.

Both are built to stay silent when unsure:

- *untranslated* fires only when the target equals the source (ignoring case, spacing and
  protected spans) and the source has something to translate: at least two words, not only
  names, brands or numbers (in cased scripts, at least one word written in lower case).
- *wrong-language* trusts the script first (Cyrillic in a German target, Han without kana in
  a Japanese one, kana in a Chinese one), which is decisive from a few letters (a dozen for
  Latin, since names and brands stay in Latin in any script). Within a
  shared script it asks the offline detector, and only for text of at least
  :data:`MIN_DETECT_LETTERS` letters, with confidence of at least :data:`MIN_CONFIDENCE`,
  and never between closely related languages (Spanish/Galician/Portuguese,
  Danish/Norwegian/Swedish, Serbian/Croatian/Bosnian, Malay/Indonesian ...), which short
  news sentences do not tell apart reliably.
"""

from __future__ import annotations

from collections.abc import Iterator

from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check
from lingoflow.qa.text import expected_scripts, is_cjk, tokens

__all__ = [
    "MIN_CONFIDENCE",
    "MIN_DETECT_LETTERS",
    "related",
    "untranslated",
    "wrong_language",
    "wrong_language_of",
]

MIN_SCRIPT_LETTERS = 12
"""Letters of Latin script (names, brands) in a non-Latin target that make it wrong by script."""
MIN_FOREIGN_LETTERS = 6
"""Letters of another non-Latin script (Hangul in Chinese, Cyrillic in Greek) that suffice."""
MIN_DETECT_LETTERS = 25
"""Letters it takes before the detector's verdict is used at all."""
MIN_CONFIDENCE = 0.6
"""Detector confidence it takes to report a wrong language within one script.

Chosen on NTREX dev lines 501-1,000 (not the labelled set): over 12 languages, no human
reference of 25 letters or more was detected as an unrelated language with a confidence
above 0.22, while clear wrong-language text of that length scores 0.8 and more."""

_RELATED_GROUPS = (
    "es gl pt ast ca oc",
    "fr oc",
    "it vec scn",
    "nb nn da sv",
    "hr sr bs sl",
    "cs sk",
    "ru uk be bg mk",
    "id ms jv",
    "nl af lb",
    "de lb",
    "zh zh_tw yue",
    "ar arz acm ary ars apc ajp acq aeb",
    "hi mr ne mai",
    "bn as",
    "tl ceb war pag",
    "tr az",
)
_RELATED = frozenset(
    (a, b) for group in _RELATED_GROUPS for a in group.split() for b in group.split()
)


def related(first: str, second: str) -> bool:
    """Tell whether two languages (Qwen-MT codes) are the same or too close to tell apart."""
    return first == second or (first, second) in _RELATED


def _by_script(item: CheckInput) -> str | None:
    """Return what the target's scripts show it is written in, if clearly not its language."""
    scripts = item.target_scripts
    code = item.target_lang.code
    han, kana, hangul = scripts["Han"], scripts["Kana"], scripts["Hangul"]
    if code == "ja" and han >= MIN_SCRIPT_LETTERS and kana == 0:
        return "Chinese (Han characters without kana)"
    if code in ("zh", "zh_tw", "yue") and kana >= 3 and kana * 5 >= han:
        return "Japanese (kana)"
    if code == "ko" and han + kana >= MIN_SCRIPT_LETTERS and hangul * 5 < han + kana:
        return "Chinese or Japanese (Han or kana, little Hangul)"
    dominant, count = scripts.most_common(1)[0]
    needed = MIN_SCRIPT_LETTERS if dominant == "Latin" else MIN_FOREIGN_LETTERS
    if dominant in expected_scripts(code) or count < needed:
        return None
    return f"{dominant} script" if count * 5 >= 3 * sum(scripts.values()) else None


def _by_detector(item: CheckInput) -> str | None:
    """Return the detected language of the target when confidently another, unrelated one."""
    if is_cjk(item.target_lang.code) or sum(item.target_scripts.values()) < MIN_DETECT_LETTERS:
        return None
    found = item.target_detection
    if found is None or found.confidence < MIN_CONFIDENCE:
        return None
    if related(found.language.code, item.target_lang.code):
        return None
    if expected_scripts(found.language.code).isdisjoint(item.target_scripts):
        return None
    return found.language.name


def wrong_language_of(item: CheckInput) -> str | None:
    """Return what the target seems written in, when clearly not the target language."""
    if not item.target_scripts:
        return None
    return _by_script(item) or _by_detector(item)


@check("wrong-language", Severity.CRITICAL)
def wrong_language(item: CheckInput) -> Iterator[Details]:
    """The translation seems to be in {found}, not {expected}."""
    found = wrong_language_of(item)
    if found is not None:
        yield {"found": found, "expected": item.target_lang.name}


def _normal(text: str) -> str:
    """Return ``text`` case-folded with its whitespace collapsed."""
    return " ".join(text.casefold().split())


def _worth_translating(source: str, source_code: str) -> bool:
    """Tell whether ``source`` holds words a translation should change (not only names)."""
    words = tokens(source)
    letters = [w for w in words if not w.isdigit()]
    if is_cjk(source_code) or not any(c.isupper() or c.islower() for c in source):
        return len(letters) >= 4
    lower = [w for w in source.split() if w[:1].islower() and any(c.isalpha() for c in w)]
    return len(letters) >= 2 and bool(lower)


@check("untranslated", Severity.CRITICAL)
def untranslated(item: CheckInput) -> Iterator[Details]:
    """The translation is the source text, unchanged."""
    if related(item.source_lang.code, item.target_lang.code):
        return
    if _normal(item.source_masked) != _normal(item.target_masked):
        return
    if _worth_translating(item.source_masked, item.source_lang.code):
        yield {}
