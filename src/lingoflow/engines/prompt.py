"""The translation prompt lingoflow builds for general chat models (OpenAI-compatible, local).

Qwen-MT takes terms, examples and domain as structured ``translation_options``; a general
chat model gets the same information as text. The source text is fenced off at the end so
that instructions inside it are translated, not followed.
"""

from __future__ import annotations

import re

from lingoflow.types import Segment, TranslationRequest

__all__ = [
    "FORMALITY_SENTENCES",
    "LOOP_RETRY_PENALTY",
    "SYSTEM_PROMPT",
    "build_messages",
    "build_user_prompt",
    "clean_output",
]

SYSTEM_PROMPT = "You are a professional translator."

# frequency_penalty for the one retry of an answer that ran into its token cap (a loop); off by
# default because it also discourages copying names and numbers from the source.
LOOP_RETRY_PENALTY = 0.5

FORMALITY_SENTENCES = {
    "formal": "Use a formal register (polite forms of address).",
    "informal": "Use an informal, familiar register.",
}


def build_messages(segment: Segment, request: TranslationRequest) -> list[dict[str, str]]:
    """Return the system and user chat messages asking to translate ``segment``."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": build_user_prompt(segment, request)},
    ]


def build_user_prompt(segment: Segment, request: TranslationRequest) -> str:
    """Return the user message: the task, its hints, then the text to translate."""
    source = f"from {request.source.name} " if request.source else ""
    lines = [f"Translate the following text {source}to {request.target.name}."]
    if request.domain:
        lines.append(request.domain)
    if request.formality in FORMALITY_SENTENCES:
        lines.append(FORMALITY_SENTENCES[request.formality])
    if segment.terms:
        lines.append("Use these term translations:")
        lines.extend(f"- {term.source} => {term.target}" for term in segment.terms)
    if segment.examples:
        lines.append("Earlier approved translations, for consistency:")
        lines.extend(f"- {ex.source} => {ex.target}" for ex in segment.examples)
    lines.append("Output only the translation, nothing else.")
    return "\n".join(lines) + "\n\n" + segment.text


_THINK = re.compile(r"\A\s*<think>.*?</think>\s*", re.DOTALL)
_FENCE = re.compile(r"\A```[\w-]*\n(?P<body>.*?)\n?```\Z", re.DOTALL)
_LABEL = (
    r"\A(?:here\s+is\s+|here's\s+)?(?:the\s+|your\s+)?"
    r"(?:(?:{t}\s+)?(?:translation|translated\s+text)(?:\s+(?:in|into|to)\s+{t})?|{t})"
    r"\s*[:\uff1a]\s*"
)
_NOTE = re.compile(
    r"\n\s*\(?(?:note|notes|explanation|translation\s+notes?|this\s+translation|"
    r"in\s+this\s+translation|i\s+(?:have\s+)?translated)\b.*\Z",
    re.IGNORECASE | re.DOTALL,
)
_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "「": "」", "『": "』"}


def clean_output(text: str, source: str, target: str = "") -> str:
    """Remove the wrappers small chat models put around a translation, conservatively.

    Each rule applies only when the source itself does not have the same feature: a leading
    ``<think>`` block; a code fence around the whole answer; a leading label such as
    ``Translation:`` or ``Spanish translation:`` (``target`` is the target language's English
    name); a trailing paragraph that starts like a note (``Note:``, ``(Explanation ...``);
    quotes around the whole answer. The source's surrounding whitespace is kept.
    """
    cleaned = _THINK.sub("", text).strip()
    stripped_source = source.strip()
    if "```" not in source and (fence := _FENCE.match(cleaned)):
        cleaned = fence.group("body").strip()
    cleaned = _strip_label(cleaned, stripped_source, target)
    if "\n" not in stripped_source:
        cleaned = _NOTE.sub("", cleaned).strip()
    cleaned = _strip_quotes(cleaned, stripped_source)
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()) :]
    return f"{lead}{cleaned}{trail}"


def _strip_label(text: str, source: str, target: str) -> str:
    name = re.escape(target) if target else r"(?!)"
    label = re.compile(_LABEL.format(t=name), re.IGNORECASE)
    match = label.match(text)
    if not match or label.match(source):
        return text
    rest = text[match.end() :].strip()
    return rest or text


def _strip_quotes(text: str, source: str) -> str:
    if len(text) < 2 or text[0] not in _QUOTES or source.startswith(text[0]):
        return text
    opening, closing = text[0], _QUOTES[text[0]]
    inner = text[1:-1]
    if text[-1] != closing or opening in inner or closing in inner:
        return text
    return inner.strip()
