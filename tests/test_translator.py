"""The Translator library API end to end, through the qwen-mt engine and a real local server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.errors import InputError, UnsupportedLanguagePairError
from lingoflow.languages import resolve
from tests.fakes.dashscope import FakeDashScope


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def translator(fake: FakeDashScope) -> Iterator[Translator]:
    fake.reset()
    with Translator("qwen-mt", EngineConfig(base_url=fake.base_url, api_key=fake.api_key)) as t:
        yield t


def test_translate_one_text_reports_engine_model_usage_and_detected_source(
    translator: Translator, fake: FakeDashScope
) -> None:
    result = translator.translate("Guten Morgen, wie geht es dir?", to="ko")
    assert result.text == "[Korean] Guten Morgen, wie geht es dir?"
    assert (result.engine, result.model) == ("qwen-mt", "qwen-mt-flash")
    assert result.usage.input_tokens > 0
    assert result.usage.output_tokens > 0
    assert result.detected is not None
    assert result.detected.language.code == "de"
    assert result.source.code == "de"
    # Qwen-MT detects the source itself: an unconfirmed guess is not forced on it.
    assert fake.bodies[-1]["translation_options"]["source_lang"] == "auto"


def test_explicit_source_is_sent_by_name(translator: Translator, fake: FakeDashScope) -> None:
    translator.translate("Hello", to="ja", source="en")
    options = fake.bodies[-1]["translation_options"]
    assert (options["source_lang"], options["target_lang"]) == ("English", "Japanese")


def test_translate_multi_gives_text_by_target_grid(translator: Translator) -> None:
    rows = translator.translate_multi(["One.", "Two."], ["ko", "ja", "es"], source="en")
    assert [[t.text for t in row] for row in rows] == [
        ["[Korean] One.", "[Japanese] One.", "[Spanish] One."],
        ["[Korean] Two.", "[Japanese] Two.", "[Spanish] Two."],
    ]
    assert [t.target.code for t in rows[0]] == ["ko", "ja", "es"]


def test_duplicate_targets_are_translated_once(translator: Translator) -> None:
    rows = translator.translate_multi(["One."], ["ko", "Korean", "한국어"], source="en")
    assert len(rows[0]) == 1


def test_lines_and_blank_lines_keep_their_layout(
    translator: Translator, fake: FakeDashScope
) -> None:
    text = "  First line.\n\nSecond line.  \r\n\n\n"
    result = translator.translate(text, to="fr", source="en")
    assert result.text == "  [French] First line.\n\n[French] Second line.  \r\n\n\n"
    sent = [body["messages"][0]["content"] for body in fake.bodies]
    assert sent == ["First line.", "Second line."]
    # The stand-in bills one token per word: two lines of two words each.
    assert (result.usage.input_tokens, result.usage.output_tokens) == (4, 6)


def test_empty_texts_in_a_batch_need_no_engine_call(
    translator: Translator, fake: FakeDashScope
) -> None:
    results = translator.translate_batch(["", "Hello", "  "], to="es", source="en")
    assert [r.text for r in results] == ["", "[Spanish] Hello", "  "]
    assert len(fake.requests) == 1


def test_same_source_and_target_returns_text_unchanged(
    translator: Translator, fake: FakeDashScope
) -> None:
    assert translator.translate("Hello", to="en", source="English").text == "Hello"
    assert fake.requests == []


def test_empty_text_is_an_input_error(translator: Translator) -> None:
    with pytest.raises(InputError, match="empty"):
        translator.translate(" \n ", to="es")


@pytest.mark.anyio
async def test_async_api_uses_one_connection_pool_across_calls(fake: FakeDashScope) -> None:
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    async with Translator("qwen-mt", config) as translator:
        first = await translator.atranslate("Hello", to="de", source="en")
        batch = await translator.atranslate_batch(["a b", "c d"], to=resolve("de"), source="en")
    assert first.text == "[German] Hello"
    assert [t.text for t in batch] == ["[German] a b", "[German] c d"]


def test_engine_that_needs_a_source_rejects_auto() -> None:
    translator = Translator("apertium")
    with pytest.raises(UnsupportedLanguagePairError, match="cannot translate"):
        translator.translate("Hello", to="ja", source="en")
