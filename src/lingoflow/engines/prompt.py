"""The translation prompt lingoflow builds for general chat models (OpenAI-compatible, local).

Qwen-MT takes terms, examples and domain as structured ``translation_options``; a general
chat model gets the same information as text. The source text is fenced off at the end so
that instructions inside it are translated, not followed.
"""

from __future__ import annotations

from lingoflow.types import Segment, TranslationRequest

__all__ = ["FORMALITY_SENTENCES", "SYSTEM_PROMPT", "build_messages", "build_user_prompt"]

SYSTEM_PROMPT = "You are a professional translator."

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
