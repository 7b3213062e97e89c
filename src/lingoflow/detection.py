"""Offline language detection onto the language registry.

:func:`detect` names the language of a text with py3langid's bundled model (no network, no
download), restricted to the languages of :mod:`lingoflow.languages` that the model knows.
Within Chinese, written Cantonese is recognised by its own words (cantonesedetect's rules)
and Traditional from Simplified Chinese by the characters used (hanzidentifier, CC-CEDICT's
character sets); both ship their data and are pure Python.

Invariants:

- The models are loaded on the first call, once per process, and reused; importing this
  module loads neither numpy, py3langid nor the Chinese helpers.
- Every answer is a registry language; ``confidence`` is the model's probability for it,
  normalised over the languages it may choose from (for Chinese, over the Chinese family),
  between 0 and 1. Without any evidence (``"ok"``) the answer is arbitrary and the
  confidence near 1/78: treat confidences below about 0.5 as guesses.
- Text with no letters (empty, blank, punctuation, digits, emoji) raises
  :class:`~lingoflow.errors.InputError` instead of guessing.
- Languages the model does not know are never detected: Asturian, Cebuano, Maithili,
  Pangasinan, Sicilian, Sindhi, Waray, and the Mesopotamian, Najdi, North and South
  Levantine, Ta'izzi-Adeni and Tunisian varieties of Arabic. Text in them comes back as the
  nearest known language (often Arabic or Egyptian Arabic for the Arabic varieties).
"""

from __future__ import annotations

import functools
from typing import Any

from lingoflow.errors import InputError
from lingoflow.languages import Language, all_languages, resolve
from lingoflow.types import Detection

__all__ = ["detect"]

# py3langid labels that differ from Qwen-MT's codes: its "no" is Norwegian Bokmål.
_LABEL_TO_CODE = {"no": "nb"}
# Labels after which the text is checked for Cantonese words and Traditional characters.
_CHINESE_CODES = frozenset({"zh", "yue"})
# cantonesedetect's verdicts that mean the text is (at least partly) written Cantonese.
_CANTONESE_JUDGEMENTS = frozenset({"cantonese", "mixed"})


def _label_map(labels: list[str]) -> dict[str, Language]:
    """Map each model label that names a registry language to that language."""
    by_code = {language.code: language for language in all_languages()}
    mapped = {label: by_code.get(_LABEL_TO_CODE.get(label, label)) for label in labels}
    return {label: language for label, language in mapped.items() if language is not None}


@functools.cache
def _identifier() -> tuple[Any, dict[str, Language]]:
    """Load py3langid's model once, restricted to the registry's languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    labels = _label_map(list(identifier.labels))
    identifier.set_languages(sorted(labels))
    return identifier, labels


def _is_traditional(text: str) -> bool:
    """Tell whether Chinese ``text`` is written in Traditional characters."""
    import hanzidentifier  # type: ignore[import-untyped, unused-ignore]

    kind = hanzidentifier.identify(text)
    if kind == hanzidentifier.MIXED:  # a stray character of the other script: count them
        hanzi = [char for char in text if hanzidentifier.has_chinese(char)]
        traditional = sum(not hanzidentifier.is_simplified(char) for char in hanzi)
        simplified = sum(not hanzidentifier.is_traditional(char) for char in hanzi)
        return traditional > simplified
    return bool(kind == hanzidentifier.TRADITIONAL)


@functools.cache
def _cantonese_detector() -> Any:
    """Build cantonesedetect's rule-based classifier once."""
    from cantonesedetect import CantoneseDetector  # type: ignore[import-untyped, unused-ignore]

    return CantoneseDetector()


def _chinese(text: str) -> Language:
    """Tell Cantonese, Traditional and Simplified Chinese apart in Chinese ``text``.

    py3langid often calls plain Traditional Chinese "yue"; written Cantonese is recognised
    by its own words instead (cantonesedetect), and the rest by its script.
    """
    if str(_cantonese_detector().judge(text)) in _CANTONESE_JUDGEMENTS:
        return resolve("yue")
    return resolve("zh_tw" if _is_traditional(text) else "zh")


def detect(text: str) -> Detection:
    """Detect the language of ``text`` among the registry's languages, offline."""
    if not any(char.isalpha() for char in text):
        raise InputError(
            "Cannot detect the language of text without letters: give text in the source "
            "language, or name the source language instead of 'auto'."
        )
    identifier, labels = _identifier()
    label, probability = identifier.classify(text)
    language = labels[label]
    if language.code in _CHINESE_CODES:  # the model's zh/yue split is not trusted
        probability = sum(p for code, p in identifier.rank(text) if code in _CHINESE_CODES)
        language = _chinese(text)
    return Detection(language=language, confidence=min(1.0, float(probability)))
