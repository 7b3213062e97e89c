"""Find the glossary terms a segment uses, and check that a translation kept them.

Qwen-MT bills ``terms`` as input tokens on every call, so each segment gets only the entries
whose source term occurs in it. :class:`TermMatcher` builds one index per glossary and then
costs one pass over the segment's words, whatever the glossary's size.

Matching rules (the same on both sides, source text and translation):

- Text is split into tokens: runs of letters, digits and combining marks for space-delimited
  scripts; every single character for scripts written without spaces (Han, kana, Hangul,
  Thai, Lao, Khmer, Myanmar), so terms in those match as substrings. Korean is here too:
  particles attach to nouns (서버가 contains 서버).
- A token's key is NFC, case-folded, then stemmed with the Snowball stemmer of the language
  when there is one (PyStemmer: ``servers``→``server``, ``configuring``→``configur``,
  ``claves``→``clav``); so a term matches whole words with inflected endings, and multi-word
  terms match word by word (``API key`` matches ``API keys``). A term word also accepts the
  keys of itself plus ``s`` and ``es``: Snowball leaves many short plurals alone
  (``año``/``años``) and loanwords are not stemmed (``tweets`` in Spanish text). Without a
  stemmer (Ukrainian, Vietnamese ...) whole words match case-insensitively, plurals in -s too.
- A shared key is necessary, not sufficient: the text word must also be an *inflection* of the
  term word, not a derivation that Snowball happens to conflate. For English, German and
  Spanish both words must reduce to one base by dropping at most one inflectional ending
  each (English s, es, ed, d, ing, e, y, ies, ied, with a doubled consonant before -ed/-ing;
  German e, en, n, er, ern, es, s, em, ens and verb endings in -t/-st/-te; Spanish s, es, a,
  as, o, os and common verb endings, accents ignored): ``configured``/``configuring`` and
  ``configure`` meet at ``configur``, ``policies``/``policy`` at ``polic``, but ``managed``
  is not ``manager``, ``defensive`` not ``defense``, ``certainly`` not ``certain``,
  ``publication`` not ``public``, ``configuración`` not ``configurar``. Other languages
  with a stemmer use a generic rule: beyond the two words' longest common prefix, each adds
  at most three letters (``serveurs``/``serveur``, not ``configuration``/``configurer``).
  Languages that inflect with prefixes or long suffix chains (Arabic, Indonesian, Finnish,
  Estonian, Hungarian, Turkish, Tamil, Basque, Armenian, Persian, Hindi, Nepali) keep
  Snowball's key alone.
- Between the words of a multi-word term, whitespace and hyphens are interchangeable
  (``e-mail`` = ``e mail``, ``API key`` = ``API-key``); other separators must be the same
  (``Node.js``). Punctuation glued to a term's ends must be there too (``C++``, ``.NET``).
- ``case_sensitive`` entries also need the written case on the common prefix of each word
  (``API`` matches ``APIs``, not ``apis``).
- Scanning goes left to right; at each token the longest term wins (``API key`` over
  ``API``), and matches never overlap. Entries with the same normalised term: the first one
  given wins, except that a case-sensitive entry is tried before a case-insensitive one.

Matching still errs towards recall: a stray match costs a few input tokens, a missed term a
wrong translation. Known limits: words that are inflections of one another across word
classes still match (``looked``/``looks``, ``new``/``news``, German agent nouns in -er:
``Drucker``/``Druck``), forms Snowball does not conflate never match (``konfiguriert``/
``konfigurieren``), German compounds written solid (``Serverkonfiguration`` does not
contain ``Server`` as a word), irregular forms (``ran``/``run``), and translations that say
it another way (the check then reports a term that a reviewer may accept).

:func:`check_terms` applies the same rules to a translation: every matched entry's target
must occur; a do-not-translate term must occur exactly as written (case and form).
Findings are data (:class:`TermFinding`), never exceptions.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import Stemmer

from lingoflow.errors import ConfigurationError
from lingoflow.languages import resolve
from lingoflow.types import GlossaryEntry, Term

__all__ = ["TermFinding", "TermFindingKind", "TermMatch", "TermMatcher", "check_terms"]

# Scripts written without spaces between words: each character is a token of its own.
_NO_SPACE = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul Jamo
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007\u3021-\u3029"  # ideographic iteration marks and numerals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u318f"  # Bopomofo, Hangul compatibility Jamo
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\ua960-\ua97f\uac00-\ud7af"  # Hangul
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # Han extensions
)
_NO_SPACE_CHAR = re.compile(f"[{_NO_SPACE}]")
_SPLIT = re.compile(f"[{_NO_SPACE}]|[^{_NO_SPACE}]+")
_SOFT_GAP = re.compile(r"[\s\-\u00ad\u2010\u2011]*")

_STEMMERS = {
    "ar": "arabic", "arz": "arabic", "acm": "arabic", "ary": "arabic", "ars": "arabic",
    "apc": "arabic", "ajp": "arabic", "acq": "arabic", "aeb": "arabic",
    "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish",
    "ta": "tamil", "tr": "turkish",
}  # fmt: skip
_CACHE_LIMIT = 100_000

# Inflectional endings per Snowball algorithm. A text word matches a term word (beyond the
# shared Snowball stem) only when both reduce to one base by dropping one of these (or none).
# Derivational suffixes (-er, -ly, -ive, -ation, -ción, -ung ...) are deliberately absent.
_ENDINGS: dict[str, frozenset[str]] = {
    "english": frozenset(("s", "es", "ed", "d", "ing", "e", "y", "ies", "ied")),
    "german": frozenset(
        ("e", "en", "n", "er", "ern", "es", "s", "em", "ens", "t", "et", "st", "est", "te",
         "ten", "tes", "ter", "tem")
    ),
    "spanish": frozenset(
        ("s", "es", "a", "as", "o", "os", "e", "en", "an", "amos", "emos", "imos",
         "ar", "er", "ir", "ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas",
         "ando", "iendo", "aba", "aban", "ia", "ian", "io", "aron", "ieron")
    ),
}  # fmt: skip
# Doubled final consonants before these English endings: stopped, planning.
_DOUBLING = frozenset(("ed", "ing"))
# Spanish and Portuguese move the written accent when an ending is added (acción/acciones).
_UNACCENT = str.maketrans("áéíóúâêôãõàè", "aeiouaeoaoae")
# No prefix/suffix rule for these: their inflections are prefixes (Arabic al-, Indonesian
# me-/di-) or long case-ending chains (Finnish, Hungarian, Turkish ...); Snowball alone.
_STEM_ONLY = frozenset(
    ("arabic", "basque", "estonian", "finnish", "hindi", "hungarian", "indonesian", "nepali",
     "tamil", "turkish", "armenian", "persian")
)  # fmt: skip
_GENERIC_REST = 3  # generic rule: at most this many letters after the common prefix, each side


@functools.cache
def _word() -> re.Pattern[str]:
    """Return the token regex: word characters plus combining marks and joiners.

    Python's ``\\w`` leaves out combining marks (Devanagari vowel signs, Arabic harakat), which
    would split words in two; the class is built once, on first use.
    """
    marks = "".join(
        chr(c)
        for c in range(0x300, 0x10000)
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me") and not chr(c).isalnum()
    )
    return re.compile(f"[\\w{re.escape(marks)}\u200c\u200d]+")


def _spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of every token of ``text``."""
    for run in _word().finditer(text):
        start, end = run.span()
        if _NO_SPACE_CHAR.search(text, start, end):
            yield from (m.span() for m in _SPLIT.finditer(text, start, end))
        else:
            yield start, end


def _gap(text: str) -> str:
    """Return the normalised separator between two words: '' for spaces and hyphens."""
    if not text or _SOFT_GAP.fullmatch(text):
        return ""
    return text.strip().replace("\u2019", "'")


class _Tokens(NamedTuple):
    """The tokens of one text as parallel lists."""

    starts: list[int]
    ends: list[int]
    keys: list[str]


class _Normalizer:
    """Tokenise text and compute match keys for one language (cached per token)."""

    def __init__(self, lang: str | None, *, fold: bool = True) -> None:
        algorithm = _STEMMERS.get(lang or "") if fold else None
        self._fold = fold
        self._stem: Callable[[str], str] | None = (
            Stemmer.Stemmer(algorithm).stemWord if algorithm else None
        )
        self._lock = threading.Lock()  # PyStemmer's stemmers are not thread-safe
        self._keys: dict[str, str] = {}
        # Whether two words with the same key must also pass the inflection rule.
        self.checks = algorithm is not None and algorithm not in _STEM_ONLY
        self._endings = _ENDINGS.get(algorithm or "")
        self._unaccent = algorithm in ("spanish", "portuguese")
        self._bases: dict[str, frozenset[str]] = {}

    def fold(self, word: str) -> str:
        """Return ``word`` as the inflection rule compares it: NFC, case-folded."""
        folded = unicodedata.normalize("NFC", word).casefold()
        return folded.translate(_UNACCENT) if self._unaccent else folded

    def _base_set(self, folded: str) -> frozenset[str]:
        """Return the bases of a folded word: itself, minus each listed ending it has."""
        bases = self._bases.get(folded)
        if bases is None:
            if len(self._bases) > _CACHE_LIMIT:
                self._bases.clear()
            found = {folded}
            for ending in self._endings or ():
                stem = folded[: -len(ending)]
                if folded.endswith(ending) and stem:
                    found.add(stem)
                    if ending in _DOUBLING and len(stem) > 2 and stem[-1] == stem[-2]:
                        found.add(stem[:-1])  # stopped -> stop, planning -> plan
            bases = self._bases[folded] = frozenset(found)
        return bases

    def inflects(self, written: str, term_word: str) -> bool:
        """Tell whether text word ``written`` is an inflection of ``term_word`` (folded).

        Only called when the two already share a Snowball key. With an ending list, both
        words must reduce to a common base by dropping one inflectional ending each
        (``configured``/``configure`` via ``configur``); otherwise what each adds beyond
        their longest common prefix must be at most three letters.
        """
        if not self.checks:
            return True
        folded = self.fold(written)
        if folded == term_word:
            return True
        if self._endings is not None:
            return not self._base_set(folded).isdisjoint(self._base_set(term_word))
        common = 0
        for a, b in zip(folded, term_word, strict=False):
            if a != b:
                break
            common += 1
        return common > 0 and max(len(folded), len(term_word)) - common <= _GENERIC_REST

    def _compute(self, token: str) -> str:
        """Return the key of a token not in the cache."""
        text = unicodedata.normalize("NFC", token)
        if not self._fold:
            return text
        text = text.casefold()
        if self._stem is None or _NO_SPACE_CHAR.match(text):
            return text
        with self._lock:
            return self._stem(text)

    def key(self, token: str) -> str:
        """Return the match key of one token."""
        key = self._keys.get(token)
        if key is None:
            if len(self._keys) > _CACHE_LIMIT:
                self._keys.clear()
            key = self._keys[token] = self._compute(token)
        return key

    def variants(self, word: str) -> frozenset[str]:
        """Return the keys a term word accepts: its own, and its plurals in -s and -es.

        Snowball leaves many short plurals unstemmed (``años``/``año``, ``armas``/``arma``,
        Dutch ``experts``) and loanwords are not stemmed by the text's language, so the
        index adds the keys of ``word + "s"`` and ``word + "es"`` for Latin-script words.
        """
        keys = {self.key(word)}
        if self._fold and unicodedata.name(word[-1], "").startswith("LATIN"):
            keys |= {self.key(word + "s"), self.key(word + "es")}
        return frozenset(keys)

    def tokens(self, text: str) -> _Tokens:
        """Return the tokens of ``text`` with their keys."""
        if _NO_SPACE_CHAR.search(text):
            spans = list(_spans(text))
            starts = [s for s, _ in spans]
            ends = [e for _, e in spans]
        else:  # the common case, kept to one regex pass
            runs = list(_word().finditer(text))
            starts = [m.start() for m in runs]
            ends = [m.end() for m in runs]
        cache = self._keys
        words = map(text.__getitem__, map(slice, starts, ends))
        keys = [cache.get(w) or self.key(w) for w in words]
        return _Tokens(starts, ends, keys)


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One term compiled for matching: its word keys, separators, edges and written words."""

    entry: GlossaryEntry
    keys: tuple[frozenset[str], ...]
    gaps: tuple[str, ...]
    words: tuple[str, ...]
    folded: tuple[str, ...]  # the words as the inflection rule compares them
    prefix: str
    suffix: str
    case_sensitive: bool
    simple: bool  # one word, no case or edge condition: the first key decides

    @property
    def rank(self) -> tuple[int, int, bool]:
        """Return the sort key that puts the preferred pattern first (longest, then exact)."""
        return (-len(self.keys), -len(self.prefix + self.suffix), not self.case_sensitive)


def _compile(
    normalizer: _Normalizer, text: str, entry: GlossaryEntry, *, case_sensitive: bool
) -> _Pattern | None:
    """Return ``text`` compiled as a pattern, or None if it holds no word to match."""
    spans = list(_spans(text))
    if not spans:
        return None
    gaps = tuple(_gap(text[e:s]) for (_, e), (s, _) in itertools.pairwise(spans))
    prefix, suffix = text[: spans[0][0]].strip(), text[spans[-1][1] :].strip()
    return _Pattern(
        entry=entry,
        keys=tuple(normalizer.variants(text[s:e]) for s, e in spans),
        gaps=("", *gaps),
        words=tuple(text[s:e] for s, e in spans),
        folded=tuple(normalizer.fold(text[s:e]) for s, e in spans),
        prefix=prefix,
        suffix=suffix,
        case_sensitive=case_sensitive,
        simple=len(spans) == 1 and not (case_sensitive or prefix or suffix),
    )


def _same_case(written: str, term: str) -> bool:
    """Tell whether ``written`` has ``term``'s case on the prefix where they agree."""
    common = 0
    for a, b in zip(written, term, strict=False):
        if a.casefold() != b.casefold():
            break
        common += 1
    return common > 0 and written[:common] == term[:common]


def _edges_fit(pattern: _Pattern, text: str, start: int, end: int) -> tuple[int, int] | None:
    """Return the span widened by the pattern's edge punctuation, if the text has it."""
    first = start - len(pattern.prefix)
    last = end + len(pattern.suffix)
    if first < 0 or text[first:start].casefold() != pattern.prefix.casefold():
        return None
    if text[end:last].casefold() != pattern.suffix.casefold():
        return None
    return first, last


def _fit(
    normalizer: _Normalizer, pattern: _Pattern, text: str, tokens: _Tokens, i: int
) -> tuple[int, int] | None:
    """Return the span of ``pattern`` matched at token ``i``, or None."""
    starts, ends = tokens.starts, tokens.ends
    if pattern.simple:  # most glossary terms: the first key already matched
        if normalizer.checks and not normalizer.inflects(
            text[starts[i] : ends[i]], pattern.folded[0]
        ):
            return None
        return starts[i], ends[i]
    n = len(pattern.keys)
    if i + n > len(tokens.keys):
        return None
    for j in range(1, n):
        if tokens.keys[i + j] not in pattern.keys[j]:
            return None
        if _gap(text[ends[i + j - 1] : starts[i + j]]) != pattern.gaps[j]:
            return None
    if normalizer.checks and not all(
        normalizer.inflects(text[starts[i + j] : ends[i + j]], pattern.folded[j]) for j in range(n)
    ):
        return None
    if pattern.case_sensitive:
        written = (text[tokens.starts[i + j] : tokens.ends[i + j]] for j in range(n))
        if not all(map(_same_case, written, pattern.words)):
            return None
    return _edges_fit(pattern, text, tokens.starts[i], tokens.ends[i + n - 1])


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One occurrence of a glossary entry's source term in a text: ``text[start:end]``."""

    entry: GlossaryEntry
    start: int
    end: int
    text: str

    @property
    def term(self) -> Term:
        """Return the term to send to the engine."""
        return Term(self.entry.source, self.entry.target)


def _single_pair(entries: Sequence[GlossaryEntry]) -> tuple[str, str] | None:
    """Return the one language pair of ``entries`` (None if empty); several is an error."""
    pairs = sorted({(e.source_lang, e.target_lang) for e in entries})
    if len(pairs) > 1:
        listed = ", ".join(f"{s}→{t}" for s, t in pairs)
        raise ConfigurationError(
            f"a term matcher serves one language pair, and these entries have {listed}; "
            "build one matcher per pair"
        )
    return pairs[0] if pairs else None


class TermMatcher:
    """Find which entries of one language pair's glossary occur in a source text.

    Build one per glossary and pair, and keep it: building compiles every term (about 25 ms
    per 1,000 terms); matching then costs one pass over the text. Safe to share between
    threads.
    """

    def __init__(self, entries: Sequence[GlossaryEntry]) -> None:
        pair = _single_pair(entries)
        self.source_lang: str | None = pair[0] if pair else None
        self.target_lang: str | None = pair[1] if pair else None
        self._normalizer = _Normalizer(self.source_lang)
        self._index = self._build(entries)

    def _build(self, entries: Sequence[GlossaryEntry]) -> dict[str, list[_Pattern]]:
        """Return the index: first word key → patterns, best candidates first."""
        index: dict[str, list[_Pattern]] = {}
        for entry in entries:
            cs = entry.case_sensitive
            pattern = _compile(self._normalizer, entry.source, entry, case_sensitive=cs)
            if pattern is not None:
                for key in pattern.keys[0]:
                    index.setdefault(key, []).append(pattern)
        for patterns in index.values():
            patterns.sort(key=lambda p: p.rank)
        return index

    def match(self, text: str) -> list[TermMatch]:
        """Return every non-overlapping occurrence of a glossary term, in text order."""
        tokens = self._normalizer.tokens(text)
        index = self._index
        found: list[TermMatch] = []
        resume = 0  # the first token not covered by the last match
        for i, key in enumerate(tokens.keys):
            if i < resume or key not in index:
                continue
            for pattern in index[key]:
                span = _fit(self._normalizer, pattern, text, tokens, i)
                if span is not None:
                    found.append(TermMatch(pattern.entry, *span, text[span[0] : span[1]]))
                    resume = i + len(pattern.keys)
                    break
        return found

    def terms_for(self, text: str) -> tuple[Term, ...]:
        """Return the distinct terms occurring in ``text``, by first position."""
        return tuple(dict.fromkeys(m.term for m in self.match(text)))


class TermFindingKind(StrEnum):
    """What went wrong with a glossary term in a translation."""

    MISSING = "missing"
    NOT_KEPT = "not-kept"


@dataclass(frozen=True, slots=True)
class TermFinding:
    """A glossary term the translation does not honour; ``start``/``end`` are in the source."""

    kind: TermFindingKind
    entry: GlossaryEntry
    start: int
    end: int

    @property
    def message(self) -> str:
        """Return a one-line description for a reviewer."""
        if self.kind is TermFindingKind.NOT_KEPT:
            return f"do-not-translate term {self.entry.source!r} is not in the translation"
        return (
            f"glossary term {self.entry.source!r} should be translated as "
            f"{self.entry.target!r}, which is not in the translation"
        )


@functools.lru_cache(maxsize=8192)
def _compiled_target(
    normalizer: _Normalizer, term: str, entry: GlossaryEntry, case_sensitive: bool
) -> _Pattern | None:
    """A target-side pattern, compiled once per entry (normalizers are shared per language)."""
    return _compile(normalizer, term, entry, case_sensitive=case_sensitive)


@functools.cache
def _normalizer(lang: str | None, *, fold: bool = True) -> _Normalizer:
    """One normalizer (and so one stem cache) per language, shared by every check."""
    return _Normalizer(lang, fold=fold)


class _Translation:
    """A translated text tokenised both loosely (folded, stemmed) and exactly."""

    def __init__(self, text: str, lang: str) -> None:
        self.text = text
        self._loose = _normalizer(lang)
        self._exact = _normalizer(None, fold=False)
        self._loose_tokens = self._loose.tokens(text)
        self._exact_tokens = self._exact.tokens(text)

    def honours(self, entry: GlossaryEntry) -> bool:
        """Tell whether the entry's target (a DNT term: its exact source) occurs."""
        dnt = entry.do_not_translate
        normalizer, tokens = (
            (self._exact, self._exact_tokens) if dnt else (self._loose, self._loose_tokens)
        )
        term = entry.source if dnt else entry.target
        pattern = _compiled_target(normalizer, term, entry, dnt or entry.case_sensitive)
        if pattern is None:  # nothing checkable, e.g. a target made of punctuation
            return True
        first = pattern.keys[0]
        return any(
            _fit(normalizer, pattern, self.text, tokens, i) is not None
            for i, key in enumerate(tokens.keys)
            if key in first
        )


def check_terms(
    matches: Sequence[TermMatch], translated_text: str, target_lang: str
) -> list[TermFinding]:
    """Return a finding for each matched entry whose target the translation lacks."""
    if not matches:
        return []
    translation = _Translation(translated_text, resolve(target_lang).code)
    findings: list[TermFinding] = []
    seen: set[GlossaryEntry] = set()
    for match in matches:
        if match.entry in seen:
            continue
        seen.add(match.entry)
        if not translation.honours(match.entry):
            dnt = match.entry.do_not_translate
            kind = TermFindingKind.NOT_KEPT if dnt else TermFindingKind.MISSING
            findings.append(TermFinding(kind, match.entry, match.start, match.end))
    return findings
