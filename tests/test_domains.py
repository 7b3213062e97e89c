"""Domain prompts: built-in names, aliases, custom sentences and bad values."""

from __future__ import annotations

import pytest

from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import ConfigurationError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("legal", DOMAINS["legal"], id="builtin"),
        pytest.param("  Medical ", DOMAINS["medical"], id="case-and-space"),
        pytest.param("ecommerce", DOMAINS["e-commerce"], id="alias"),
        pytest.param("support", DOMAINS["customer-support"], id="alias-support"),
        pytest.param(
            "The text is from a video game's user interface.",
            "The text is from a video game's user interface.",
            id="custom-sentence",
        ),
        pytest.param(None, None, id="none"),
        pytest.param("  ", None, id="blank"),
    ],
)
def test_domain_sentence(value: str | None, expected: str | None) -> None:
    assert domain_sentence(value) == expected


def test_every_builtin_domain_is_one_english_sentence() -> None:
    assert set(DOMAINS) == {
        "legal",
        "medical",
        "financial",
        "technical",
        "marketing",
        "e-commerce",
        "customer-support",
        "casual",
    }
    for sentence in DOMAINS.values():
        assert sentence.endswith(".")
        assert sentence.count(". ") == 0


def test_unknown_short_domain_is_an_error_listing_the_builtins() -> None:
    with pytest.raises(ConfigurationError, match="legal, medical"):
        domain_sentence("gaming")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("formal", "formal"), ("INFORMAL", "informal"), (None, None), ("default", None)],
)
def test_formality_value(value: str | None, expected: str | None) -> None:
    assert formality_value(value) == expected


def test_unknown_formality_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="formal or informal"):
        formality_value("polite")
