"""Checks that spans which must survive translation verbatim did: placeholders, tags, links.

The spans come from :func:`lingoflow.pipeline.protect.protect`, the same detector the
pipeline masks with, so QA and protection agree on what a placeholder is. Each check
compares the multiset of spans of its kinds in source and target: a span missing, added or
repeated a different number of times is one finding per distinct span.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from lingoflow.pipeline.protect import ProtectedText
from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check

__all__ = ["emails", "placeholders", "tags", "urls"]

_PLACEHOLDER_KINDS = frozenset({"icu", "brace", "template", "printf", "dollar", "i18next", "code"})
# Attributes whose values are text for people and are translated with the segment.
_TRANSLATABLE_ATTRIBUTE = re.compile(
    r"\s+(?:title|alt|aria-label|placeholder|label)\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)",
    re.IGNORECASE,
)


def _spans(protected: ProtectedText, kinds: frozenset[str]) -> Counter[str]:
    """Return how often each span of ``kinds`` occurs."""
    return Counter(span.original for span in protected.spans if span.kind in kinds)


def _tag_key(tag: str) -> str:
    """Return a tag without its translatable attributes, for comparing identity."""
    return _TRANSLATABLE_ATTRIBUTE.sub("", tag)


def _differences(source: Counter[str], target: Counter[str]) -> Iterator[Details]:
    """Yield one details mapping per span whose count differs between source and target."""
    for span in sorted(source.keys() | target.keys()):
        expected, found = source[span], target[span]
        if expected != found:
            yield {"span": span, "expected": expected, "found": found}


def _compare(item: CheckInput, kinds: frozenset[str]) -> Iterator[Details]:
    """Compare the spans of ``kinds`` between the source and target of ``item``."""
    return _differences(_spans(item.source_protected, kinds), _spans(item.target_protected, kinds))


@check("placeholders", Severity.CRITICAL)
def placeholders(item: CheckInput) -> Iterator[Details]:
    """Placeholder {span} appears {found} time(s) in the translation, {expected} in the source.

    printf-like text in a translation whose source has no printf placeholder is prose
    (German ``100%ig``), not a placeholder, and is left out.
    """
    source = item.source_protected.spans
    kinds = _PLACEHOLDER_KINDS
    if not any(span.kind == "printf" for span in source):
        kinds = kinds - {"printf"}
    return _compare(item, kinds)


@check("tags", Severity.CRITICAL)
def tags(item: CheckInput) -> Iterator[Details]:
    """Tag {span} appears {found} time(s) in the translation, {expected} in the source."""
    source = Counter(_tag_key(s.original) for s in item.source_protected.spans if s.kind == "tag")
    target = Counter(_tag_key(s.original) for s in item.target_protected.spans if s.kind == "tag")
    return _differences(source, target)


@check("urls", Severity.CRITICAL)
def urls(item: CheckInput) -> Iterator[Details]:
    """URL {span} appears {found} time(s) in the translation, {expected} in the source."""
    return _compare(item, frozenset({"url"}))


@check("emails", Severity.CRITICAL)
def emails(item: CheckInput) -> Iterator[Details]:
    """E-mail {span} appears {found} time(s) in the translation, {expected} in the source."""
    return _compare(item, frozenset({"email"}))
