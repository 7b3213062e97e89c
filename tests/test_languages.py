"""The language registry: the table itself, lookup by every spelling, and its errors."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError, UnknownLanguageError
from lingoflow.languages import Language, all_languages, resolve, resolve_source

QWEN_MT_TSV = Path(__file__).parent / "data" / "qwen-mt-languages.tsv"
LANGUAGES = all_languages()
# A well-formed BCP-47 tag as used here: language, optional script, optional region.
BCP47 = re.compile(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?")


def qwen_mt_rows() -> list[tuple[str, str]]:
    """Read Qwen-MT's own (name, code) list."""
    with QWEN_MT_TSV.open(encoding="utf-8", newline="") as handle:
        return [(row["name"], row["code"]) for row in csv.DictReader(handle, delimiter="\t")]


def by_code(code: str) -> Language:
    """Return the registry language with Qwen-MT code ``code``."""
    return next(language for language in LANGUAGES if language.code == code)


def test_the_table_is_qwen_mt_list_in_order() -> None:
    assert [(language.name, language.code) for language in LANGUAGES] == qwen_mt_rows()
    assert len(LANGUAGES) == 92


@pytest.mark.parametrize(
    "field", [pytest.param(f, id=f) for f in ("name", "code", "bcp47", "autonym")]
)
def test_no_two_languages_share_a_field(field: str) -> None:
    values = [getattr(language, field).casefold() for language in LANGUAGES]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("language", [pytest.param(lg, id=lg.code) for lg in LANGUAGES])
def test_every_language_is_well_formed(language: Language) -> None:
    assert BCP47.fullmatch(language.bcp47), language.bcp47
    assert language.autonym == unicodedata.normalize("NFC", language.autonym)
    assert language.autonym == language.autonym.strip() != ""
    assert str(language) == language.name


@pytest.mark.parametrize(
    ("code", "name", "bcp47", "autonym"),
    [
        pytest.param("en", "English", "en", "English", id="en"),
        pytest.param("zh", "Chinese", "zh", "简体中文", id="zh"),
        pytest.param("zh_tw", "Traditional Chinese", "zh-TW", "繁體中文", id="zh_tw"),
        pytest.param("yue", "Cantonese", "yue", "粵語", id="yue"),
        pytest.param("ja", "Japanese", "ja", "日本語", id="ja"),
        pytest.param("ko", "Korean", "ko", "한국어", id="ko"),
        pytest.param("ru", "Russian", "ru", "Русский", id="ru"),
        pytest.param("es", "Spanish", "es", "Español", id="es"),
        pytest.param("fr", "French", "fr", "Français", id="fr"),
        pytest.param("de", "German", "de", "Deutsch", id="de"),
        pytest.param("pt", "Portuguese", "pt", "Português", id="pt"),
        pytest.param("ar", "Arabic", "ar", "العربية", id="ar"),
        pytest.param("hi", "Hindi", "hi", "हिन्दी", id="hi"),
        pytest.param("he", "Hebrew", "he", "עברית", id="he"),
        pytest.param("th", "Thai", "th", "ไทย", id="th"),
        pytest.param("vi", "Vietnamese", "vi", "Tiếng Việt", id="vi"),
        pytest.param("el", "Greek", "el", "Ελληνικά", id="el"),
        pytest.param("uk", "Ukrainian", "uk", "Українська", id="uk"),
        pytest.param("tr", "Turkish", "tr", "Türkçe", id="tr"),
        pytest.param("nb", "Norwegian Bokmål", "nb", "Norsk bokmål", id="nb"),
        pytest.param("nn", "Norwegian Nynorsk", "nn", "Norsk nynorsk", id="nn"),
        pytest.param("sq", "Tosk Albanian", "sq", "Shqip", id="sq"),
        pytest.param("fa", "Western Persian", "fa", "فارسی", id="fa"),
        pytest.param("tl", "Tagalog", "tl", "Tagalog", id="tl"),
        pytest.param("az", "North Azerbaijani", "az", "Azərbaycan dili", id="az"),
        pytest.param("uz", "Northern Uzbek", "uz", "O\u02bbzbekcha", id="uz"),
        pytest.param(
            "acq", "Ta\u2019izzi-Adeni Arabic", "acq", "العربية التعزية العدنية", id="acq"
        ),
        pytest.param("arz", "Egyptian Arabic", "arz", "العربية المصرية", id="arz"),
        pytest.param("my", "Burmese", "my", "မြန်မာ", id="my"),
        pytest.param("ka", "Georgian", "ka", "ქართული", id="ka"),
        pytest.param("cy", "Welsh", "cy", "Cymraeg", id="cy"),
    ],
)
def test_registry_entries(code: str, name: str, bcp47: str, autonym: str) -> None:
    assert by_code(code) == Language(name=name, code=code, bcp47=bcp47, autonym=autonym)


@pytest.mark.parametrize(
    "field", [pytest.param(f, id=f) for f in ("name", "code", "bcp47", "autonym")]
)
def test_every_language_resolves_from_each_of_its_fields(field: str) -> None:
    resolved = {language: resolve(getattr(language, field)) for language in LANGUAGES}
    assert [lg for lg, got in resolved.items() if got is not lg] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # case and whitespace
        pytest.param("  GERMAN ", "de", id="upper-name-padded"),
        pytest.param("dE", "de", id="mixed-case-code"),
        pytest.param("DEUTSCH", "de", id="upper-autonym"),
        pytest.param("korean\t", "ko", id="tab"),
        pytest.param("norwegian   bokmål", "nb", id="inner-spaces"),
        pytest.param("Ta'izzi-Adeni Arabic", "acq", id="straight-apostrophe"),
        pytest.param("espanol", "es", id="accentless-autonym"),
        pytest.param("Norwegian Bokmal", "nb", id="accentless-name"),
        # Chinese
        pytest.param("zh-TW", "zh_tw", id="zh-TW"),
        pytest.param("ZH_TW", "zh_tw", id="ZH_TW"),
        pytest.param("zh-Hant", "zh_tw", id="zh-Hant"),
        pytest.param("zh-HK", "zh_tw", id="zh-HK"),
        pytest.param("zh-MO", "zh_tw", id="zh-MO"),
        pytest.param("zh-Hant-HK", "zh_tw", id="zh-Hant-HK"),
        pytest.param("zh-Hant-SG", "zh_tw", id="zh-Hant-SG"),
        pytest.param("cmn-Hant-TW", "zh_tw", id="cmn-Hant-TW"),
        pytest.param("Chinese (Traditional)", "zh_tw", id="chinese-traditional"),
        pytest.param("zh-CN", "zh", id="zh-CN"),
        pytest.param("zh_cn", "zh", id="zh_cn"),
        pytest.param("zh-Hans", "zh", id="zh-Hans"),
        pytest.param("zh-Hans-HK", "zh", id="zh-Hans-HK"),
        pytest.param("zh-SG", "zh", id="zh-SG"),
        pytest.param("Chinese (Simplified)", "zh", id="chinese-simplified"),
        pytest.param("Simplified Chinese", "zh", id="simplified-chinese"),
        pytest.param("Mandarin", "zh", id="mandarin"),
        pytest.param("中文", "zh", id="zhongwen"),
        pytest.param("zh-yue", "yue", id="zh-yue"),
        pytest.param("yue-HK", "yue", id="yue-HK"),
        # regions and scripts fall back to the language
        pytest.param("pt-BR", "pt", id="pt-BR"),
        pytest.param("pt_PT", "pt", id="pt_PT"),
        pytest.param("en-US", "en", id="en-US"),
        pytest.param("en-GB", "en", id="en-GB"),
        pytest.param("es-MX", "es", id="es-MX"),
        pytest.param("es-419", "es", id="es-419"),
        pytest.param("fr-CA", "fr", id="fr-CA"),
        pytest.param("de-AT", "de", id="de-AT"),
        pytest.param("sr-Latn-RS", "sr", id="sr-Latn-RS"),
        pytest.param("ar-EG", "ar", id="ar-EG"),
        pytest.param("nb-NO", "nb", id="nb-NO"),
        # legacy and alternative codes and names
        pytest.param("no", "nb", id="no"),
        pytest.param("Norwegian", "nb", id="norwegian"),
        pytest.param("nynorsk", "nn", id="nynorsk"),
        pytest.param("iw", "he", id="iw"),
        pytest.param("in", "id", id="in"),
        pytest.param("fil", "tl", id="fil"),
        pytest.param("Filipino", "tl", id="filipino"),
        pytest.param("fa", "fa", id="fa"),
        pytest.param("Persian", "fa", id="persian"),
        pytest.param("Farsi", "fa", id="farsi"),
        pytest.param("Albanian", "sq", id="albanian"),
        pytest.param("als", "sq", id="als"),
        pytest.param("Azerbaijani", "az", id="azerbaijani"),
        pytest.param("Uzbek", "uz", id="uzbek"),
        pytest.param("O'zbekcha", "uz", id="ozbekcha-apostrophe"),
        pytest.param("Malay", "ms", id="malay"),
        pytest.param("Bangla", "bn", id="bangla"),
        pytest.param("Slovene", "sl", id="slovene"),
        pytest.param("Oriya", "or", id="oriya"),
        pytest.param("Castilian", "es", id="castilian"),
        # ISO 639-2 (B and T) and 639-3
        pytest.param("eng", "en", id="eng"),
        pytest.param("spa", "es", id="spa"),
        pytest.param("deu", "de", id="deu"),
        pytest.param("ger", "de", id="ger"),
        pytest.param("fra", "fr", id="fra"),
        pytest.param("fre", "fr", id="fre"),
        pytest.param("jpn", "ja", id="jpn"),
        pytest.param("kor", "ko", id="kor"),
        pytest.param("zho", "zh", id="zho"),
        pytest.param("chi", "zh", id="chi"),
        pytest.param("por", "pt", id="por"),
        pytest.param("rus", "ru", id="rus"),
        pytest.param("ita", "it", id="ita"),
        pytest.param("ara", "ar", id="ara"),
        pytest.param("hin", "hi", id="hin"),
        pytest.param("nld", "nl", id="nld"),
        pytest.param("dut", "nl", id="dut"),
        pytest.param("pol", "pl", id="pol"),
        pytest.param("tur", "tr", id="tur"),
        pytest.param("ukr", "uk", id="ukr"),
        pytest.param("vie", "vi", id="vie"),
        pytest.param("tha", "th", id="tha"),
        pytest.param("ind", "id", id="ind"),
        pytest.param("cat", "ca", id="cat"),
        pytest.param("glg", "gl", id="glg"),
        pytest.param("ces", "cs", id="ces"),
        pytest.param("ell", "el", id="ell"),
        pytest.param("heb", "he", id="heb"),
        pytest.param("pes", "fa", id="pes"),
    ],
)
def test_resolve_aliases(query: str, code: str) -> None:
    assert resolve(query).code == code


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        pytest.param("Germn", "German", id="typo-name"),
        pytest.param("Portugese", "Portuguese", id="typo-portuguese"),
        pytest.param("Chineese", "Chinese", id="typo-chinese"),
        pytest.param("Korian", "Korean", id="typo-korean"),
        pytest.param("Espanol!", "Spanish", id="autonym-with-noise"),
        pytest.param("Deutch", "German", id="typo-autonym"),
    ],
)
def test_unknown_language_suggests_close_matches(query: str, suggestion: str) -> None:
    with pytest.raises(UnknownLanguageError) as caught:
        resolve(query)
    assert caught.value.query == query
    assert suggestion in caught.value.suggestions
    assert len(caught.value.suggestions) <= 3
    assert f"Did you mean: {caught.value.suggestions[0]}" in str(caught.value)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("qqqq", id="nothing-close"),
        pytest.param("xx-YY", id="unknown-tag"),
        pytest.param("auto", id="auto-is-not-a-target"),
    ],
)
def test_unknown_language_raises(query: str) -> None:
    with pytest.raises(UnknownLanguageError, match="Unknown language"):
        resolve(query)


def test_unknown_language_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        resolve("Klingon")


def test_empty_query_has_no_suggestions() -> None:
    with pytest.raises(UnknownLanguageError) as caught:
        resolve("")
    assert caught.value.suggestions == ()


@pytest.mark.parametrize(
    "query",
    [pytest.param(q, id=q.strip() or "blank") for q in ("auto", "AUTO", " Auto ")],
)
def test_resolve_source_auto_is_none(query: str) -> None:
    assert resolve_source(query) is None


@pytest.mark.parametrize(
    ("query", "code"),
    [pytest.param("de", "de", id="code"), pytest.param("zh-Hant", "zh_tw", id="tag")],
)
def test_resolve_source_resolves_languages(query: str, code: str) -> None:
    language = resolve_source(query)
    assert language is not None
    assert language.code == code


def test_resolve_source_unknown_raises() -> None:
    with pytest.raises(UnknownLanguageError):
        resolve_source("automatic")
