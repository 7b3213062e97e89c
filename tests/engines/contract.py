"""The contract every engine passes: subclass ``EngineContract`` once per engine.

A subclass provides two fixtures: ``engine`` (a ready instance, closed by the fixture) and
``translation_request`` (a language pair the engine supports). The sentences carry distinct
numbers so that order can be checked on any engine without knowing its translations.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.types import Segment, TranslationRequest

SENTENCES: Sequence[str] = (
    "I bought 3 apples at the market.",
    "The train leaves at 7 in the morning.",
    "She has 12 books on her desk.",
    "We waited 45 minutes for the bus.",
)
NUMBERS = ("3", "7", "12", "45")


@pytest.mark.anyio
class EngineContract:
    """Generic checks for any :class:`~lingoflow.engines.base.Engine`."""

    def test_declares_name_and_capabilities(self, engine: Engine) -> None:
        assert isinstance(engine.name, str)
        assert engine.name
        for flag in ("needs_key", "supports_terms", "supports_examples", "supports_domain"):
            assert isinstance(getattr(engine, flag), bool)
        assert engine.max_input_tokens > 0
        assert isinstance(type(engine).availability(engine.config), Availability)
        assert isinstance(type(engine).availability(EngineConfig()), Availability)

    def test_supports_the_test_pair(
        self, engine: Engine, translation_request: TranslationRequest
    ) -> None:
        assert engine.supports_pair(translation_request.source, translation_request.target)

    async def test_empty_batch_gives_empty_list(
        self, engine: Engine, translation_request: TranslationRequest
    ) -> None:
        assert await engine.translate_batch([], translation_request) == []

    async def test_batch_gives_one_translation_per_segment_in_order(
        self, engine: Engine, translation_request: TranslationRequest
    ) -> None:
        outputs = await engine.translate_batch([Segment(s) for s in SENTENCES], translation_request)
        assert len(outputs) == len(SENTENCES)
        for source, number, output in zip(SENTENCES, NUMBERS, outputs, strict=True):
            assert output.text.strip(), f"empty translation of {source!r}"
            assert output.text.strip() != source, f"{source!r} came back untranslated"
            assert number in output.text, f"{output.text!r} is not the translation of {source!r}"
            assert output.model
            assert output.usage.input_tokens >= 0
            assert output.usage.output_tokens >= 0
