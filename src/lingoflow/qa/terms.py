"""Terminology checks: the glossary, and a project's required and forbidden terms.

The glossary check wraps :func:`lingoflow.glossary.matcher.check_terms` (stemmed, case- and
form-aware matching). Required and forbidden terms are plain lists: a term matches ignoring
case, as a whole word in scripts with spaces and anywhere in scripts without them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from lingoflow.glossary.matcher import check_terms
from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check

__all__ = ["forbidden_terms", "glossary", "required_terms"]

_NO_SPACE = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)


@functools.lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    """Return a case-insensitive pattern for ``term`` (whole word unless spaceless script)."""
    body = r"\s+".join(map(re.escape, term.split()))
    if _NO_SPACE.search(term):
        return re.compile(body, re.IGNORECASE)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _occurs(term: str, text: str) -> bool:
    """Tell whether ``term`` occurs in ``text``."""
    return _pattern(term).search(text) is not None


@check("glossary", Severity.MAJOR)
def glossary(item: CheckInput) -> Iterator[Details]:
    """Glossary not followed: {problem}."""
    if item.glossary:
        for finding in check_terms(item.glossary, item.target, item.target_lang.code):
            yield {"problem": finding.message}


@check("required-terms", Severity.MAJOR)
def required_terms(item: CheckInput) -> Iterator[Details]:
    """Required term {term!r} is not in the translation."""
    for term in item.required_terms:
        if term.strip() and not _occurs(term, item.target):
            yield {"term": term}


@check("forbidden-terms", Severity.MAJOR)
def forbidden_terms(item: CheckInput) -> Iterator[Details]:
    """Forbidden term {term!r} is in the translation."""
    for term in item.forbidden_terms:
        if term.strip() and _occurs(term, item.target):
            yield {"term": term}
