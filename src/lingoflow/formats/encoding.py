"""How text formats read and write their bytes: find the encoding, and write it back.

:func:`detect_codec` decides, in this order (the first that applies wins):

1. a byte-order mark: UTF-8, UTF-16 or UTF-32 (LE/BE), kept on output;
2. the null-byte pattern of the first four bytes (UTF-16/32 text without a BOM, the rule of
   RFC 4627 and YAML 1.2 section 5.2);
3. NUL bytes anywhere else: a binary file, refused;
4. the charset the file declares (PO header, HTML ``<meta charset>``), when the bytes decode
   with it, unless the file is valid UTF-8 with non-ASCII bytes (a declaration that lies:
   the file is read as UTF-8 and a note says so);
5. valid UTF-8;
6. otherwise ``charset-normalizer`` guesses (Latin-1, Windows-125x, Shift_JIS, GBK ...); the
   file is read in its guess and a note names it. No guess: the file is refused with a
   :class:`~lingoflow.errors.FormatError` naming it, never translated as garbage.

:func:`unicode_codec` is the stricter rule of JSON and YAML, whose specs allow only UTF-8,
UTF-16 and UTF-32: steps 1, 2 and 5.

Writing (:meth:`TextCodec.encode`): the output is written in the input's encoding with its
BOM. A translation that the encoding cannot hold (Japanese into a Latin-1 file) is written as
UTF-8 without a BOM instead, and a note on the codec says so for that target; HTML and XML
use character references instead (:meth:`TextCodec.encode_references`), so their declared
charset stays true. Notes are data for the run report (``FileResult.notes``), not errors.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Literal

from lingoflow.errors import FormatError
from lingoflow.languages import Language

__all__ = ["Origin", "TextCodec", "detect_codec", "unicode_codec"]

Origin = Literal["utf-8", "bom", "declared", "detected"]
"""How a codec was chosen."""

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNICODE = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"})
# The legacy encodings documents are actually written in. Left free, charset-normalizer names
# rare code pages for short texts (cp1006 for "Café"); restricted, it reads them right.
_CANDIDATES = [
    *("cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255"),
    *("cp1256", "cp1257", "cp1258", "iso8859_2", "iso8859_5", "iso8859_7", "koi8_r", "koi8_u"),
    *("mac_roman", "cp437", "cp850", "cp866", "cp874", "shift_jis", "cp932", "euc_jp"),
    *("iso2022_jp", "gb2312", "gbk", "gb18030", "big5", "cp950", "euc_kr", "cp949"),
]


@dataclass(frozen=True, slots=True)
class TextCodec:
    """A file's byte-order mark and encoding, to decode it and write it back the same way.

    ``notes`` collects what a reader of the run report should know: an encoding that was
    guessed, and each output that had to be written as UTF-8 instead.
    """

    bom: bytes
    encoding: str
    origin: Origin = "utf-8"
    notes: list[str] = field(default_factory=list, compare=False)

    @property
    def name(self) -> str:
        """The encoding's canonical name (``shift_jis``, ``cp1252``, ``utf-8``)."""
        return codecs.lookup(self.encoding).name

    @property
    def unicode(self) -> bool:
        """Whether every text can be written in this encoding."""
        return self.name.replace("_", "-") in _UNICODE

    def decode(self, data: bytes, name: str) -> str:
        """Decode ``data`` (BOM excluded); raise ``FormatError`` naming the line on bad bytes."""
        try:
            return data[len(self.bom) :].decode(self.encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start + len(self.bom)].count(b"\n") + 1
            problem = f"is not valid {self.name}; save the file as UTF-8 and try again"
            raise FormatError(name, problem, line=line) from exc

    def fits(self, text: str) -> bool:
        """Tell whether ``text`` can be written in this encoding."""
        if self.unicode:
            return True
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def encode(self, text: str, target: Language | None = None) -> bytes:
        """Encode ``text`` with the BOM and encoding; UTF-8 (and a note) if it does not fit."""
        if self.fits(text):
            return self.bom + text.encode(self.encoding)
        self.notes.append(self.unfit_note(text, target, "written as UTF-8"))
        return text.encode("utf-8")

    def encode_references(self, text: str, target: Language | None = None) -> bytes:
        """Encode ``text``; characters that do not fit become ``&#N;`` (and a note)."""
        if not self.fits(text):
            self.notes.append(self.unfit_note(text, target, "written as character references"))
        return self.bom + text.encode(self.encoding, errors="xmlcharrefreplace")

    def unfit_note(self, text: str, target: Language | None, outcome: str) -> str:
        """The note for ``text`` that does not fit this encoding and what was done about it."""
        first = next(char for char in text if not self.fits(char))
        prefix = f"{target.code}: " if target else ""
        return (
            f"{prefix}{outcome}: the translation has characters {self.name} cannot hold "
            f"(first {first!r})"
        )


def detect_codec(
    data: bytes,
    name: str,
    kind: str,
    *,
    declared: str | None = None,
    final: bool = True,
) -> TextCodec:
    """Find the codec of ``data`` (see the module docstring for the order).

    ``kind`` names what the file should be (``"a CSV/TSV text file"``) in errors;
    ``declared`` is the charset the file names for itself, if any; ``final=False`` says
    ``data`` is only the head of the file (a multi-byte character may be cut at its end).
    """
    found = _unicode_by_marks(data)
    if found is not None:
        return found
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise FormatError(
            name, f"looks like a binary file (it contains NUL bytes), not {kind}", line=line
        )
    utf8 = _is_utf8(data, final)
    if declared is not None:
        codec = _declared(data, declared, utf8)
        if codec is not None:
            return codec
    if utf8:
        return TextCodec(b"", "utf-8")
    return _guess(data, name, kind)


def unicode_codec(data: bytes, name: str, kind: str) -> TextCodec:
    """Find the codec of a JSON or YAML file: UTF-8, UTF-16 or UTF-32 only."""
    found = _unicode_by_marks(data)
    if found is not None:
        return found
    if not _is_utf8(data, final=True):
        problem = f"is not UTF-8, UTF-16 or UTF-32, as {kind} must be; re-save it as UTF-8"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(name, problem, line=data.count(b"\n", 0, exc.start) + 1) from exc
    return TextCodec(b"", "utf-8")


def _unicode_by_marks(data: bytes) -> TextCodec | None:
    """A Unicode codec from the BOM or the null pattern of the first four bytes, else None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return TextCodec(bom, encoding, "bom")
    head = data[:4]
    if len(head) == 4:
        zeros = tuple(byte == 0 for byte in head)
        patterns = {
            (True, True, True, False): "utf-32-be",
            (False, True, True, True): "utf-32-le",
            (True, False, True, False): "utf-16-be",
            (False, True, False, True): "utf-16-le",
        }
        if zeros in patterns:
            return TextCodec(b"", patterns[zeros], "bom")
    return None


def _is_utf8(data: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _declared(data: bytes, charset: str, utf8: bool) -> TextCodec | None:
    """The declared charset's codec if it reads ``data``; UTF-8 (noted) if the file is UTF-8."""
    try:
        codec = TextCodec(b"", codecs.lookup(charset).name, "declared")
    except LookupError:
        return None  # a placeholder (``charset=CHARSET`` in a POT) or a name Python lacks
    if codec.unicode:
        return None  # UTF-8 is decided by the bytes, not by the declaration
    if utf8 and not data.isascii():
        return TextCodec(
            b"", "utf-8", notes=[f"declares {codec.name} but is UTF-8; read and written as UTF-8"]
        )
    try:
        data.decode(codec.encoding)
    except UnicodeDecodeError:
        return None
    return codec


def _guess(data: bytes, name: str, kind: str) -> TextCodec:
    """Let charset-normalizer name the encoding of non-UTF-8 ``data``, or refuse the file."""
    from charset_normalizer import from_bytes  # loaded only for files that are not UTF-8

    matches = from_bytes(data, cp_isolation=_CANDIDATES)
    best = matches.best()
    if best is None:
        raise FormatError(
            name,
            f"is not UTF-8 and its encoding cannot be told, so it cannot be read as {kind}; "
            "save it as UTF-8 and try again",
        )
    # charset-normalizer leans to cp1250 for short Western text ("chère" becomes "chčre"):
    # when Windows-1252 reads it as cleanly, it is the likelier encoding.
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and (western.chaos, -western.coherence) <= (
        best.chaos,
        -best.coherence,
    ):
        best = western
    encoding = "cp1252" if _reads_same(data, best.encoding, "cp1252") else best.encoding
    codec = TextCodec(b"", codecs.lookup(encoding).name, "detected")
    codec.notes.append(f"read as {codec.name} (detected: the file is not UTF-8)")
    return codec


def _reads_same(data: bytes, encoding: str, other: str) -> bool:
    try:
        return data.decode(other) == data.decode(encoding)
    except UnicodeDecodeError:
        return False
