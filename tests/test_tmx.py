"""TMX 1.4 import and export: a CAT-tool-like file, round trips, errors, XXE."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lingoflow.errors import InputError
from lingoflow.storage import Database, TmEntry, TranslationMemory
from lingoflow.tmx import TmxError, TmxUnit, import_tmx, read_tmx, write_tmx

# Shaped like a Trados Studio export: header props and note, tu props and notes, inline
# <bpt>/<ept>/<ph>/<it>/<hi>/<sub>, regional tags, an unknown language, a tuv-less source.
SAMPLE = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="SDL Language Platform" creationtoolversion="8.1" o-tmf="SDL TM8 Format"
          datatype="xml" segtype="sentence" adminlang="en-US" srclang="en-US"
          creationdate="20230514T101522Z" creationid="ACME\\jdoe">
    <prop type="x-Recognizers">RecognizeAll</prop>
    <prop type="x-TMName">ACME Product UI</prop>
    <note>Exported for vendor hand-off</note>
  </header>
  <body>
    <tu tuid="1" creationdate="20230514T101522Z" changedate="20230601T080000Z" usagecount="3">
      <prop type="x-Project">Release 4.2</prop>
      <note>UI button label</note>
      <tuv xml:lang="en-US">
        <seg>Click <bpt i="1" type="bold">&lt;b&gt;</bpt>Save<ept i="1">&lt;/b&gt;</ept> to keep your changes.</seg>
      </tuv>
      <tuv xml:lang="de-DE" creationid="ACME\\mmuster">
        <prop type="x-Origin">TM</prop>
        <seg>Klicken Sie auf <bpt i="1" type="bold">&lt;b&gt;</bpt>Speichern<ept i="1">&lt;/b&gt;</ept>, um Ihre Änderungen zu behalten.</seg>
      </tuv>
      <tuv xml:lang="fr-FR">
        <seg>Cliquez sur <bpt i="1">&lt;b&gt;</bpt>Enregistrer<ept i="1">&lt;/b&gt;</ept> pour conserver vos modifications.</seg>
      </tuv>
    </tu>
    <tu tuid="2" creationdate="20230515T090000Z">
      <tuv xml:lang="en-US"><seg>{0} files selected<ph x="1" type="lb">&lt;br/&gt;</ph></seg></tuv>
      <tuv xml:lang="ja-JP"><seg>{0} 個のファイルを選択しました</seg></tuv>
      <tuv xml:lang="zh-TW"><seg>已選取 {0} 個檔案</seg></tuv>
      <tuv xml:lang="tlh"><seg>{0} De' wIv</seg></tuv>
    </tu>
    <tu tuid="3" srclang="de-DE">
      <note>Reverse direction, emphasis and an image</note>
      <tuv xml:lang="de-DE"><seg>Das ist <hi type="emphasis">wirklich</hi> wichtig<ph>&lt;img alt="<sub>Warnung</sub>"/&gt;</ph></seg></tuv>
      <tuv xml:lang="en-GB"><seg>This is <hi type="emphasis">really</hi> important<ph>&lt;img alt="<sub>Warning</sub>"/&gt;</ph></seg></tuv>
      <tuv xml:lang="en-US"><seg>(duplicate English variant, ignored)</seg></tuv>
    </tu>
    <tu tuid="4">
      <tuv xml:lang="en-US"><seg>Terms &amp; Conditions <it pos="begin">&lt;u&gt;</it>apply</seg></tuv>
      <tuv xml:lang="pt-BR"><seg>Termos &amp; Condições <it pos="begin">&lt;u&gt;</it>aplicáveis</seg></tuv>
    </tu>
    <tu tuid="5">
      <tuv xml:lang="de-DE"><seg>Nur eine Zielsprache, keine Quelle</seg></tuv>
    </tu>
  </body>
</tmx>
"""  # noqa: E501 (real TMX files have long lines; whitespace inside <seg> is significant)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """Write the CAT-tool-like sample to a file and return its path."""
    path = tmp_path / "acme.tmx"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


@pytest.fixture
def tm(tmp_path: Path) -> Iterator[TranslationMemory]:
    """Yield a translation memory in an SQLite file."""
    with Database.open(home=tmp_path / "home") as database:
        yield TranslationMemory(database)


def pairs(units: list[TmxUnit]) -> set[tuple[str, str, str, str]]:
    """Return every (source lang, source, target lang, target) the units hold."""
    return {(e.source_lang, e.source, e.target_lang, e.target) for u in units for e in u.entries()}


def test_read_maps_languages_and_flattens_inline_codes(sample: Path) -> None:
    first, second, third, fourth, fifth = read_tmx(sample)
    assert dict(first.variants) == {
        "en": "Click Save to keep your changes.",
        "de": "Klicken Sie auf Speichern, um Ihre Änderungen zu behalten.",
        "fr": "Cliquez sur Enregistrer pour conserver vos modifications.",
    }
    assert (first.tuid, first.source_lang, first.line) == ("1", "en", 12)
    assert first.props == (("x-Project", "Release 4.2"),)
    assert first.notes == ("UI button label",)
    assert first.created == datetime(2023, 5, 14, 10, 15, 22, tzinfo=UTC)
    assert first.changed == datetime(2023, 6, 1, 8, tzinfo=UTC)
    assert list(second.variants) == ["en", "ja", "zh_tw"]
    assert second.variants["en"] == "{0} files selected"
    assert second.unknown_languages == ("tlh",)
    assert (third.source_lang, list(third.variants)) == ("de", ["de", "en"])
    assert third.variants["en"] == "This is really important"
    assert fourth.variants["pt"] == "Termos & Condições aplicáveis"
    assert (fifth.source_lang, fifth.source, fifth.entries()) == ("en", None, [])


def test_keep_codes_keeps_native_markup_inline(sample: Path) -> None:
    first, second, third, *_ = read_tmx(sample, keep_codes=True)
    assert first.variants["en"] == "Click <b>Save</b> to keep your changes."
    assert second.variants["en"] == "{0} files selected<br/>"
    assert third.variants["de"] == 'Das ist wirklich wichtig<img alt=""/>'


def test_units_become_entries_per_target_language(sample: Path) -> None:
    first = next(read_tmx(sample))
    de, fr = first.entries(memory="acme")
    assert (de.source_lang, de.target_lang, de.memory, de.origin) == (
        "en",
        "de",
        "acme",
        "import:tmx",
    )
    assert fr.target.startswith("Cliquez")
    assert de.created_at == first.created
    assert de.updated_at == first.changed


def test_import_reports_units_entries_and_skipped_languages(
    sample: Path, tm: TranslationMemory
) -> None:
    report = import_tmx(tm, sample, memory="acme")
    assert (report.units, report.entries, dict(report.unknown_languages)) == (5, 6, {"tlh": 1})
    assert tm.exact("acme", "en", "ja", ["{0} files  selected"]) == {
        "{0} files  selected": "{0} 個のファイルを選択しました"
    }


def test_round_trip_through_the_tm_and_back_is_lossless(
    sample: Path, tm: TranslationMemory, tmp_path: Path
) -> None:
    original = list(read_tmx(sample))
    import_tmx(tm, sample)
    exported = tmp_path / "out" / "export.tmx"
    exported.parent.mkdir()
    assert write_tmx(exported, tm.iter_entries(), "en") == 4
    again = list(read_tmx(exported))
    assert pairs(again) == pairs(original)
    dated = {u.source: u.created for u in original if u.created}
    assert {u.source: u.created for u in again if u.source in dated} == dated
    import_tmx(tm, exported, memory="again")
    stored = {(e.source_lang, e.source, e.target_lang, e.target) for e in tm.iter_entries("again")}
    assert stored == pairs(original)


def test_export_writes_a_tmx_14_header_and_one_unit_per_source(tmp_path: Path) -> None:
    path = tmp_path / "small.tmx"
    entries = [
        TmEntry("Hello", "Hallo", "en", "de", origin="engine:qwen-mt-plus"),
        TmEntry("Hello", "你好", "en", "zh_tw"),
        TmEntry("Bye", "Tschüss", "en", "de"),
    ]
    assert write_tmx(path, entries, "en") == 2
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE tmx")
    assert '<tmx version="1.4">' in text
    assert 'srclang="en"' in text
    assert '<tuv xml:lang="zh-TW">' in text
    assert '<prop type="x-lingoflow-origin">engine:qwen-mt-plus</prop>' in text
    assert [dict(u.variants) for u in read_tmx(path)] == [
        {"en": "Hello", "de": "Hallo", "zh_tw": "你好"},
        {"en": "Bye", "de": "Tschüss"},
    ]


def test_failed_export_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "memory.tmx"
    path.write_text("old content", encoding="utf-8")

    def entries() -> Iterator[TmEntry]:
        yield TmEntry("Hello", "Hallo", "en", "de")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        write_tmx(path, entries(), "en")
    assert path.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["memory.tmx"]


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.tmx"
    lines = SAMPLE.splitlines()
    lines[38] = lines[38].replace("</seg>", "")  # tu 4's English variant loses its </seg>
    path.write_text("\n".join(lines), encoding="utf-8")
    units = read_tmx(path)
    with pytest.raises(TmxError) as caught:
        list(units)
    assert caught.value.line == 39
    assert f"{path}:39: malformed XML" in str(caught.value)
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        pytest.param("<tu>\n<tuv><seg>x</seg></tuv></tu>", 4, "without xml:lang", id="no-lang"),
        pytest.param('<tu><tuv xml:lang="en">\n</tuv></tu>', 3, "without <seg>", id="no-seg"),
    ],
)
def test_invalid_tmx_names_the_line(tmp_path: Path, body: str, line: int, problem: str) -> None:
    path = tmp_path / "invalid.tmx"
    path.write_text(f'<tmx version="1.4">\n<header srclang="en"/>\n<body>{body}</body></tmx>')
    with pytest.raises(TmxError, match=problem) as caught:
        list(read_tmx(path))
    assert caught.value.line == line


def test_a_file_that_is_not_tmx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "doc.xlf"
    path.write_text('<xliff version="1.2"><file><body/></file></xliff>')
    with pytest.raises(TmxError, match="not a TMX file"):
        list(read_tmx(path))


def test_a_missing_file_is_a_tmx_error(tmp_path: Path) -> None:
    with pytest.raises(TmxError, match="cannot read"):
        list(read_tmx(tmp_path / "missing.tmx"))


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    path = tmp_path / "xxe.tmx"
    path.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE tmx [
  <!ENTITY xxe SYSTEM "file://{secret}">
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">
]>
<tmx version="1.4"><header srclang="en"/><body>
<tu><tuv xml:lang="en"><seg>a&xxe;b&lol2;c&remote;d</seg></tuv>
<tuv xml:lang="de"><seg>x</seg></tuv></tu></body></tmx>""",
        encoding="utf-8",
    )
    [unit] = read_tmx(path)
    assert unit.variants["en"] == "abcd"
