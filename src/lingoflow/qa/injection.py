"""The prompt-injection check: the output obeys the source instead of translating it.

A source may carry instructions ("ignore the previous instructions and ...", "translate this
into French", "answer the following question") that an LLM engine follows. The check
reports the output when:

- it holds assistant boilerplate the source lacks ("As an AI", "here is the translation",
  "I'm sorry, but I can't"): no translation of a text without them says that; or
- the source holds an instruction, and the output shows it was followed: it opens with an
  assistant's assent ("Sure", "Bien sûr", "当然") the source does not open with, it is in
  another language (the wrong-language rules), or it is under half the expected length.

Requiring an instruction in the source for the weaker signals keeps false positives low: on
ordinary text only the boilerplate fires.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lingoflow.qa.form import density
from lingoflow.qa.input import CheckInput
from lingoflow.qa.language import wrong_language_of
from lingoflow.qa.registry import Details, Severity, check

__all__ = ["prompt_injection", "source_instruction"]

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}?\b(?:instructions?|prompts?|rules|"
    r"above|previous|everything)\b"
    r"|\btranslate\b[^.!?]{0,30}?\b(?:into|to|in)\s+(?:[A-Z][a-z]+|english|french|german|"
    r"spanish|chinese|japanese|korean)\b"
    r"|\b(?:you are now|act as|pretend (?:to be|you are)|system prompt|new instructions?)\b"
    r"|\b(?:respond|reply|answer) (?:only )?(?:with|in|the following|this|my)\b"
    r"|\b(?:do not|don't) translate\b"
    r"|\b(?:write|compose|tell me|give me) (?:a|an|me a) (?:poem|story|essay|haiku|joke|"
    r"summary|list|recipe)\b"
    r"|\binstead,? (?:write|say|answer|tell|reply|respond|output)\b",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\bas an ai\b|\b(?:ai|large) language model\b|\bhere(?:'s| is) (?:the|your|my) "
    r"translation\b|\bi(?:'m| am) (?:sorry|unable)\b[^.!?]{0,30}\b(?:can(?:'t|not)|unable)\b"
    r"|\bi can(?:'t|not) (?:help|assist|translate|comply)\b",
    re.IGNORECASE,
)
_ASSENT = re.compile(
    r"^\W*(?:sure|certainly|of course|absolutely|okay|ok|alright|here (?:is|are)|"
    r"bien sûr|d'accord|voici|claro|por supuesto|aquí (?:está|tienes)|natürlich|klar|gerne|"
    r"hier (?:ist|sind)|certo|certamente|конечно)(?!\w)"
    r"|^\W*(?:好的|当然|當然|没问题|もちろん|はい|承知しました|かしこまりました|물론|네,|알겠습니다)",
    re.IGNORECASE,
)
MAX_SHORT = 0.5
"""An output under this share of its expected length did not translate the whole source."""


def source_instruction(text: str) -> str | None:
    """Return the instruction-like phrase in ``text``, if any."""
    found = _INSTRUCTION.search(text)
    return found.group() if found else None


def _followed(item: CheckInput) -> str | None:
    """Return how the output shows it followed the source's instruction, if it does."""
    if _ASSENT.match(item.target) and not _ASSENT.match(item.source):
        return "it opens like an assistant's answer"
    found = wrong_language_of(item)
    if found is not None:
        return f"it is in {found}"
    scale = density(item.target_lang.code) / density(item.source_lang.code)
    expected = len(item.source_masked.strip()) * scale
    if len(item.target_masked.strip()) < MAX_SHORT * expected:
        return "it is far shorter than a translation would be"
    return None


@check("prompt-injection", Severity.CRITICAL)
def prompt_injection(item: CheckInput) -> Iterator[Details]:
    """The output seems to answer the source instead of translating it: {evidence}."""
    boilerplate = _BOILERPLATE.search(item.target)
    if boilerplate and not _BOILERPLATE.search(item.source):
        yield {"evidence": f"it says {boilerplate.group()!r}"}
        return
    instruction = source_instruction(item.source)
    if instruction is None:
        return
    evidence = _followed(item)
    if evidence is not None:
        yield {"evidence": f"the source says {instruction!r} and {evidence}"}
