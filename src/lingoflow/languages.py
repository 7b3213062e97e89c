"""The language registry: the 92 languages of Qwen-MT, their codes, tags and names.

(Placeholder header: the registry table and lookup are being written; see resolve().)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    """One supported language.

    ``name`` is the English name Qwen-MT expects in ``translation_options``; ``code`` is
    Qwen-MT's code (``zh_tw`` with an underscore); ``bcp47`` is the IETF tag (``zh-TW``);
    ``autonym`` is the language's name for itself (``한국어``).
    """

    name: str
    code: str
    bcp47: str
    autonym: str

    def __str__(self) -> str:
        return self.name
