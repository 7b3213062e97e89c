"""Translating documents and folder trees: qwen-mt against the fake server, a real SQLite cache."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.documents import TreeReport, translate_document, translate_tree
from lingoflow.errors import InputError
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import resolve
from lingoflow.storage import Storage
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
COPIED = ["media/logo.png", "tools/settings.toml"]
NAMES = {"de": "German", "ja": "Japanese", "es": "Spanish"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDashScope]:
    with FakeDashScope() as server:
        yield server


@pytest.fixture
def translator(fake: FakeDashScope, tmp_path: Path) -> Iterator[Translator]:
    fake.reset()
    config = EngineConfig(base_url=fake.base_url, api_key=fake.api_key)
    with Storage.open(home=tmp_path / "home") as storage:
        yield Translator("qwen-mt", config, storage=storage)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TREE, tmp_path / "src"))


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _status(report: TreeReport) -> dict[str, str]:
    return {f.path: f.status for f in report.files}


def test_a_tree_into_three_languages_keeps_structure_and_units(
    src: Path, tmp_path: Path, translator: Translator
) -> None:
    out = tmp_path / "out"
    report = translate_tree(src, out, ["de", "ja", "es"], translator, source="en")

    assert _status(report) == {
        **dict.fromkeys(DOCUMENTS, "translated"),
        **dict.fromkeys(COPIED, "copied"),
    }
    assert not report.failed
    assert report.segments > 0
    assert report.provenance["engine"] > 0
    for code, name in NAMES.items():
        assert _files(out / code) == set(DOCUMENTS) | set(COPIED)
        assert (out / code / COPIED[0]).read_bytes() == (src / COPIED[0]).read_bytes()
        for rel in DOCUMENTS:
            fmt = format_for_path(rel)
            cls = document_class(fmt)
            source_units = cls.parse((src / rel).read_bytes(), name=rel).units
            units = cls.parse((out / code / rel).read_bytes(), name=rel).units
            assert [u.id for u in units] == [u.id for u in source_units], rel
            if fmt == "po":  # a PO unit's source stays the msgid; the msgstr holds the text
                assert f'msgstr "[{name}] Hello, world!"' in (out / code / rel).read_text()
                continue
            # Each unit is translated, or kept as is (only code, placeholders, punctuation).
            pairs = list(zip(units, source_units, strict=True))
            kept = [out_u.source for out_u, in_u in pairs if f"[{name}]" not in out_u.source]
            assert kept == [in_u.source for out_u, in_u in pairs if out_u.source in kept], rel
            assert len(kept) < len(units), rel
    assert not [p for p in out.rglob("*.tmp")]


def test_suffix_layout_include_exclude_and_skipped_binaries(
    src: Path, tmp_path: Path, translator: Translator
) -> None:
    out = tmp_path / "out"
    report = translate_tree(
        src,
        out,
        ["de"],
        translator,
        source="en",
        include=["docs/*", "*.png", "*.toml"],
        exclude=["*.html"],
        layout="suffix",
        untranslatable="skip",
    )

    assert _status(report) == {
        "docs/guide/intro.md": "translated",
        "media/logo.png": "skipped",
        "tools/settings.toml": "skipped",
    }
    assert _files(out) == {"docs/guide/intro_de.md"}


def test_one_bad_file_fails_alone_and_unsafe_inputs_are_refused(
    src: Path, tmp_path: Path, translator: Translator
) -> None:
    (src / "locales" / "broken.json").write_text('{"title": "Hello",', encoding="utf-8")
    (src / "locales" / "latin1.md").write_bytes("Caf\xe9 ol\xe9".encode("latin-1"))
    (src / "empty.md").write_bytes(b"")
    outside = tmp_path / "secret.md"
    outside.write_text("Secret text.\n", encoding="utf-8")
    (src / "docs" / "link.md").symlink_to(outside)
    out = tmp_path / "out"

    report = translate_tree(src, out, ["de"], translator, source="en")

    status = _status(report)
    assert status["locales/broken.json"] == "failed"
    assert status["locales/latin1.md"] == "failed"
    assert status["docs/link.md"] == "skipped"
    assert status["empty.md"] == "copied"
    assert report.failed
    errors = {f.path: f.error for f in report.files}
    assert "broken.json" in errors["locales/broken.json"]
    assert "outside" in errors["docs/link.md"]
    assert (out / "de" / "empty.md").read_bytes() == b""
    assert not (out / "de" / "docs" / "link.md").exists()
    assert set(DOCUMENTS) <= _files(out / "de")  # the others' work is kept
    with pytest.raises(InputError, match="inside the input folder"):
        translate_tree(src, src / "translated", ["de"], translator)


def test_rerun_sends_only_the_edited_paragraph_and_leaves_outputs_alone(
    src: Path, tmp_path: Path, translator: Translator, fake: FakeDashScope
) -> None:
    out = tmp_path / "out"
    translate_tree(src, out, ["de"], translator, source="en")
    before = {p: p.stat() for p in out.rglob("*") if p.is_file()}
    intro = src / "docs" / "guide" / "intro.md"
    text = intro.read_text(encoding="utf-8")
    intro.write_text(text.replace("1. First", "1. Foremost"), encoding="utf-8")
    fake.reset()

    report = translate_tree(src, out, ["de"], translator, source="en")

    sent = [body["messages"][0]["content"] for body in fake.bodies]
    assert sent == ["Foremost"]
    assert _status(report)["docs/guide/intro.md"] == "translated"
    assert {s for p, s in _status(report).items() if p != "docs/guide/intro.md"} == {"unchanged"}
    changed = out / "de" / "docs" / "guide" / "intro.md"
    assert "[German] Foremost" in changed.read_text(encoding="utf-8")
    for path, stat in before.items():
        if path != changed:
            assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert not [p for p in out.rglob("*.tmp")]


def test_translate_document_writes_each_target(translator: Translator) -> None:
    data = (TREE / "po" / "messages.pot").read_bytes()

    outputs = translate_document(data, "messages.pot", ["de", "es"], translator, source="en")

    assert list(outputs) == [resolve("de"), resolve("es")]
    assert b"[German] Hello, world!" in outputs[resolve("de")]
    assert b"[Spanish] Hello, world!" in outputs[resolve("es")]
