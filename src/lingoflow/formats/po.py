"""Gettext PO and POT catalogues, read with polib and written back by splicing entries.

Unit model: every active (not obsolete, not the header) entry gives one unit whose source is
its ``msgid`` and whose id is gettext's own key: ``msgctxt + "\\x04" + msgid`` when the entry
has a context, else ``msgid``. A plural entry gives a second unit for ``msgid_plural`` with the
id ``key + "\\x00plural"``. The unit's context is the ``msgctxt`` and the extracted comments
(``#.``). ``msgid``s, comments, references, obsolete (``#~``) entries and entry order are
never touched.

Writing:

- ``msgstr`` gets the translation. For a plural entry ``msgstr[0]`` gets the singular unit's
  translation and every further form ``msgstr[1..n-1]`` gets the plural unit's translation,
  where ``n`` is ``nplurals`` from the ``Plural-Forms`` header (else the entry's own number of
  forms, 2 in a POT). Languages with more than two forms (Russian, Polish, Arabic) thus get
  every form filled from the plural source: correct to read, and a reviewer refines the
  forms. With ``nplurals=1`` (Japanese, Chinese) ``msgstr[0]`` gets the plural translation.
- An entry that ``write`` fills is flagged ``fuzzy``: machine output needs review, and
  ``msgfmt`` leaves fuzzy entries out of the compiled catalogue until a reviewer clears the
  flag. Set ``mark_fuzzy = False`` on a document to skip that. Other flags are kept.
- With ``target`` the header's ``Language`` is set (``pt_BR`` style) and the header's
  ``msgstr`` is rewritten one field per line.

Byte-faithfulness: polib's ``save`` re-wraps every entry at 78 columns, so it is not used.
The file is cut into entries by line ranges (blank lines and the start of a new entry after a
``msgstr``); each range is parsed with polib, and ``write`` replaces only the ``#,`` flag line
and the ``msgstr`` lines of the entries it fills (one line per value, split after each
``\\n``). Everything else is copied byte for byte, so ``write({})`` returns the input.
Syntax errors raise :class:`~lingoflow.errors.FormatError` with the file's line number.

Encoding: the header's ``charset`` is honoured (a POT's placeholder ``charset=CHARSET`` is
not a charset); without one the file is UTF-8, else detected (see
:mod:`lingoflow.formats.encoding`). Output is written in the same charset; when a
translation does not fit it (Japanese into ISO-8859-1), the file is written as UTF-8 with its
header's ``charset`` changed to UTF-8, and the document's notes say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

import polib

from lingoflow.errors import FormatError
from lingoflow.formats.base import Document, Unit
from lingoflow.formats.encoding import TextCodec, detect_codec
from lingoflow.languages import Language

__all__ = ["PLURAL_SUFFIX", "PoDocument"]

PLURAL_SUFFIX = "\x00plural"
"""Appended to an entry's key to name the unit of its ``msgid_plural``."""

_KEYWORD = re.compile(r"(msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?)\s")
_CHARSET = re.compile(rb"charset=([-\w.]+)")
_CHARSET_TEXT = re.compile(r"charset=[-\w.]+")
_STRING_START = re.compile(r'\s*(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"')
_STRING_REST = re.compile(r'"(?:[^"\\]|\\.)*"\s*')
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
_SYNTAX_LINE = re.compile(r"\(line (\d+)\)")
# polib splits its input with str.splitlines(), which also breaks at these characters; they
# are ordinary text in PO strings, so they are swapped for Unicode noncharacters meanwhile.
_SPLITLINES_ONLY = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_HIDE = str.maketrans({c: chr(0xFDD0 + i) for i, c in enumerate(_SPLITLINES_ONLY)})
_UNHIDE = str.maketrans({chr(0xFDD0 + i): c for i, c in enumerate(_SPLITLINES_ONLY)})
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
_LANGUAGE = re.compile(r"^Language:.*$", re.MULTILINE)


@dataclass(slots=True)
class _Chunk:
    """A line range of the file: one active entry, the header, or skeleton to copy."""

    first_line: int
    lines: list[str]
    entry: polib.POEntry | None = None
    header: str | None = None  # the header's msgstr, for the header chunk


def _split(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Cut the file into entries at blank lines and where a new entry follows a msgstr."""
    current: list[str] = []
    start, in_msgstr = 0, False
    for number, line in enumerate(lines):
        stripped = line.strip()
        starts_entry = stripped.startswith(("#", "msgctxt", "msgid ")) and in_msgstr
        if not stripped or starts_entry:
            if current:
                yield start, current
            start, current, in_msgstr = number, [], False
            if not stripped:
                yield number, [line]
                start = number + 1
                continue
        current.append(line)
        if stripped.startswith("msgstr"):
            in_msgstr = True
    if current:
        yield start, current


def _is_active(lines: list[str]) -> bool:
    return any(_KEYWORD.match(line.lstrip()) for line in lines)


def _hide(text: str) -> str:
    return text.translate(_HIDE)


def _unhide(entry: polib.POEntry) -> polib.POEntry:
    """Put back the characters :func:`_hide` swapped out in the fields lingoflow reads."""
    for field in ("msgid", "msgstr", "msgid_plural", "msgctxt", "comment"):
        value = getattr(entry, field)
        if isinstance(value, str):
            setattr(entry, field, value.translate(_UNHIDE))
    entry.msgstr_plural = {k: v.translate(_UNHIDE) for k, v in entry.msgstr_plural.items()}
    return entry


def _check_strings(first_line: int, lines: list[str], name: str) -> None:
    """Raise ``FormatError`` for a string that does not close on its line (polib accepts it)."""
    for number, line in enumerate(lines, start=first_line + 1):
        opened = _STRING_START.match(line)
        if opened and not _STRING_REST.fullmatch(line, opened.end() - 1):
            raise FormatError(name, 'a string is not closed with " on its line', line=number)


def _parse_chunk(first_line: int, lines: list[str], name: str) -> _Chunk:
    chunk = _Chunk(first_line, lines)
    if not _is_active(lines):
        return chunk
    _check_strings(first_line, lines, name)
    try:
        catalogue = polib.pofile(
            _hide("".join(lines)), encoding="utf-8", check_for_duplicates=False
        )
    except (OSError, ValueError) as exc:
        found = _SYNTAX_LINE.search(str(exc))
        line = first_line + int(found.group(1)) if found else first_line + 1
        raise FormatError(name, "invalid PO syntax; check quotes and keywords", line=line) from exc
    active = [entry for entry in catalogue if not entry.obsolete]
    if active:
        chunk.entry = _unhide(active[0])
    elif any(line.startswith("msgid") for line in lines):
        chunk.header = _msgstr_text(lines)
    return chunk


def _msgstr_text(lines: list[str]) -> str:
    """The unescaped value of the msgstr in ``lines`` (used for the header)."""
    parts: list[str] = []
    in_msgstr = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("msgstr"):
            in_msgstr = True
            stripped = stripped.split(None, 1)[1] if " " in stripped else '""'
        if in_msgstr and stripped.startswith('"'):
            parts.append(polib.unescape(stripped[1:-1]))
    return "".join(parts)


def _codec(data: bytes, name: str) -> TextCodec:
    """The catalogue's codec: its BOM, the header's charset, UTF-8, else a guess."""
    declared = _CHARSET.search(data)
    charset = declared.group(1).decode("ascii") if declared else None
    return detect_codec(data, name, "a PO file", declared=charset)


def _key(entry: polib.POEntry) -> str:
    return entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"


def _field(name: str, value: str, newline: str) -> list[str]:
    """Render one msgstr field: one line, or ``""`` then one line per ``\\n``-ended part."""
    parts = _LINES.findall(value)
    if len(parts) <= 1:
        return [f'{name} "{polib.escape(value)}"{newline}']
    return [f'{name} ""{newline}'] + [f'"{polib.escape(part)}"{newline}' for part in parts]


class PoDocument(Document):
    """A gettext catalogue whose active entries are the units."""

    codec: TextCodec

    format_name: ClassVar[str] = "po"
    extensions: ClassVar[tuple[str, ...]] = (".po", ".pot")
    mark_fuzzy: bool = True

    def __init__(self, codec: TextCodec, chunks: list[_Chunk], newline: str) -> None:
        self.codec = codec
        self._chunks = chunks
        self._newline = newline
        self._keys = self._assign_keys()

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<input>") -> Self:
        """Parse a PO/POT file; syntax errors raise ``FormatError`` with the line."""
        codec = _codec(data, name)
        text = codec.decode(data, name)
        lines = _LINES.findall(text)  # not splitlines(): U+2028 and friends are not line ends
        chunks = [_parse_chunk(first, part, name) for first, part in _split(lines)]
        return cls(codec, chunks, "\r\n" if "\r\n" in text else "\n")

    def _assign_keys(self) -> dict[int, str]:
        """Key per entry chunk index; repeated keys get a ``#n`` suffix."""
        keys: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index, chunk in enumerate(self._chunks):
            if chunk.entry is None:
                continue
            key = _key(chunk.entry)
            seen[key] = seen.get(key, 0) + 1
            keys[index] = key if seen[key] == 1 else f"{key}#{seen[key]}"
        return keys

    def _entries(self) -> Iterator[tuple[int, str, polib.POEntry]]:
        for index, key in self._keys.items():
            entry = self._chunks[index].entry
            if entry is not None:
                yield index, key, entry

    @property
    def nplurals(self) -> int | None:
        """``nplurals`` from the header's ``Plural-Forms``, if the file declares it."""
        for chunk in self._chunks:
            if chunk.header is not None:
                found = _NPLURALS.search(chunk.header)
                return int(found.group(1)) if found else None
        return None

    @property
    def units(self) -> list[Unit]:
        """One unit per msgid and one per msgid_plural, in file order."""
        units: list[Unit] = []
        for _, key, entry in self._entries():
            context = "\n".join(part for part in (entry.msgctxt, entry.comment) if part)
            if entry.msgid.strip():
                units.append(Unit(key, entry.msgid, context=context))
            if entry.msgid_plural and entry.msgid_plural.strip():
                units.append(Unit(key + PLURAL_SUFFIX, entry.msgid_plural, context=context))
        return units

    @property
    def targets(self) -> dict[str, str]:
        """The non-empty translations already in the file, by unit id."""
        found: dict[str, str] = {}
        for _, key, entry in self._entries():
            if entry.msgid_plural:
                forms = entry.msgstr_plural
                found[key] = forms.get(0, "")
                found[key + PLURAL_SUFFIX] = forms.get(1, forms.get(0, ""))
            else:
                found[key] = entry.msgstr
        return {key: text for key, text in found.items() if text}

    def _plural_values(
        self, entry: polib.POEntry, singular: str | None, plural: str | None
    ) -> dict[int, str]:
        forms = dict(entry.msgstr_plural)
        count = self.nplurals or max(len(forms), 2)
        values = {index: forms.get(index, "") for index in range(count)}
        if count == 1:
            chosen = plural if plural is not None else singular
            return {0: chosen} if chosen is not None else values
        if singular is not None:
            values[0] = singular
        if plural is not None:
            values.update({index: plural for index in range(1, count)})
        return values

    def _msgstr_lines(self, entry: polib.POEntry, key: str, tr: Mapping[str, str]) -> list[str]:
        """The new msgstr lines, or [] when the translations change nothing."""
        newline = self._newline
        if not entry.msgid_plural:
            value = tr.get(key)
            return (
                [] if value is None or value == entry.msgstr else _field("msgstr", value, newline)
            )
        values = self._plural_values(entry, tr.get(key), tr.get(key + PLURAL_SUFFIX))
        if values == dict(entry.msgstr_plural):
            return []
        return [line for i, v in values.items() for line in _field(f"msgstr[{i}]", v, newline)]

    def _flag_lines(self, lines: list[str], entry: polib.POEntry) -> list[str]:
        """``lines`` (the part before msgstr) with ``fuzzy`` added to the ``#,`` line."""
        if not self.mark_fuzzy or "fuzzy" in entry.flags:
            return lines
        flags = f"#, {', '.join(['fuzzy', *entry.flags])}{self._newline}"
        for index, line in enumerate(lines):
            if line.startswith("#,"):
                return [*lines[:index], flags, *lines[index + 1 :]]
        at = next(
            (i for i, line in enumerate(lines) if line.startswith(("#|", "msgctxt", "msgid"))),
            len(lines),
        )
        return [*lines[:at], flags, *lines[at:]]

    def _entry_lines(
        self, lines: list[str], entry: polib.POEntry, key: str, tr: Mapping[str, str]
    ) -> list[str]:
        msgstr = self._msgstr_lines(entry, key, tr)
        if not msgstr:
            return lines
        cut = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        return [*self._flag_lines(lines[:cut], entry), *msgstr]

    def _header_lines(self, chunk: _Chunk, target: Language | None) -> list[str]:
        if target is None or chunk.header is None:
            return chunk.lines
        code = target.bcp47.replace("-", "_")
        field = f"Language: {code}"
        header = chunk.header
        if _LANGUAGE.search(header):
            updated = _LANGUAGE.sub(field, header, count=1)
        else:
            updated = header + ("" if header.endswith("\n") or not header else "\n") + field + "\n"
        if updated == header:
            return chunk.lines
        cut = next(i for i, line in enumerate(chunk.lines) if line.startswith("msgstr"))
        return [*chunk.lines[:cut], *_field("msgstr", updated, self._newline)]

    def write(self, translations: Mapping[str, str], *, target: Language | None = None) -> bytes:
        """Fill msgstr of the named entries (flagged fuzzy); set ``Language`` to ``target``."""
        out: list[str] = []
        for index, chunk in enumerate(self._chunks):
            if chunk.entry is not None and index in self._keys:
                out += self._entry_lines(chunk.lines, chunk.entry, self._keys[index], translations)
            elif chunk.header is not None:
                out += self._header_lines(chunk, target)
            else:
                out += chunk.lines
        text = "".join(out)
        if self.codec.fits(text):
            return self.codec.encode(text, target)
        self.codec.notes.append(self.codec.unfit_note(text, target, "written as UTF-8"))
        return _CHARSET_TEXT.sub("charset=UTF-8", text, count=1).encode("utf-8")
