"""The language registry: the 92 languages of Qwen-MT, their codes, tags and names.

Every language lingoflow can translate from or to is one :class:`Language` in this table, in
the order of Qwen-MT's own list. :func:`resolve` turns whatever a user types (an English
name, Qwen-MT's code, a BCP-47 tag, ISO 639-2/3 code, the language's own name or a common
alias) into one of them, or raises :class:`~lingoflow.errors.UnknownLanguageError` with
suggestions.

Invariants:

- ``name`` is exactly the English name Qwen-MT expects (the apostrophe in Ta'izzi-Adeni
  Arabic is U+2019); ``code`` is Qwen-MT's code (``zh_tw`` keeps its underscore).
- ``bcp47`` is the tag a user would type: the shortest valid tag for the language
  (``zh``, ``nb``, ``sq``, ``fa``, ``tl``), except ``zh-TW`` for Traditional Chinese, whose
  only difference from ``zh`` is the script. ``ajp`` (South Levantine Arabic) was merged
  into ``apc`` by ISO 639-3 in 2023; it is kept because Qwen-MT keeps the two apart.
- ``autonym`` is the language's name for itself (CLDR's where CLDR has one), capitalised as
  in a language menu; the Arabic varieties are named in Arabic after their region.
- Lookup keys are case-folded, NFC, trimmed, with ``_`` read as ``-`` and curly or
  modifier-letter apostrophes as ``'``; Latin-script names also match without their accents
  (``espanol``, ``norsk bokmal``). No two languages share a key.
- A BCP-47 tag with a script or region subtag falls back to its language (``de-AT`` is
  German), except that ``Hant``, ``TW``, ``HK`` and ``MO`` select Traditional Chinese
  (``Hans`` wins over a region: ``zh-Hans-HK`` is Chinese).
- Everything is built in memory at import from the literals below: no I/O.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lingoflow.errors import UnknownLanguageError

__all__ = ["AUTO", "Language", "all_languages", "resolve", "resolve_source"]

AUTO = "auto"
"""The source-language value that asks for detection instead of a fixed language."""


@dataclass(frozen=True, slots=True)
class Language:
    """One supported language.

    ``name`` is the English name Qwen-MT expects in ``translation_options``; ``code`` is
    Qwen-MT's code (``zh_tw`` with an underscore); ``bcp47`` is the IETF tag (``zh-TW``);
    ``autonym`` is the language's name for itself (``한국어``).
    """

    name: str
    code: str
    bcp47: str
    autonym: str

    def __str__(self) -> str:
        return self.name


# (name, Qwen-MT code, BCP-47 tag, autonym) in Qwen-MT's order.
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("English", "en", "en", "English"),
    ("Chinese", "zh", "zh", "简体中文"),
    ("Traditional Chinese", "zh_tw", "zh-TW", "繁體中文"),
    ("Russian", "ru", "ru", "Русский"),
    ("Japanese", "ja", "ja", "日本語"),
    ("Korean", "ko", "ko", "한국어"),
    ("Spanish", "es", "es", "Español"),
    ("French", "fr", "fr", "Français"),
    ("Portuguese", "pt", "pt", "Português"),
    ("German", "de", "de", "Deutsch"),
    ("Italian", "it", "it", "Italiano"),
    ("Thai", "th", "th", "ไทย"),
    ("Vietnamese", "vi", "vi", "Tiếng Việt"),
    ("Indonesian", "id", "id", "Bahasa Indonesia"),
    ("Malay", "ms", "ms", "Bahasa Melayu"),
    ("Arabic", "ar", "ar", "العربية"),
    ("Hindi", "hi", "hi", "हिन्दी"),
    ("Hebrew", "he", "he", "עברית"),
    ("Burmese", "my", "my", "မြန်မာ"),
    ("Tamil", "ta", "ta", "தமிழ்"),
    ("Urdu", "ur", "ur", "اردو"),
    ("Bengali", "bn", "bn", "বাংলা"),
    ("Polish", "pl", "pl", "Polski"),
    ("Dutch", "nl", "nl", "Nederlands"),
    ("Romanian", "ro", "ro", "Română"),
    ("Turkish", "tr", "tr", "Türkçe"),
    ("Khmer", "km", "km", "ខ្មែរ"),
    ("Lao", "lo", "lo", "ລາວ"),
    ("Cantonese", "yue", "yue", "粵語"),
    ("Czech", "cs", "cs", "Čeština"),
    ("Greek", "el", "el", "Ελληνικά"),
    ("Swedish", "sv", "sv", "Svenska"),
    ("Hungarian", "hu", "hu", "Magyar"),
    ("Danish", "da", "da", "Dansk"),
    ("Finnish", "fi", "fi", "Suomi"),
    ("Ukrainian", "uk", "uk", "Українська"),
    ("Bulgarian", "bg", "bg", "Български"),
    ("Serbian", "sr", "sr", "Српски"),
    ("Telugu", "te", "te", "తెలుగు"),
    ("Afrikaans", "af", "af", "Afrikaans"),
    ("Armenian", "hy", "hy", "Հայերեն"),
    ("Assamese", "as", "as", "অসমীয়া"),
    ("Asturian", "ast", "ast", "Asturianu"),
    ("Basque", "eu", "eu", "Euskara"),
    ("Belarusian", "be", "be", "Беларуская"),
    ("Bosnian", "bs", "bs", "Bosanski"),
    ("Catalan", "ca", "ca", "Català"),
    ("Cebuano", "ceb", "ceb", "Cebuano"),
    ("Croatian", "hr", "hr", "Hrvatski"),
    ("Egyptian Arabic", "arz", "arz", "العربية المصرية"),
    ("Estonian", "et", "et", "Eesti"),
    ("Galician", "gl", "gl", "Galego"),
    ("Georgian", "ka", "ka", "ქართული"),
    ("Gujarati", "gu", "gu", "ગુજરાતી"),
    ("Icelandic", "is", "is", "Íslenska"),
    ("Javanese", "jv", "jv", "Basa Jawa"),
    ("Kannada", "kn", "kn", "ಕನ್ನಡ"),
    ("Kazakh", "kk", "kk", "Қазақ тілі"),
    ("Latvian", "lv", "lv", "Latviešu"),
    ("Lithuanian", "lt", "lt", "Lietuvių"),
    ("Luxembourgish", "lb", "lb", "Lëtzebuergesch"),
    ("Macedonian", "mk", "mk", "Македонски"),
    ("Maithili", "mai", "mai", "मैथिली"),
    ("Maltese", "mt", "mt", "Malti"),
    ("Marathi", "mr", "mr", "मराठी"),
    ("Mesopotamian Arabic", "acm", "acm", "العربية العراقية"),
    ("Moroccan Arabic", "ary", "ary", "الدارجة المغربية"),
    ("Najdi Arabic", "ars", "ars", "العربية النجدية"),
    ("Nepali", "ne", "ne", "नेपाली"),
    ("North Azerbaijani", "az", "az", "Azərbaycan dili"),
    ("North Levantine Arabic", "apc", "apc", "العربية الشامية الشمالية"),
    ("Northern Uzbek", "uz", "uz", "O\u02bbzbekcha"),
    ("Norwegian Bokmål", "nb", "nb", "Norsk bokmål"),
    ("Norwegian Nynorsk", "nn", "nn", "Norsk nynorsk"),
    ("Occitan", "oc", "oc", "Occitan"),
    ("Odia", "or", "or", "ଓଡ଼ିଆ"),
    ("Pangasinan", "pag", "pag", "Pangasinan"),
    ("Sicilian", "scn", "scn", "Sicilianu"),
    ("Sindhi", "sd", "sd", "سنڌي"),
    ("Sinhala", "si", "si", "සිංහල"),
    ("Slovak", "sk", "sk", "Slovenčina"),
    ("Slovenian", "sl", "sl", "Slovenščina"),
    ("South Levantine Arabic", "ajp", "ajp", "العربية الشامية الجنوبية"),
    ("Swahili", "sw", "sw", "Kiswahili"),
    ("Tagalog", "tl", "tl", "Tagalog"),
    ("Ta\u2019izzi-Adeni Arabic", "acq", "acq", "العربية التعزية العدنية"),
    ("Tosk Albanian", "sq", "sq", "Shqip"),
    ("Tunisian Arabic", "aeb", "aeb", "الدارجة التونسية"),
    ("Venetian", "vec", "vec", "Vèneto"),
    ("Waray", "war", "war", "Winaray"),
    ("Welsh", "cy", "cy", "Cymraeg"),
    ("Western Persian", "fa", "fa", "فارسی"),
)

# Extra ways users name a language, by Qwen-MT code: ISO 639-2 (B and T) and 639-3 codes,
# deprecated ISO 639-1 codes (iw, in), macrolanguage codes, other English and native names.
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "en": ("eng",),
    "zh": (
        "zho", "chi", "cmn", "zh-Hans", "zh-CN", "zh-SG", "zh-MY", "Mandarin",
        "Chinese (Simplified)", "Simplified Chinese", "Chinese Simplified", "中文", "汉语",
        "普通话", "中文(简体)",
    ),
    "zh_tw": (
        "zh-Hant", "zh-HK", "zh-MO", "Chinese (Traditional)", "Chinese Traditional",
        "繁体中文", "正體中文", "中文(繁體)",
    ),
    "ru": ("rus",),
    "ja": ("jpn",),
    "ko": ("kor",),
    "es": ("spa", "Castilian", "Castellano"),
    "fr": ("fra", "fre"),
    "pt": ("por",),
    "de": ("deu", "ger"),
    "it": ("ita",),
    "th": ("tha",),
    "vi": ("vie",),
    "id": ("ind", "in"),
    "ms": ("msa", "may", "zsm", "Melayu"),
    "ar": ("ara", "arb", "Modern Standard Arabic"),
    "hi": ("hin",),
    "he": ("heb", "iw"),
    "my": ("mya", "bur", "Myanmar"),
    "ta": ("tam",),
    "ur": ("urd",),
    "bn": ("ben", "Bangla"),
    "pl": ("pol",),
    "nl": ("nld", "dut", "Flemish"),
    "ro": ("ron", "rum"),
    "tr": ("tur",),
    "km": ("khm", "Cambodian"),
    "lo": ("lao", "Laotian"),
    "yue": ("zh-yue", "粤语", "廣東話", "广东话"),
    "cs": ("ces", "cze"),
    "el": ("ell", "gre"),
    "sv": ("swe",),
    "hu": ("hun",),
    "da": ("dan",),
    "fi": ("fin",),
    "uk": ("ukr",),
    "bg": ("bul",),
    "sr": ("srp", "Srpski"),
    "te": ("tel",),
    "af": ("afr",),
    "hy": ("hye", "arm"),
    "as": ("asm",),
    "eu": ("eus", "baq"),
    "be": ("bel",),
    "bs": ("bos",),
    "ca": ("cat", "Valencian", "Valencià"),
    "ceb": ("Binisaya", "Bisaya"),
    "hr": ("hrv",),
    "arz": ("Masri", "مصري"),
    "et": ("est", "ekk"),
    "gl": ("glg",),
    "ka": ("kat", "geo"),
    "gu": ("guj",),
    "is": ("isl", "ice"),
    "jv": ("jav",),
    "kn": ("kan",),
    "kk": ("kaz",),
    "lv": ("lav", "lvs"),
    "lt": ("lit",),
    "lb": ("ltz", "Letzeburgesch"),
    "mk": ("mkd", "mac"),
    "mt": ("mlt",),
    "mr": ("mar",),
    "acm": ("Iraqi Arabic",),
    "ary": ("Darija",),
    "ne": ("nep", "npi"),
    "az": ("aze", "azj", "Azerbaijani", "Azeri"),
    "apc": ("Levantine Arabic", "Syrian Arabic", "Lebanese Arabic"),
    "uz": ("uzb", "uzn", "Uzbek", "O'zbekcha"),
    "nb": ("nob", "no", "nor", "Norwegian", "Bokmål"),
    "nn": ("nno", "Nynorsk"),
    "oc": ("oci",),
    "or": ("ori", "ory", "Oriya"),
    "sd": ("snd",),
    "si": ("sin", "Sinhalese"),
    "sk": ("slk", "slo"),
    "sl": ("slv", "Slovene"),
    "ajp": ("Palestinian Arabic", "Jordanian Arabic"),
    "sw": ("swa", "swh"),
    "tl": ("tgl", "fil", "Filipino", "Pilipino"),
    "sq": ("sqi", "alb", "als", "Albanian"),
    "aeb": ("Tunisian", "Tounsi"),
    "war": ("Waray-Waray",),
    "cy": ("cym", "wel"),
    "fa": ("fas", "per", "pes", "Persian", "Farsi"),
}  # fmt: skip

_LANGUAGES: tuple[Language, ...] = tuple(Language(*row) for row in _TABLE)
# Curly quotes and the modifier letters Uzbek and Hawaiian use all read as a plain apostrophe.
_KEY_CHARS = str.maketrans({"_": "-", "\u2018": "'", "\u2019": "'", "\u02bb": "'", "\u02bc": "'"})
_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})+")
_CHINESE_SUBTAGS = frozenset({"zh", "zho", "chi", "cmn"})
_TRADITIONAL_SUBTAGS = frozenset({"tw", "hk", "mo"})


def _key(text: str) -> str:
    """Normalise ``text`` into a lookup key (see the module's invariants)."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text.casefold().translate(_KEY_CHARS)


def _accentless(key: str) -> str | None:
    """Return ``key`` without accents when that leaves plain ASCII, else None."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c)
    )
    return stripped if stripped.isascii() and stripped != key else None


def _spellings(language: Language) -> Iterable[str]:
    """Yield every spelling that names ``language``."""
    yield from (language.name, language.code, language.bcp47, language.autonym)
    yield from _ALIASES.get(language.code, ())


def _add(index: dict[str, Language], key: str, language: Language) -> None:
    """Add ``key`` to ``index``; a key naming two languages is a bug in the table."""
    if index.setdefault(key, language) is not language:
        raise ValueError(f"{key!r} names both {index[key]} and {language}")


def _build_index(languages: Iterable[Language]) -> dict[str, Language]:
    """Map every key of every spelling of every language to that language."""
    index: dict[str, Language] = {}
    for language in languages:
        for spelling in _spellings(language):
            key = _key(spelling)
            _add(index, key, language)
            folded = _accentless(key)
            if folded is not None:
                _add(index, folded, language)
    return index


_INDEX: dict[str, Language] = _build_index(_LANGUAGES)
_BY_CODE: dict[str, Language] = {language.code: language for language in _LANGUAGES}


def all_languages() -> tuple[Language, ...]:
    """Return every supported language, in Qwen-MT's order."""
    return _LANGUAGES


def _from_tag(key: str) -> Language | None:
    """Resolve a BCP-47 tag with subtags by its language subtag (and script for Chinese)."""
    if not _TAG.fullmatch(key):
        return None
    primary, *rest = key.split("-")
    if primary in _CHINESE_SUBTAGS:
        traditional = "hant" in rest or (
            "hans" not in rest and not _TRADITIONAL_SUBTAGS.isdisjoint(rest)
        )
        return _BY_CODE["zh_tw" if traditional else "zh"]
    return _INDEX.get(primary)


def _suggestions(key: str) -> tuple[str, ...]:
    """Return up to three language names whose spellings are closest to ``key``."""
    names: dict[str, None] = {}
    for match in difflib.get_close_matches(key, _INDEX, n=12, cutoff=0.6):
        names.setdefault(_INDEX[match].name)
    return tuple(names)[:3]


def resolve(query: str) -> Language:
    """Return the language named by ``query``: a name, code, tag, autonym or alias."""
    key = _key(query)
    language = _INDEX.get(key) or _from_tag(key)
    if language is None:
        raise UnknownLanguageError(query, _suggestions(key) if key else ())
    return language


def resolve_source(query: str) -> Language | None:
    """Return the language named by ``query``, or None for ``auto`` (detect it)."""
    if _key(query) == AUTO:
        return None
    return resolve(query)
