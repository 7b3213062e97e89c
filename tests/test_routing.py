"""Routing by measured quality: the rule on stored results, and ``auto`` over real settings.

The rule's tests give candidates as data (a name, a model and the pairs they can do); the
end-to-end tests build the candidates from real settings and engine availability and read
the results from a real SQLite file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lingoflow.errors import UnsupportedLanguagePairError
from lingoflow.evaluation import EvalResult
from lingoflow.languages import Language, resolve
from lingoflow.routing import (
    Candidate,
    available_candidates,
    best_engine,
    resolve_engine_name,
    route,
)
from lingoflow.settings import Settings
from lingoflow.storage import Storage
from lingoflow.storage.evals import EvalStore

EN, ES, DE, PT = (resolve(c) for c in ("en", "es", "de", "pt"))
T0 = datetime(2026, 1, 1, tzinfo=UTC)
NTREX_50 = ("src50", "ref50")


def result(
    engine: str,
    model: str,
    pair: str,
    chrf: float,
    *,
    minutes: int = 0,
    test_set: tuple[str, str] = NTREX_50,
) -> EvalResult:
    """An evaluation of ``engine``/``model`` on ``pair`` (``en-es``) made ``minutes`` after T0."""
    source, target = pair.split("-")
    return EvalResult(
        engine=engine,
        model=model,
        source=source,
        target=target,
        segments=50,
        bleu=chrf / 3,
        chrf=chrf,
        bleu_signature="nrefs:1|tok:13a",
        chrf_signature="nrefs:1|nc:6",
        seconds_per_segment=0.5,
        input_tokens=0,
        output_tokens=0,
        sources_hash=test_set[0],
        references_hash=test_set[1],
        version="0.1.0",
        created_at=T0 + timedelta(minutes=minutes),
    )


def candidate(name: str, model: str, *pairs: str) -> Candidate:
    """A candidate that translates ``pairs`` (``en-es``); ``*`` as target means any target."""

    def supports(source: Language | None, target: Language) -> bool:
        code = source.code if source else "auto"
        return f"{code}-{target.code}" in pairs or f"{code}-*" in pairs

    return Candidate(name, model, supports)


APERTIUM = candidate("apertium", "apertium", "en-es", "es-en", "es-pt")
LOCAL = candidate("local", "qwen2.5-0.5b", "en-*", "es-*", "auto-*")
BOTH = [APERTIUM, LOCAL]


def test_the_highest_chrf_on_the_pair_wins() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1),
        result("local", "qwen2.5-0.5b", "en-es", 42.3),
    ]
    chosen = best_engine(EN, [ES], BOTH, results, default="local")
    assert chosen.engine == "apertium"
    assert chosen.measured
    assert "en→es: apertium chrF 49.1 (50 segments), local chrF 42.3" in chosen.reason


def test_the_most_recent_result_of_an_engine_counts() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1, minutes=1),
        result("local", "qwen2.5-0.5b", "en-es", 55.0, minutes=2),
        result("local", "qwen2.5-0.5b", "en-es", 40.0, minutes=3),  # re-measured: worse
    ]
    assert best_engine(EN, [ES], BOTH, results).engine == "apertium"


def test_results_of_another_model_do_not_count() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1),
        result("local", "qwen2.5-1.5b", "en-es", 52.2),  # not the model configured now
        result("local", "qwen2.5-0.5b", "en-es", 42.3),
    ]
    assert best_engine(EN, [ES], BOTH, results).engine == "apertium"


def test_engines_are_compared_on_the_test_set_they_share() -> None:
    other = ("src30", "ref30")
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1, minutes=1),
        result("local", "qwen2.5-0.5b", "en-es", 42.3, minutes=2),
        result("local", "qwen2.5-0.5b", "en-es", 60.0, minutes=3, test_set=other),
    ]
    chosen = best_engine(EN, [ES], BOTH, results)
    assert chosen.engine == "apertium"
    assert "local chrF 42.3" in chosen.reason


def test_a_result_on_another_test_set_still_counts_and_says_so() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1, minutes=1),
        result("local", "qwen2.5-0.5b", "en-es", 50.0, minutes=2, test_set=("a", "b")),
    ]
    chosen = best_engine(EN, [ES], BOTH, results)
    assert chosen.engine == "local"
    assert "another test set" in chosen.reason


def test_an_engine_that_cannot_do_the_pair_is_never_chosen() -> None:
    results = [result("apertium", "apertium eng-spa", "en-es", 99.0)]
    chosen = best_engine(EN, [DE], BOTH, results, default="apertium")
    assert chosen.engine == "local"


def test_without_measurements_the_default_order_decides() -> None:
    chosen = best_engine(ES, [PT], BOTH, [], default="apertium")
    assert chosen.engine == "apertium"
    assert not chosen.measured
    assert "no stored evaluation" in chosen.reason
    assert best_engine(ES, [PT], BOTH, [], default=None).engine == "local"


def test_an_unmeasured_engine_loses_to_a_measured_one() -> None:
    results = [result("apertium", "apertium es-pt", "es-pt", 30.0)]
    chosen = best_engine(ES, [PT], BOTH, results, default="local")
    assert chosen.engine == "apertium"
    assert "not measured: local" in chosen.reason


def test_ties_go_to_the_default_order() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 45.0),
        result("local", "qwen2.5-0.5b", "en-es", 45.0),
    ]
    assert best_engine(EN, [ES], BOTH, results, default="local").engine == "local"
    assert best_engine(EN, [ES], BOTH, results, default="apertium").engine == "apertium"


def test_several_targets_get_the_engine_able_to_do_all_of_them() -> None:
    results = [
        result("apertium", "apertium eng-spa", "en-es", 49.1),
        result("local", "qwen2.5-0.5b", "en-es", 42.3),
        result("local", "qwen2.5-0.5b", "en-de", 40.0),
    ]
    chosen = best_engine(EN, [ES, DE], BOTH, results)
    assert chosen.engine == "local"  # apertium cannot translate into German
    assert "en→es: apertium chrF 49.1 (50 segments), local chrF 42.3" in chosen.reason


def test_several_targets_go_by_the_mean_chrf() -> None:
    wide = candidate("openai", "qwen", "en-*")
    results = [
        result("local", "qwen2.5-0.5b", "en-es", 40.0),
        result("local", "qwen2.5-0.5b", "en-de", 40.0),
        result("openai", "qwen", "en-es", 60.0),
        result("openai", "qwen", "en-de", 30.0),  # worse for German, better on average
    ]
    chosen = best_engine(EN, [ES, DE], [LOCAL, wide], results)
    assert chosen.engine == "openai"
    assert "en→de: local chrF 40.0" in chosen.reason  # each target's own best is named
    assert "best mean chrF (45.0)" in chosen.reason


def test_an_auto_source_is_routed_by_the_default_order() -> None:
    results = [result("apertium", "apertium eng-spa", "en-es", 99.0)]
    chosen = best_engine(None, [ES], BOTH, results, default="apertium")
    assert chosen.engine == "local"  # apertium needs a known source
    assert "source language is auto" in chosen.reason


def test_no_capable_engine_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedLanguagePairError, match=r"No engine available here .*pt→de"):
        best_engine(PT, [DE], BOTH, [])


# End to end: real settings, real engine availability, a real SQLite file.


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(home=tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Apertium with eng-spa and spa-eng, openai with a URL, no local model, no Qwen-MT key."""
    modes = tmp_path / "apertium" / "modes"
    modes.mkdir(parents=True)
    for mode in ("eng-spa", "spa-eng"):
        (modes / f"{mode}.mode").write_text("")
    engines = {
        "apertium": {"modes_dir": str(modes), "apertium_bin": sys.executable},
        "openai": {"base_url": "http://127.0.0.1:9/v1", "model": "qwen2.5-0.5b"},
        "local": {"model": str(tmp_path / "missing.gguf")},
    }
    return Settings(home=tmp_path / "home", engine="local", engines=engines)


def test_candidates_are_the_usable_engines_with_their_models(settings: Settings) -> None:
    found = {c.name: c for c in available_candidates(settings)}
    assert sorted(found) == ["apertium", "openai"]
    assert found["openai"].model == "qwen2.5-0.5b"
    assert found["apertium"].supports_pair(EN, ES)
    assert not found["apertium"].supports_pair(EN, DE)


def test_auto_routes_each_pair_from_stored_results(settings: Settings, storage: Storage) -> None:
    store = EvalStore(storage.database)
    store.add(result("apertium", "apertium eng-spa", "en-es", 49.1))
    store.add(result("openai", "qwen2.5-0.5b", "en-es", 42.3))
    store.add(result("openai", "qwen2.5-0.5b", "en-de", 27.0))
    assert resolve_engine_name("auto", "en", ["es"], settings, storage) == "apertium"
    assert resolve_engine_name("auto", "en", ["de"], settings, storage) == "openai"
    assert resolve_engine_name("auto", "es", ["en"], settings, storage) == "apertium"
    assert route("en", ["es", "de"], settings, storage).engine == "openai"


def test_a_named_engine_is_kept_without_reading_anything(
    settings: Settings, storage: Storage
) -> None:
    assert resolve_engine_name("qwen-mt", "en", ["es"], settings, storage) == "qwen-mt"


def test_auto_for_a_pair_no_engine_here_can_do_fails_clearly(
    settings: Settings, storage: Storage
) -> None:
    engines = {k: v for k, v in settings.engines.items() if k != "openai"}
    apertium_only = replace(settings, engines=engines)
    with pytest.raises(UnsupportedLanguagePairError, match=r"en→de \(usable engines: apertium"):
        resolve_engine_name("auto", "en", ["de"], apertium_only, storage)
