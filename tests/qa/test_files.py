"""QA of existing bilingual files: reading TSV, PO, XLIFF and TMX pairs, and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.glossary import open_glossary
from lingoflow.qa.files import check_file, read_bilingual, read_pairs
from tests.qa.conftest import real

DATA = Path(__file__).parent / "data" / "bilingual"
TSV, PO, XLF, TMX = (DATA / f"ntrex-en-de.{ext}" for ext in ("tsv", "po", "xlf", "tmx"))


def _found(path: Path, **options: object) -> list[tuple[str, str]]:
    report = check_file(path, "en", "de", **options)  # type: ignore[arg-type]
    return [(pair.id, finding.check) for pair, finding in report.findings]


def test_tsv_pairs_skip_the_header_and_keep_line_numbers() -> None:
    pairs = read_pairs(TSV, "en", "de")
    assert [p.line for p in pairs] == [2, 3, 4, 5, 6, 7]
    assert (pairs[0].source, pairs[0].target) == (real(3, "en"), real(3, "de"))
    assert pairs[4].target == ""


def test_tsv_defects_are_found_and_real_pairs_are_clean() -> None:
    report = check_file(TSV, "English", "German")
    assert [(p.id, f.check) for p, f in report.findings] == [
        ("4", "numbers"),
        ("6", "empty"),
        ("7", "wrong-language"),
        ("7", "untranslated"),
    ]
    assert report.checked == 6
    assert report.by_severity == {"critical": 3, "major": 1, "minor": 0}
    assert report.by_check == {"numbers": 1, "empty": 1, "wrong-language": 1, "untranslated": 1}
    assert report.has_critical


def test_tsv_without_header_and_language_header(tmp_path: Path) -> None:
    plain = tmp_path / "plain.tsv"
    plain.write_text(f"{real(372, 'en')}\t{real(372, 'de')}\n\n", encoding="utf-8")
    assert [p.line for p in read_pairs(plain, "en", "de")] == [1]
    named = tmp_path / "named.tsv"
    named.write_text(f"en\tde\n{real(372, 'en')}\t{real(372, 'de')}\n", encoding="utf-8")
    assert [p.line for p in read_pairs(named, "en", "de")] == [2]


def test_misaligned_tsv_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("source\ttarget\none\teins\ntwo\tzwei\textra\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.tsv, line 3: .*exactly one tab"):
        read_pairs(bad, "en", "de")
    bad.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 1"):
        read_pairs(bad, "en", "de")


def test_po_skips_and_counts_untranslated_entries() -> None:
    bilingual = read_bilingual(PO, "en", "de")
    assert (bilingual.format, len(bilingual.pairs), bilingual.untranslated) == ("po", 3, 1)
    assert bilingual.pairs[0].id == real(3, "en")
    assert _found(PO) == [("%(count)d files were deleted from %(folder)s.", "placeholders")]


def test_xliff_pairs_by_unit_id() -> None:
    bilingual = read_bilingual(XLF, "en", "de")
    assert [p.id for p in bilingual.pairs] == ["ntrex-151", "ntrex-372", "prompt"]
    assert bilingual.untranslated == 1
    assert _found(XLF) == [("prompt", "prompt-injection")]


def test_tmx_reads_the_asked_pair() -> None:
    bilingual = read_bilingual(TMX, "en", "de")
    assert [p.id for p in bilingual.pairs] == ["ntrex-3", "ntrex-151-loop", "line 19"]
    assert bilingual.untranslated == 1  # ntrex-7 has French only
    assert _found(TMX) == [("ntrex-151-loop", "repetition"), ("ntrex-151-loop", "numbers")]
    french = read_bilingual(TMX, "en", "fr")
    assert [p.id for p in french.pairs] == ["ntrex-3", "ntrex-7"]
    assert check_file(TMX, "en", "fr").findings == []


def test_only_and_skip() -> None:
    assert _found(TSV, only=["empty"]) == [("6", "empty")]
    skipped = _found(TSV, skip=["wrong-language", "untranslated"])
    assert skipped == [("4", "numbers"), ("6", "empty")]


def test_unknown_check_is_a_configuration_error_even_with_nothing_to_check(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"Unknown QA check.*nope"):
        check_file(empty, "en", "de", only=["nope"])
    with pytest.raises(ConfigurationError, match="nope"):
        check_file(TSV, "en", "de", skip=["nope"])


def test_empty_file_has_nothing_to_check(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("source\ttarget\n", encoding="utf-8")
    report = check_file(empty, "en", "de")
    assert (report.checked, report.findings, report.has_critical) == (0, [], False)


def test_unsupported_extension_is_a_format_error(tmp_path: Path) -> None:
    other = tmp_path / "pairs.docx"
    other.write_bytes(b"")
    with pytest.raises(FormatError, match=r"unsupported file type '\.docx'"):
        check_file(other, "en", "de")


def test_glossary_terms_of_the_pair_are_checked() -> None:
    selection = open_glossary(
        str(DATA / "glossary.csv"), storage=None, source_lang="en", target_lang="de"
    )
    assert _found(TSV, glossary=selection, only=["glossary"]) == [
        ("5", "glossary"),
        ("7", "glossary"),
    ]
    assert _found(TMX, glossary=selection.entries, only=["glossary"]) == [("line 19", "glossary")]
    # Entries of another pair are ignored.
    assert check_file(TSV, "en", "fr", glossary=selection, only=["glossary"]).findings == []
