"""The number check: every number of the source is in the translation, read per locale.

Numbers are read with each text's own conventions before they are compared: ``1,000.5``
(English), ``1.000,5`` (German) and ``1 000,5`` (French) are one value. A number written
with the other convention (``3.5`` in a German text) is still read when the text's own
convention cannot parse it, since digit groups always hold three digits. Then:

- Values match exactly, or a 12-hour time (``7 p.m.``) matches its 24-hour form (``19``).
- Next to a magnitude word (million, Milliarden, 万, 억 ...), values match by their
  significant digits, because languages group magnitudes differently (``10 million`` is
  ``1000万``; ``1.5 billion`` is ``15億``).
- Imperial measures match their metric conversion within 6 % (``10 inches`` is ``25 cm``,
  ``80 degrees`` Fahrenheit is ``26`` Celsius); ``1980s`` matches ``80`` (``années 80``);
  ``7.55am`` is read as the hour and minutes of ``7:55``.
- Integers up to 10 are often written as words (``two`` → ``zwei``), a measure may be
  converted from words (``a mile`` → ``1,6 km``), and CJK languages write months, days and
  hours in digits (``December`` → ``12월``): such numbers left over on one side only are
  not reported. A changed number leaves a value over on *both* sides, and is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Details, Severity, check

__all__ = ["numbers", "read_numbers"]

# Languages whose decimal separator is a comma (CLDR); the others use a point.
_DECIMAL_COMMA = frozenset(
    {
        "de", "es", "fr", "it", "pt", "nl", "pl", "tr", "id", "vi", "ru", "uk", "be", "bg",
        "sr", "mk", "cs", "sk", "sl", "hr", "bs", "ro", "da", "sv", "nb", "nn", "fi", "et",
        "lv", "lt", "hu", "el", "ca", "gl", "eu", "is", "az", "kk", "uz", "sq", "af", "lb",
        "oc", "vec", "scn", "ast", "ka", "hy", "jv",
    }
)  # fmt: skip
_SPACES = " \u00a0\u202f\u2009"
_NUMBER = re.compile(
    r"(?<!\d)(?<!\d[.,])\d+(?:(?:[.,'\u2019\u066b\u066c]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*"
)
_SCALE = re.compile(
    r"\s?(?:(?:thousand|million|billion|trillion|m|bn|k|tausend|millionen|milliarden?|mio|mrd|"
    r"mil|millón|millones|billón|billones|mille|millions?|milliards?|milion[ei]|miliard[oi]|"
    r"milhão|milhões|bilhão|bilhões|miljoen|miljard|milion(?:y|ów)?|miliard(?:y|ów)?|bin|"
    r"milyon|milyar|ribu|juta|miliar|triliun|nghìn|triệu|tỷ|тысяч\w*|млн|млрд|миллион\w*|"
    r"миллиард\w*|тис\w*|мільйон\w*|мільярд\w*|ألف|مليون|مليار|हज़ार|हजार|लाख|करोड़|मिलियन|"
    r"बिलियन)(?!\w)|พัน|หมื่น|แสน|ล้าน|千|万|萬|亿|億|兆|百|천|만|억|조)",
    re.IGNORECASE,
)
# Imperial units a translation converts, with (factor, offset) to the metric unit.
_IMPERIAL = (
    (re.compile(r"\s?-?(?:inch(?:es)?|in\.)(?!\w)", re.IGNORECASE), 2.54, 0.0),
    (re.compile(r"\s?-?(?:feet|foot|ft)(?!\w)", re.IGNORECASE), 0.3048, 0.0),
    (re.compile(r"\s?-?(?:miles?|mi|mph)(?!\w)", re.IGNORECASE), 1.609, 0.0),
    (re.compile(r"\s?-?(?:pounds?|lbs?)(?!\w)", re.IGNORECASE), 0.4536, 0.0),
    (re.compile(r"\s?-?(?:ounces?|oz)(?!\w)", re.IGNORECASE), 28.35, 0.0),
    (re.compile(r"\s?-?(?:gallons?)(?!\w)", re.IGNORECASE), 3.785, 0.0),
    (re.compile(r"\s?-?(?:yards?|yds?)(?!\w)", re.IGNORECASE), 0.9144, 0.0),
    (re.compile(r"\s?-?(?:acres?)(?!\w)", re.IGNORECASE), 0.4047, 0.0),
    (re.compile(r"s?\s?-?(?:°\s?F|degrees?(?: fahrenheit)?)(?!\w)", re.IGNORECASE), 5 / 9, -32.0),
)
# Units, dates and times next to which a number may stand alone on one side: converted
# measures ("a mile" = "1,6 km") and CJK months, days and hours written in digits.
_UNIT = re.compile(
    r"\s?(?:(?:cm|mm|km|m|kg|g|l|ha|°c?|grad|grados?|degrés?|gradi|centím\w*|centim\w*|"
    r"zentimeter\w*|kilom\w*|kilóm\w*|meter\w*|metros?|mètres?|metri|kilo\w*|inch\w*|feet|"
    r"foot|ft|miles?|mph|pounds?|lbs?)(?!\w)|[度도℃月월日일時时시点]|公里|厘米|公斤|千克|"
    r"キロ|センチ|メートル|킬로|센티|미터)",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\s?(?:to|-|\u2013|and|or)\s?\d+(?:[.,]\d+)?")
_DECADE = re.compile(r"'?s(?!\w)")
_CLOCK = re.compile(r"\s?[ap]\.?\s?m\.?(?!\w)", re.IGNORECASE)
_PM = re.compile(r"\s?p\.?\s?m\.?(?!\w)", re.IGNORECASE)
_TOLERANCE = 0.06
_SMALL = Decimal(10)


@dataclass(frozen=True, slots=True)
class _Number:
    """A number as written, its value(s) and its significant digits."""

    written: str
    values: frozenset[Decimal]
    digits: str
    scaled: bool
    unit: bool = False
    converted: tuple[float, ...] = ()

    @property
    def small(self) -> bool:
        """Tell whether it is an integer from 0 to 10 (often spelled out instead)."""
        return all(v <= _SMALL and v == v.to_integral_value() for v in self.values)

    @property
    def excusable(self) -> bool:
        """Tell whether it may stand on one side only: small, or next to a unit or date."""
        return self.small or self.unit

    def near(self, other: _Number) -> bool:
        """Tell whether a converted value of ``self`` rounds to a value of ``other``."""
        return any(
            abs(float(v) - c) <= _TOLERANCE * abs(c) + 0.5
            for c in self.converted
            for v in other.values
        )


def _separators(decimal_comma: bool) -> tuple[str, str]:
    """Return (decimal separators, group separators) for one convention."""
    if decimal_comma:
        return ",\u066b", ".'\u2019" + _SPACES
    return ".\u066b", ",'\u2019\u066c"


def _parse(parts: Sequence[str], seps: Sequence[str], decimal_comma: bool) -> Decimal | None:
    """Return the value of digit ``parts`` joined by ``seps``, or None if malformed."""
    decimals, groups = _separators(decimal_comma)
    fraction = ""
    if seps and seps[-1] in decimals:
        fraction, parts, seps = parts[-1], parts[:-1], seps[:-1]
    if seps and (len(set(seps)) > 1 or seps[0] not in groups):
        return None
    if seps and (len(parts[0]) > 3 or any(len(p) != 3 for p in parts[1:])):
        return None
    text = "".join(parts) + (f".{fraction}" if fraction else "")
    try:
        return Decimal(text)
    except InvalidOperation:  # digits of scripts Decimal does not read
        return None


def _values(token: str, decimal_comma: bool) -> list[Decimal]:
    """Return the value(s) of a token: one number, or its pieces if it parses no way."""
    parts = re.split(r"\D", token)
    seps = re.findall(r"\D", token)
    for convention in (decimal_comma, not decimal_comma):
        if convention != decimal_comma and any(s in _SPACES for s in seps):
            break
        value = _parse(parts, seps, convention)
        if value is not None:
            return [value]
    return [Decimal(int(p)) for p in parts if p]


def _significant(value: Decimal) -> str:
    """Return the significant digits of ``value`` (``1.50`` and ``1500`` → ``15``)."""
    return format(value, "f").replace(".", "").strip("0") or "0"


def _converted(text: str, end: int, values: Sequence[Decimal]) -> tuple[float, ...]:
    """Return the metric values of a number followed by an imperial unit at ``end``.

    The first number of a range (``2 to 4 inches``) takes the unit of the second.
    """
    if ranged := _RANGE.match(text, end):
        end = ranged.end()
    for pattern, factor, offset in _IMPERIAL:
        if pattern.match(text, end):
            return tuple((float(v) + offset) * factor for v in values)
    return ()


def _pieces(token: str, text: str, end: int, decimal_comma: bool) -> list[Decimal]:
    """Return the values of a token; a clock time (``7.55am``) is its hour and minutes."""
    if _CLOCK.match(text, end) and re.fullmatch(r"\d{1,2}[.:]\d{2}", token):
        return [Decimal(token[:-3]), Decimal(token[-2:])]
    return _values(token, decimal_comma)


def _alternatives(value: Decimal, text: str, end: int, token: str) -> set[Decimal]:
    """Return the values a number may be written as: itself, 24-hour time, short decade."""
    values = {value.normalize()}
    if _PM.match(text, end) and 1 <= value < 12:
        values.add((value + 12).normalize())
    if len(token) == 4 and _DECADE.match(text, end):
        values.add((value % 100).normalize())
    return values


def read_numbers(text: str, lang_code: str) -> list[_Number]:
    """Return the numbers of ``text`` read with the conventions of ``lang_code``."""
    decimal_comma = lang_code in _DECIMAL_COMMA
    found: list[_Number] = []
    for match in _NUMBER.finditer(text):
        token, end = match.group(), match.end()
        scaled = _SCALE.match(text, end) is not None
        unit = _UNIT.match(text, end) is not None
        for value in _pieces(token, text, end, decimal_comma):
            found.append(
                _Number(
                    written=token,
                    values=frozenset(_alternatives(value, text, end, token)),
                    digits=_significant(value),
                    scaled=scaled,
                    unit=unit,
                    converted=_converted(text, end, [value]),
                )
            )
    return found


def _take(pool: list[_Number], wanted: _Number, *, loose: bool) -> bool:
    """Remove from ``pool`` a number matching ``wanted``; tell whether one was found."""
    for index, candidate in enumerate(pool):
        exact = not candidate.values.isdisjoint(wanted.values)
        scaled = (candidate.scaled or wanted.scaled) and candidate.digits == wanted.digits
        if exact or (loose and (scaled or wanted.near(candidate))):
            del pool[index]
            return True
    return False


def _unmatched(source: list[_Number], target: list[_Number]) -> tuple[list[_Number], ...]:
    """Return the source and target numbers left once matching ones are paired off."""
    left = list(target)
    missing = [n for n in source if not _take(left, n, loose=False)]
    missing = [n for n in missing if not _take(left, n, loose=True)]
    return missing, left


@check("numbers", Severity.MAJOR)
def numbers(item: CheckInput) -> Iterator[Details]:
    """Numbers differ: {missing} only in the source, {extra} only in the translation."""
    source = read_numbers(item.source_masked, item.source_lang.code)
    target = read_numbers(item.target_masked, item.target_lang.code)
    missing, extra = _unmatched(source, target)
    if not missing or not extra:  # one-sided leftovers: words, units and dates excused
        missing = [n for n in missing if not n.excusable]
        extra = [n for n in extra if not n.excusable]
    if missing or extra:
        yield {
            "missing": ", ".join(n.written for n in missing) or "none",
            "extra": ", ".join(n.written for n in extra) or "none",
        }
