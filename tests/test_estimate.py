"""Dry-run estimates of document runs: counts, cache/TM reuse, cost, and no side effects."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.documents import translate_file, translate_tree
from lingoflow.estimate import Estimate, estimate_file, estimate_tree
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import resolve
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.pipeline.segment import approx_tokens, segment_text
from lingoflow.pricing import DEFAULT_PRICES, OUTPUT_RATIO, Price
from lingoflow.storage import Storage
from lingoflow.storage.tm import TmEntry
from tests.fakes.dashscope import FakeDashScope

TREE = Path(__file__).parent / "data" / "tree"
DOCUMENTS = [
    "README.md",
    "docs/guide/intro.md",
    "docs/index.html",
    "locales/app.yml",
    "locales/en.json",
    "media/subs/drama.srt",
    "po/messages.pot",
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(home=tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def translator(fake: FakeDashScope, storage: Storage) -> Translator:
    fake.reset()
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    return Translator("qwen-mt", config, storage=storage)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TREE, tmp_path / "src"))


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, except the SQLite database's (reads touch its shared-memory file)."""
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    return {rel: p.read_bytes() for rel, p in files.items() if not rel.startswith("home/")}


def _manual(root: Path, max_tokens: int) -> tuple[int, int, int]:
    """Segments, characters and approximate tokens of every document, counted by hand."""
    english = resolve("en")
    segments = characters = tokens = 0
    for rel in DOCUMENTS:
        data = (root / rel).read_bytes()
        for unit in document_class(format_for_path(rel)).parse(data, name=rel).units:
            if not unit.source.strip():
                continue
            for piece in segment_text(unit.source, english, max_tokens=max_tokens):
                if piece.translatable:
                    segments += 1
                    characters += len(piece.text)
                    tokens += approx_tokens(piece.text)
    return segments, characters, tokens


def test_tree_counts_match_a_manual_count_and_nothing_is_called_or_written(
    src: Path, tmp_path: Path, translator: Translator, fake: FakeDashScope
) -> None:
    before = _snapshot(tmp_path)

    estimate = estimate_tree(src, ["de", "ja"], translator, source="en")

    assert fake.requests == []
    assert _snapshot(tmp_path) == before
    segments, characters, tokens = _manual(src, translator.engine.max_input_tokens)
    assert segments > 0
    assert [t.target.code for t in estimate.targets] == ["de", "ja"]
    assert estimate.untranslatable == 2  # logo.png, settings.toml
    assert estimate.failed == ()
    for target in estimate.targets:
        assert target.files == len(DOCUMENTS)
        assert (target.segments, target.characters, target.tokens) == (segments, characters, tokens)
        assert target.cached == target.tm_exact == 0
        assert target.copied + target.repeated + target.engine_segments == target.segments
        costs = {c.model: c for c in target.costs}
        assert set(costs) == set(DEFAULT_PRICES)
        plus = costs["qwen-mt-plus"]
        assert plus.input_tokens == target.engine_tokens > 0
        assert plus.output_tokens == -(-target.engine_tokens * 12 // 10)  # ceil(x * 1.2)
        expected = (plus.input_tokens * 2.46 + plus.output_tokens * 7.37) / 1e6
        assert plus.usd == pytest.approx(expected)
    assert OUTPUT_RATIO == 1.2


def test_after_a_real_run_the_segments_are_cached_and_cost_nothing(
    src: Path, tmp_path: Path, translator: Translator, fake: FakeDashScope
) -> None:
    first = estimate_tree(src, ["de", "es"], translator, source="en")
    report = translate_tree(src, tmp_path / "out", ["de", "es"], translator, source="en")
    assert not report.failed
    # The estimate predicted the run: every segment, and one engine request per engine segment.
    assert sum(t.segments for t in first.targets) == report.segments
    assert sum(t.engine_segments for t in first.targets) == len(fake.requests)
    fake.reset()

    second = estimate_tree(src, ["de", "es"], translator, source="en")

    assert fake.requests == []
    for before, after in zip(first.targets, second.targets, strict=True):
        assert after.segments == before.segments
        assert after.cached == before.engine_segments + before.repeated
        assert after.engine_segments == after.engine_tokens == 0
        assert all(c.usd == 0 for c in after.costs)


def test_a_domain_changes_the_key_so_the_cache_does_not_answer(
    src: Path, tmp_path: Path, translator: Translator
) -> None:
    path = src / "media" / "subs" / "drama.srt"
    translate_file(path, ["de"], translator, out_dir=tmp_path / "out", source="en")

    same = estimate_file(path, ["de"], translator, source="en")
    other = estimate_file(path, ["de"], translator, source="en", domain="Legal contracts.")

    assert same.targets[0].cached > 0
    assert same.targets[0].cached + same.targets[0].copied == same.targets[0].segments
    assert same.targets[0].engine_segments == 0
    assert other.targets[0].cached == 0
    assert other.targets[0].engine_segments > 0


def test_tm_exact_matches_are_counted(src: Path, storage: Storage, fake: FakeDashScope) -> None:
    path = src / "locales" / "en.json"
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    translator = Translator("qwen-mt", config, storage=storage, options=PipelineOptions(tm="main"))
    storage.tm.add(TmEntry("Welcome, {name}!", "Willkommen, {name}!", "en", "de", memory="main"))

    estimate = estimate_file(path, ["de"], translator, source="en")

    assert estimate.targets[0].tm_exact >= 1


def test_prices_are_taken_from_the_given_table(src: Path, translator: Translator) -> None:
    path = src / "README.md"
    prices = {"qwen-mt-plus": Price(1_000_000.0, 0.0)}

    estimate: Estimate = estimate_file(path, ["de"], translator, source="en", prices=prices)

    (cost,) = estimate.targets[0].costs
    assert cost.model == "qwen-mt-plus"
    assert cost.usd == pytest.approx(estimate.targets[0].engine_tokens)
    assert estimate.as_dict()["targets"][0]["cost_usd"]["qwen-mt-plus"]["usd"] == cost.usd


def test_distinct_counts_each_segment_once_per_target(
    tmp_path: Path, translator: Translator
) -> None:
    path = tmp_path / "notes.md"
    path.write_text("Save it. Close it. Save it.\n\nClose it. Open it.\n", encoding="utf-8")

    estimate = estimate_file(path, ["de", "fr"], translator, source="en")

    assert [(t.segments, t.distinct) for t in estimate.targets] == [(5, 3), (5, 3)]
    assert estimate.as_dict()["targets"][0]["distinct_segments"] == 3
