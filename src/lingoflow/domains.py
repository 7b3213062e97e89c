"""Domain prompts: built-in domains as the one English sentence Qwen-MT's ``domains`` takes.

The same sentence goes into the prompt of general chat engines. A value that is not a
built-in name is taken as the user's own sentence (Qwen-MT wants English, one sentence).
"""

from __future__ import annotations

from lingoflow.errors import ConfigurationError

__all__ = ["DOMAINS", "FORMALITIES", "domain_sentence", "formality_value"]

DOMAINS: dict[str, str] = {
    "legal": (
        "The text is from the legal domain; keep the precise legal terminology and the formal, "
        "unambiguous style of contracts and statutes."
    ),
    "medical": (
        "The text is from the medical domain; use accurate clinical terminology, keep dosages "
        "and units exact, and write in the style of medical documentation."
    ),
    "financial": (
        "The text is from the financial domain; use standard finance and accounting terminology "
        "and keep figures, currencies and dates exact."
    ),
    "technical": (
        "The text is from the IT and technical domain; use established technical terminology "
        "and the concise style of software documentation."
    ),
    "marketing": (
        "The text is marketing copy; keep it persuasive, natural and idiomatic for the target "
        "audience rather than literal."
    ),
    "e-commerce": (
        "The text is from an e-commerce product catalogue; use the concise, attractive style of "
        "product listings and keep sizes, prices and specifications exact."
    ),
    "customer-support": (
        "The text is a customer support conversation; be polite, clear and helpful, in the "
        "style of a professional support agent."
    ),
    "casual": (
        "The text is casual everyday conversation; use a natural, relaxed, colloquial style."
    ),
}
_ALIASES = {
    "ecommerce": "e-commerce",
    "support": "customer-support",
    "customer support": "customer-support",
    "it": "technical",
    "tech": "technical",
    "finance": "financial",
    "law": "legal",
}
FORMALITIES = ("formal", "informal")


def domain_sentence(value: str | None) -> str | None:
    """Return the English domain sentence for a built-in name, or ``value`` itself if custom."""
    if value is None or not value.strip():
        return None
    key = value.strip().lower()
    key = _ALIASES.get(key, key)
    if key in DOMAINS:
        return DOMAINS[key]
    if len(value.split()) < 3:
        names = ", ".join(DOMAINS)
        raise ConfigurationError(
            f"Unknown domain {value!r}. Use one of {names}, or describe the domain in one "
            'English sentence, e.g. "The text is from a video game\'s user interface."'
        )
    return value.strip()


def formality_value(value: str | None) -> str | None:
    """Validate a formality setting (``formal``, ``informal`` or none)."""
    if value is None or value == "" or value == "default":
        return None
    if value.lower() not in FORMALITIES:
        raise ConfigurationError(f"Unknown formality {value!r}: use formal or informal.")
    return value.lower()
