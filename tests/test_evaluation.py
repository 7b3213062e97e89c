"""The evaluation library: test-set checks, tokenizer choice, scores equal to sacrebleu's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF

from lingoflow.engines.base import EngineConfig
from lingoflow.errors import InputError, UnsupportedLanguagePairError
from lingoflow.evaluation import (
    bleu_tokenizer,
    evaluate,
    lines_hash,
    load_test_set,
    score,
)
from lingoflow.languages import resolve
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.translator import Translator
from tests.fakes.dashscope import FakeDashScope

DATA = Path(__file__).parent / "data" / "eval"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def translator(fake: FakeDashScope) -> Iterator[Translator]:
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    with Translator("qwen-mt", config, options=PipelineOptions(use_cache=False)) as t:
        yield t


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_scores_equal_sacrebleus_own_metrics() -> None:
    sources, references = load_test_set(DATA / "ntrex-eng.txt", DATA / "ntrex-spa.txt")
    hypotheses = [s.replace("the", "el") for s in sources]
    scores = score(hypotheses, references, resolve("es"))
    assert scores.bleu == BLEU().corpus_score(hypotheses, [references]).score
    assert scores.chrf == CHRF().corpus_score(hypotheses, [references]).score
    assert "tok:13a" in scores.bleu_signature
    assert "nc:6" in scores.chrf_signature


@pytest.mark.parametrize(
    ("target", "tokenizer"),
    [
        pytest.param("es", "13a", id="spanish"),
        pytest.param("zh", "zh", id="chinese"),
        pytest.param("zh_tw", "zh", id="traditional-chinese"),
        pytest.param("ko", "13a", id="korean"),
    ],
)
def test_bleu_tokenizer_follows_the_target(target: str, tokenizer: str) -> None:
    assert bleu_tokenizer(resolve(target)) == (tokenizer, "")


def test_japanese_uses_mecab_or_says_why_not() -> None:
    tokenizer, note = bleu_tokenizer(resolve("ja"))
    assert (tokenizer, bool(note)) in {("ja-mecab", False), ("char", True)}
    scores = score(["猫が好きです"], ["猫が好きです"], resolve("ja"))
    assert scores.bleu == pytest.approx(100)
    assert f"tok:{tokenizer}" in scores.bleu_signature


def test_evaluate_measures_the_engine(translator: Translator, fake: FakeDashScope) -> None:
    sources = ["Hello world", "", "Good morning"]
    references = ["[Spanish] Hello world", "", "Buenos días"]
    before = len(fake.requests)
    result = evaluate(translator, sources, references, "en", "es")
    assert result.hypotheses == ("[Spanish] Hello world", "", "[Spanish] Good morning")
    assert (result.engine, result.source, result.target, result.segments) == (
        "qwen-mt",
        "en",
        "es",
        3,
    )
    assert result.bleu == BLEU().corpus_score(list(result.hypotheses), [references]).score
    assert result.input_tokens > 0
    assert result.output_tokens > 0
    assert result.seconds_per_segment > 0
    assert result.sources_hash == lines_hash(sources)
    assert result.references_hash == lines_hash(references)
    again = evaluate(translator, sources, references, "en", "es")
    assert again.bleu == result.bleu
    assert len(fake.requests) - before == 4  # no cache: the engine is asked both times


@pytest.mark.parametrize(
    ("src", "ref", "message"),
    [
        pytest.param(
            "a\nb\nc\n", "x\ny\n", "reference has 2 lines but the source has 3", id="short"
        ),
        pytest.param(
            "a\nb\n", "x\ny\nz\n", "reference has 3 lines but the source has 2", id="long"
        ),
        pytest.param("a\n\nc\n", "x\ny\nz\n", "misaligned at line 2", id="blank"),
        pytest.param("", "x\n", "source file", id="empty-source"),
        pytest.param("a\n", "\n\n", "reference file", id="empty-reference"),
    ],
)
def test_bad_test_sets_are_refused(tmp_path: Path, src: str, ref: str, message: str) -> None:
    src_path, ref_path = _write(tmp_path / "src.txt", src), _write(tmp_path / "ref.txt", ref)
    with pytest.raises(InputError, match=message):
        load_test_set(src_path, ref_path)


def test_limit_takes_the_first_lines_of_aligned_files() -> None:
    sources, references = load_test_set(DATA / "ntrex-eng.txt", DATA / "ntrex-spa.txt", 5)
    assert (len(sources), len(references)) == (5, 5)
    with pytest.raises(InputError, match="at least 1"):
        load_test_set(DATA / "ntrex-eng.txt", DATA / "ntrex-spa.txt", 0)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read the source file"):
        load_test_set(tmp_path / "nope.txt", DATA / "ntrex-spa.txt")


@pytest.mark.apertium
def test_unsupported_pair_fails_before_translating() -> None:
    with (
        Translator("apertium") as translator,
        pytest.raises(UnsupportedLanguagePairError, match="cannot translate English → Korean"),
    ):
        evaluate(translator, ["Hello"], ["안녕"], "en", "ko")


@pytest.mark.apertium
def test_copied_lines_do_not_hide_the_model_that_translated() -> None:
    """A line with nothing to translate is copied and names no pair; the result still does."""
    options = PipelineOptions(use_cache=False)
    with Translator("apertium", options=options) as translator:
        result = evaluate(
            translator, ["The house is big.", "2019"], ["La casa es grande.", "2019"], "en", "es"
        )
    assert result.model == "apertium eng-spa"
