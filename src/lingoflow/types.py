"""The value types that flow through lingoflow: what an engine is asked and what it answers.

Everything here is an immutable (frozen) dataclass with no I/O. ``Language`` lives in
:mod:`lingoflow.languages`; the rest of the pipeline speaks in these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lingoflow.languages import Language

__all__ = [
    "Detection",
    "EngineOutput",
    "Example",
    "Finding",
    "GlossaryEntry",
    "GlossarySelection",
    "Provenance",
    "Segment",
    "SegmentResult",
    "Term",
    "Translation",
    "TranslationRequest",
    "Usage",
]


@dataclass(frozen=True, slots=True)
class Term:
    """A glossary entry sent with a segment: translate ``source`` as ``target``."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Example:
    """An approved source/target pair (translation memory) shown to the engine as a model."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One glossary term for one language pair.

    ``do_not_translate`` entries keep ``source`` unchanged in the target (``target`` equals
    ``source``); ``case_sensitive`` entries match only with the exact case.
    """

    source: str
    target: str
    source_lang: str
    target_lang: str
    note: str = ""
    case_sensitive: bool = False
    do_not_translate: bool = False


@dataclass(frozen=True, slots=True)
class GlossarySelection:
    """Glossary entries in use (any pairs) and the version tag that goes into signatures."""

    entries: tuple[GlossaryEntry, ...]
    version: str = ""

    def for_pair(self, source: str, target: str) -> tuple[GlossaryEntry, ...]:
        """Return the entries for one language pair (Qwen-MT codes)."""
        return tuple(e for e in self.entries if (e.source_lang, e.target_lang) == (source, target))


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit of text for an engine, with the terms and examples relevant to it alone."""

    text: str
    terms: tuple[Term, ...] = ()
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True)
class TranslationRequest:
    """What every segment of one engine call shares: the language pair and the style hints.

    ``source`` is ``None`` when the source language is unknown (``auto``); engines that need
    it must have it resolved (detected) before they are called. ``domain`` is one English
    sentence describing the text's domain and style.
    """

    target: Language
    source: Language | None = None
    domain: str | None = None
    formality: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens an engine call consumed, as the engine reported them (0 when it does not)."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class EngineOutput:
    """An engine's answer for one segment."""

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    key_id: str = ""  # which API key of a pool answered (an id, never the secret); "" for none


class Provenance(StrEnum):
    """Where a translation came from."""

    ENGINE = "engine"
    CACHE = "cache"
    TM_EXACT = "tm-exact"
    COPY = "copy"  # nothing to translate (only placeholders, numbers, punctuation)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a check noticed about one translated segment; data, never an exception.

    ``severity`` is ``critical``, ``major`` or ``minor``; ``check`` names the check that found
    it (``placeholder-lost``, ``term-missing`` ...).
    """

    check: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """One segment of a translated text: where its translation came from and what was found."""

    source: str
    text: str
    provenance: Provenance
    findings: tuple[Finding, ...] = ()
    terms: tuple[Term, ...] = ()
    examples: int = 0
    score: float | None = None  # quality score 0-100 (lingoflow.qa.score); None: not scored


@dataclass(frozen=True, slots=True)
class Detection:
    """A language identification result; ``confidence`` is between 0 and 1."""

    language: Language
    confidence: float


@dataclass(frozen=True, slots=True)
class Translation:
    """One source text translated into one target language, with how it was obtained."""

    source_text: str
    text: str
    source: Language
    target: Language
    engine: str
    model: str
    usage: Usage = field(default_factory=Usage)
    provenance: Provenance = Provenance.ENGINE
    detected: Detection | None = None
    segments: tuple[SegmentResult, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of every segment, in order."""
        return tuple(f for segment in self.segments for f in segment.findings)
