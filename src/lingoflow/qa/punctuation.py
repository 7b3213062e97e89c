"""Checks on punctuation and spacing: edge whitespace, end punctuation, paired marks.

Language-aware where writing systems differ: a Chinese or Japanese sentence ends in the
ideographic full stop or a full-width ? or !, an Arabic or Persian question in the Arabic
question mark, an Urdu sentence in the Urdu full stop; Spanish questions and
exclamations open with ¿ and ¡; Thai and Lao mark no sentence end. Quotation marks are
paired per language (German „…“, Polish „…”, French «…», Japanese 「…」); only counts are
compared, so reversed styles (»…«) balance too, and full-width brackets pair with ASCII
ones (a translator's mixed widths are not a structural problem). A pair is reported
unbalanced only when the source is balanced, and quotation marks not at all when the source
opens or closes with one (a quotation may span segments).
"""

from __future__ import annotations

from collections.abc import Iterator

from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check

__all__ = ["brackets", "end_punctuation", "final_mark", "whitespace"]

_CLOSERS = "\"'”\u2019»」』\uff09)]】\u203a“〉》\u200b"
_CLASSES = {
    "stop": ".\u3002\u0964\u06d4\u104b\u17d4\u1362\uff0e",
    "question": "?\uff1f\u061f;\u037e",
    "exclamation": "!\uff01",
    "colon": ":\uff1a",
    "ellipsis": "…‥",
    "semicolon": ";\uff1b",
    "comma": ",\uff0c\u3001\u060c",
}
_CLASS_OF = {char: name for name, chars in _CLASSES.items() for char in chars}
_CJK = frozenset({"zh", "zh_tw", "yue", "ja"})
_ARABIC_QUESTION = frozenset(
    {"ar", "arz", "acm", "ary", "ars", "apc", "ajp", "acq", "aeb", "fa", "ur", "sd"}
)
_NO_FULL_STOP = frozenset({"th", "lo"})
_GUILLEMETS = ("\u00ab\u00bb", "\u2039\u203a", "「」", "『』")
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
_QUOTES = "\"'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u300c\u300d"
_BRACKETS = ("()", "[]", "{}", "【】", "《》", "〈〉")
_WIDTH = str.maketrans("\uff08\uff09\uff3b\uff3d", "()[]")  # full-width brackets count as ASCII
_LOW_HIGH = frozenset({"de", "cs", "sk", "sl", "bg", "lt", "et", "is", "ka", "lb"})  # „…“
_LOW_RIGHT = frozenset({"pl", "ro", "hu", "nl", "hr", "sr", "bs"})  # „…”


def final_mark(text: str) -> tuple[str, str]:
    """Return the class (``stop``, ``question``, ..., ``none``) and character ending ``text``."""
    core = text.rstrip().rstrip(_CLOSERS).rstrip()
    if core.endswith("..."):
        return "ellipsis", "..."
    last = core[-1:]
    return _CLASS_OF.get(last, "none"), last


def _quote_pair(code: str) -> str:
    """Return the double quotation marks (open, close) of language ``code``."""
    if code in _LOW_HIGH:
        return "\u201e\u201c"
    if code in _LOW_RIGHT:
        return "\u201e\u201d"
    return "\u201c\u201d"


def _spans_segments(text: str) -> bool:
    """Tell whether ``text`` opens or closes with a quotation mark (a quote may go on)."""
    edges = text.strip()[:1] + text.strip()[-1:]
    return any(char in _QUOTES for char in edges)


def _unbalanced_quotes(text: str, code: str) -> list[str]:
    """Return the quotation marks unbalanced in ``text``.

    Straight and curly double quotes are often mixed in one text; when a straight one is
    present, all double quotes count together and must be even.
    """
    found = [pair for pair in _GUILLEMETS if text.count(pair[0]) != text.count(pair[1])]
    if '"' in text:
        if sum(text.count(char) for char in _DOUBLE_QUOTES) % 2:
            found.append('""')
    else:
        pair = _quote_pair(code)
        if text.count(pair[0]) != text.count(pair[1]):
            found.append(pair)
    return found


def _unbalanced(text: str, code: str, *, quotes: bool = True) -> list[str]:
    """Return the brackets (and, with ``quotes``, quotation marks) unbalanced in ``text``."""
    narrow = text.translate(_WIDTH)
    found = [pair for pair in _BRACKETS if narrow.count(pair[0]) != narrow.count(pair[1])]
    return found + (_unbalanced_quotes(text, code) if quotes else [])


@check("whitespace", Severity.MINOR)
def whitespace(item: CheckInput) -> Iterator[Details]:
    """{edge} whitespace differs: {source!r} in the source, {target!r} in the translation."""
    source, target = item.source, item.target
    edges = (
        (
            "Leading",
            source[: len(source) - len(source.lstrip())],
            target[: len(target) - len(target.lstrip())],
        ),
        ("Trailing", source[len(source.rstrip()) :], target[len(target.rstrip()) :]),
    )
    for edge, before, after in edges:
        if bool(before) != bool(after) or before.count("\n") != after.count("\n"):
            yield {"edge": edge, "source": before, "target": after}


def _convention(item: CheckInput, mark: str, kind: str) -> str | None:
    """Return what the target language writes instead of ``mark``, if it differs."""
    code = item.target_lang.code
    if code in _CJK and mark in ".?!":
        return {".": "\u3002", "?": "\uff1f", "!": "\uff01"}[mark]
    if code in _ARABIC_QUESTION and mark == "?":
        return "؟"
    if code == "ur" and mark == ".":
        return "\u06d4"
    opener = {"question": "¿", "exclamation": "¡"}.get(kind)
    if code == "es" and opener and opener not in item.target:
        return f"{opener}…{mark}"
    return None


def _comparable(kind: str, code: str) -> str:
    """Return ``kind`` as compared for language ``code`` (no full stop in Thai or Lao)."""
    return "none" if kind == "stop" and code in _NO_FULL_STOP else kind


@check("end-punctuation", Severity.MINOR)
def end_punctuation(item: CheckInput) -> Iterator[Details]:
    """End punctuation: {problem}."""
    source_kind, source_mark = final_mark(item.source)
    target_kind, target_mark = final_mark(item.target)
    codes = item.source_lang.code, item.target_lang.code
    if _comparable(source_kind, codes[1]) != _comparable(target_kind, codes[0]):
        shown = repr(target_mark) if target_kind != "none" else "nothing"
        ending = f"the source ends with {source_kind} {source_mark!r}"
        yield {"problem": f"{ending}, the translation with {shown}"}
    elif target_kind != "none" and (expected := _convention(item, target_mark, target_kind)):
        yield {"problem": f"{item.target_lang.name} writes {expected!r}, not {target_mark!r}"}


@check("brackets", Severity.MINOR)
def brackets(item: CheckInput) -> Iterator[Details]:
    """Unbalanced {pair} in the translation (balanced in the source)."""
    quotes = not _spans_segments(item.source)
    if _unbalanced(item.source, item.source_lang.code, quotes=quotes):
        return
    for pair in _unbalanced(item.target, item.target_lang.code, quotes=quotes):
        yield {"pair": pair}
