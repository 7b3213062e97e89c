"""Translating documents and folder trees: qwen-mt against the fake server, a real SQLite cache.

Engines defined here (real ``Engine`` subclasses) stand in where a test needs an engine that
is slow on purpose, adds characters a legacy encoding lacks, or drops placeholder tokens.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.documents import (
    FileResult,
    Streaming,
    TreeReport,
    translate_document,
    translate_file,
    translate_tree,
)
from lingoflow.engines.base import Engine
from lingoflow.errors import InputError
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import resolve
from lingoflow.storage import Storage
from lingoflow.types import EngineOutput, Segment, TranslationRequest
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
    (src / "locales" / "broken.yml").write_text("a: [1,\nb: 2\n", encoding="utf-8")
    (src / "po" / "broken.po").write_text('msgid "a"\nmsgstr "b\n', encoding="utf-8")
    (src / "po" / "broken.xlf").write_text("<xliff><file>\n<body>", encoding="utf-8")
    (src / "locales" / "latin1.md").write_bytes("Caf\xe9 ol\xe9, ma ch\xe8re.".encode("latin-1"))
    (src / "media" / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (src / "docs" / "bad.md").write_text("# Title\n\n```\nunclosed *fence\n", encoding="utf-8")
    (src / "docs" / "bad.html").write_text("<p>Open <b>bold<p>Next</i>", encoding="utf-8")
    (src / "empty.md").write_bytes(b"")
    outside = tmp_path / "secret.md"
    outside.write_text("Secret text.\n", encoding="utf-8")
    (src / "docs" / "link.md").symlink_to(outside)
    out = tmp_path / "out"

    report = translate_tree(src, out, ["de"], translator, source="en")

    status = _status(report)
    errors = {f.path: f.error for f in report.files}
    for bad, line in [("locales/broken.json", 1), ("locales/broken.yml", 3), ("po/broken.po", 2)]:
        assert status[bad] == "failed"
        assert errors[bad].startswith(f"{bad}, line {line}: ")
    assert status["po/broken.xlf"] == "failed"
    assert errors["po/broken.xlf"].startswith("po/broken.xlf")
    assert status["media/photo.txt"] == "failed"
    assert errors["media/photo.txt"].startswith("media/photo.txt, line 3: looks like a binary")
    assert status["locales/latin1.md"] == "translated"
    latin1 = next(f for f in report.files if f.path == "locales/latin1.md")
    assert latin1.notes == ("read as cp1252 (detected: the file is not UTF-8)",)
    assert (
        (out / "de" / "locales" / "latin1.md")
        .read_bytes()
        .decode("cp1252")
        .startswith("[German] Café olé")
    )
    assert status["docs/bad.md"] == status["docs/bad.html"] == "translated"  # best effort
    assert status["docs/link.md"] == "skipped"
    assert status["empty.md"] == "copied"
    assert report.failed
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


def test_a_path_with_dot_dot_stays_inside_the_output_folder(
    src: Path, tmp_path: Path, translator: Translator
) -> None:
    out = tmp_path / "out"
    path = src / "docs" / ".." / "docs" / "guide" / ".." / "guide" / "intro.md"

    report = translate_file(path, ["de"], translator, out_dir=out, source="en")

    assert report.files[0].outputs == ("intro_de.md",)
    assert _files(out) == {"intro_de.md"}


def test_the_report_is_json_ready(src: Path, tmp_path: Path, translator: Translator) -> None:
    (src / "broken.json").write_text("{", encoding="utf-8")
    report = translate_tree(src, tmp_path / "out", ["de"], translator, source="en")

    data = json.loads(json.dumps(report.to_dict()))

    assert [f["path"] for f in data["files"]] == [f.path for f in report.files]
    intro = next(f for f in data["files"] if f["path"] == "docs/guide/intro.md")
    assert intro["status"] == "translated"
    assert intro["outputs"] == ["de/docs/guide/intro.md"]
    assert intro["segments"] > 0
    assert intro["tokens"]["input"] > 0
    assert intro["provenance"] == {"engine": intro["segments"]}
    assert set(intro) == {
        "path", "status", "error", "segments", "findings", "tokens", "provenance", "outputs",
        "notes",
    }  # fmt: skip
    broken = next(f for f in data["files"] if f["path"] == "broken.json")
    assert broken["status"] == "failed"
    assert broken["error"].startswith("broken.json, line 1")
    totals = data["totals"]
    assert totals["failed"] is True
    assert totals["segments"] == report.segments
    assert totals["by_status"]["failed"] == 1


# --- streaming big files ---------------------------------------------------------------------

FORMATS = Path(__file__).parent / "formats" / "data"
STREAMED = [
    FORMATS / "text" / "rust-COPYRIGHT.txt",
    FORMATS / "text" / "bom-crlf.txt",
    FORMATS / "csv" / "godot-translations.csv",
    FORMATS / "encodings" / "fra-latin1.txt",
    FORMATS / "encodings" / "eng-fra-utf16.csv",
]
WHOLE = Streaming(threshold=1 << 40)
TINY = Streaming(threshold=0, chunk=1000)  # tests/formats/test_pieces.py cuts finer


@pytest.mark.parametrize("sample", STREAMED, ids=[p.name for p in STREAMED])
def test_a_streamed_file_is_written_byte_for_byte_as_the_whole_file(
    sample: Path, tmp_path: Path, translator: Translator
) -> None:
    path = Path(shutil.copy(sample, tmp_path / sample.name))
    languages = ["de", "ja"]

    whole = translate_file(path, languages, translator, out_dir=tmp_path / "whole", streaming=WHOLE)
    streamed = translate_file(
        path, languages, translator, out_dir=tmp_path / "streamed", streaming=TINY
    )

    cached = translate_file(
        path, languages, translator, out_dir=tmp_path / "again", streaming=WHOLE
    )

    for name in whole.files[0].outputs:
        assert (tmp_path / "streamed" / name).read_bytes() == (
            tmp_path / "whole" / name
        ).read_bytes()
    w, s = whole.files[0], streamed.files[0]
    assert (s.status, s.segments, s.notes) == (w.status, w.segments, w.notes)
    assert "engine" not in s.provenance  # the streamed run went through the same cache
    assert s.provenance == cached.files[0].provenance
    assert s.findings == cached.files[0].findings  # as many as a cached whole run


def test_a_streamed_rerun_leaves_unchanged_outputs_alone(
    tmp_path: Path, translator: Translator
) -> None:
    path = Path(shutil.copy(STREAMED[0], tmp_path / "doc.txt"))
    translate_file(path, ["de"], translator, out_dir=tmp_path / "out", streaming=TINY)
    output = tmp_path / "out" / "doc_de.txt"
    before = output.stat()

    again = translate_file(path, ["de"], translator, out_dir=tmp_path / "out", streaming=TINY)

    assert again.files[0].status == "unchanged"
    assert (output.stat().st_ino, output.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doc_de.txt"]  # no temp


class KanjiEngine(Engine):
    """Echo each segment with Japanese characters added, which Windows-1252 cannot hold."""

    name: ClassVar[str] = "test-kanji"

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Return each text with a Japanese suffix."""
        return [EngineOutput(f"{s.text} 日本", self.model) for s in segments]


def test_a_translation_that_does_not_fit_the_encoding_is_utf8_streamed_or_whole(
    tmp_path: Path,
) -> None:
    path = Path(shutil.copy(FORMATS / "encodings" / "fra-latin1.txt", tmp_path / "fr.txt"))
    translator = Translator(KanjiEngine())
    for mode, streaming in (("whole", WHOLE), ("streamed", TINY)):
        report = translate_file(
            path, ["ja"], translator, out_dir=tmp_path / mode, source="fr", streaming=streaming
        )
        assert report.files[0].notes == (
            "read as cp1252 (detected: the file is not UTF-8)",
            "ja: written as UTF-8: the translation has characters cp1252 cannot hold (first '日')",
        )
    streamed = (tmp_path / "streamed" / "fr_ja.txt").read_bytes()
    assert streamed == (tmp_path / "whole" / "fr_ja.txt").read_bytes()
    assert streamed.decode("utf-8").startswith("Le Président macédonien")
    assert " 日本" in streamed.decode()


# --- concurrency ------------------------------------------------------------------------------


class SlowFirstEngine(Engine):
    """Echo after a delay that is longest for the first file of the walk; count calls in flight."""

    name: ClassVar[str] = "test-slow-first"

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Sleep 0.3 s for file 0's text, 0.01 s for the others, then echo."""
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            slow = any("File 0." in s.text for s in segments)
            await asyncio.sleep(0.3 if slow else 0.01)
            return [EngineOutput(s.text, self.model) for s in segments]
        finally:
            self.in_flight -= 1


def _numbered_tree(root: Path, count: int) -> None:
    for index in range(count):
        (root / f"file-{index}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"file-{index}.md").write_text(f"# File {index}.\n\nFile {index}. Hello.\n")


@pytest.mark.parametrize("concurrency", [1, 3])
def test_files_run_concurrently_and_the_report_keeps_walk_order(
    tmp_path: Path, concurrency: int
) -> None:
    _numbered_tree(tmp_path / "src", 6)
    engine = SlowFirstEngine()
    finished: list[str] = []

    def progress(result: FileResult, total: int) -> None:
        assert total == 6
        finished.append(result.path)

    report = translate_tree(
        tmp_path / "src",
        tmp_path / "out",
        ["de"],
        Translator(engine),
        source="en",
        progress=progress,
        concurrency=concurrency,
    )

    walk = [f"file-{i}.md" for i in range(6)]
    assert [f.path for f in report.files] == walk
    assert {f.status for f in report.files} == {"translated"}
    assert sorted(finished) == walk
    assert engine.most == concurrency
    if concurrency == 1:
        assert finished == walk
    else:
        assert finished[-1] == "file-0.md"  # the slow first file finished last, others went on


def test_an_exception_from_progress_stops_the_run_and_propagates(tmp_path: Path) -> None:
    _numbered_tree(tmp_path / "src", 6)

    def cancel(result: FileResult, total: int) -> None:
        raise KeyboardInterrupt("job cancelled")

    with pytest.raises(KeyboardInterrupt, match="job cancelled"):
        translate_tree(
            tmp_path / "src", tmp_path / "out", ["de"], Translator(SlowFirstEngine()),
            source="en", progress=cancel, concurrency=3,
        )  # fmt: skip
    assert not list((tmp_path / "out").rglob("*.tmp"))
    with pytest.raises(InputError, match="concurrency must be at least 1"):
        translate_tree(
            tmp_path / "src", tmp_path / "o", ["de"], Translator("qwen-mt"), concurrency=0
        )


# --- Markdown emphasis through the pipeline ---------------------------------------------------


class TokenDroppingEngine(Engine):
    """Translate by upper-casing and drop every ``{{n}}`` token, as small models do."""

    name: ClassVar[str] = "test-token-dropper"

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Return each text upper-cased without its placeholder tokens."""
        return [
            EngineOutput(re.sub(r"\{\{\d+\}\}", "", s.text).upper(), self.model) for s in segments
        ]


def test_markdown_emphasis_survives_an_engine_that_drops_markers() -> None:
    data = b"# A **bold** title\n\nSome *light* and __strong__ words, ~~old~~ _new_.\n"
    translator = Translator(TokenDroppingEngine())

    outputs = translate_document(data, "page.md", ["de"], translator, source="en")

    assert outputs[resolve("de")] == (
        b"# A **BOLD** TITLE\n\nSOME *LIGHT* AND __STRONG__ WORDS, ~~OLD~~ _NEW_.\n"
    )
