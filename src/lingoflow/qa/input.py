"""What a QA check looks at: one source segment, its translation, the pair and the terms.

:class:`CheckInput` is immutable; what several checks need (the protected spans of both
texts, the target's detected language, its script profile) is computed once, on first use,
and cached on the instance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from lingoflow.detection import detect
from lingoflow.errors import InputError
from lingoflow.glossary.matcher import TermMatch
from lingoflow.languages import Language, resolve
from lingoflow.pipeline.protect import ProtectedText, protect
from lingoflow.qa.text import letters_by_script
from lingoflow.types import Detection

__all__ = ["CheckInput"]

DETECT_CHARS = 200
"""Characters of the target the language detector reads (its cost grows with length)."""
_TOKEN = re.compile(r"\{\{[0-9]+\}\}")
_MASK = "\ufffc"


@dataclass(frozen=True)
class CheckInput:
    """One translated segment to check.

    ``glossary`` holds the glossary matches found in the source (from
    :meth:`~lingoflow.glossary.matcher.TermMatcher.match`); ``required_terms`` must occur in
    the target and ``forbidden_terms`` must not (a project's lists, matched ignoring case).
    """

    source: str
    target: str
    source_lang: Language
    target_lang: Language
    glossary: Sequence[TermMatch] = ()
    required_terms: Sequence[str] = ()
    forbidden_terms: Sequence[str] = ()

    @classmethod
    def of(
        cls,
        source: str,
        target: str,
        source_lang: str,
        target_lang: str,
        *,
        glossary: Sequence[TermMatch] = (),
        required_terms: Sequence[str] = (),
        forbidden_terms: Sequence[str] = (),
    ) -> CheckInput:
        """Build an input from language names or codes (``"en"``, ``"German"``)."""
        languages = resolve(source_lang), resolve(target_lang)
        return cls(source, target, *languages, glossary, required_terms, forbidden_terms)

    @cached_property
    def source_protected(self) -> ProtectedText:
        """Return the source with its placeholders, tags, URLs and e-mails protected."""
        return protect(self.source)

    @cached_property
    def target_protected(self) -> ProtectedText:
        """Return the target with its placeholders, tags, URLs and e-mails protected."""
        return protect(self.target)

    @cached_property
    def source_masked(self) -> str:
        """Return the source with each protected span replaced by U+FFFC (no digits, no letters)."""
        return _TOKEN.sub(_MASK, self.source_protected.text)

    @cached_property
    def target_masked(self) -> str:
        """Return the target with each protected span replaced by U+FFFC (no digits, no letters)."""
        return _TOKEN.sub(_MASK, self.target_protected.text)

    @cached_property
    def target_scripts(self) -> Counter[str]:
        """Return the target's letters counted by script, protected spans left out."""
        return letters_by_script(self.target_masked)

    @cached_property
    def target_detection(self) -> Detection | None:
        """Return the detected language of the target's first ``DETECT_CHARS`` characters."""
        try:
            return detect(self.target_masked[:DETECT_CHARS])
        except InputError:
            return None
