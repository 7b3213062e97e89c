"""YAML glossaries: a mapping with a ``terms`` list, one item per term (YAML 1.2).

Schema::

    source_lang: en          # optional: the caller may give the languages instead
    target_lang: es
    terms:
      - source: server
        target: servidor
        note: Hardware or software that answers requests.
      - source: API key
        target: clave de API
        case_sensitive: false            # default false
      - source: Kubernetes
        do_not_translate: true           # or `dnt: true`; the target may be left out
      - source: Datei                    # per-term languages override the top-level ones
        target: file
        source_lang: de
        target_lang: en
      - en: server                       # concept-oriented: one key per language,
        es: servidor                     # usable in any direction between them
        de: Server
        note: ...

An item with a ``source`` key is directional; any other item names languages by its keys
(codes, names or BCP-47 tags) besides the fields ``note`` (or ``notes``, ``comment``),
``case_sensitive`` and ``do_not_translate`` (``dnt``). Terms are strings (numbers are read
as their text); flags are booleans or ``yes``/``no``-style strings. Other top-level keys
(``title``, ``description`` ...) are ignored.

Loading uses ruamel.yaml's round-trip loader for its line numbers: it builds only plain
mappings, lists and scalars (tags such as ``!!python/object`` never construct objects; a
tagged value is rejected as not a string). Syntax errors, duplicate keys and schema errors
name the line. Writing emits the directional form, with top-level languages when all entries
share one pair, and per-term languages otherwise.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from lingoflow.glossary.formats import (
    Concept,
    GlossaryDocument,
    GlossaryFormat,
    GlossaryFormatError,
    TermForm,
    clean_term,
    entry_pairs,
    language_code,
    parse_flag,
)
from lingoflow.types import GlossaryEntry

__all__ = ["dump", "parse"]

_NOTE_KEYS = ("note", "notes", "comment")
_FLAG_KEYS = {
    "case_sensitive": ("case_sensitive",),
    "do_not_translate": ("do_not_translate", "dnt"),
}
_FIELDS = frozenset({*_NOTE_KEYS, "case_sensitive", "do_not_translate", "dnt"})
_PAIR_KEYS = frozenset({"source", "target", "source_lang", "target_lang"})
Defaults = tuple[str | None, str | None]


def _load(text: str, name: str) -> Any:
    """Parse YAML text, translating ruamel's errors into located glossary errors."""
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise GlossaryFormatError(f"invalid YAML: {problem}", name=name, line=line) from exc
    except YAMLError as exc:
        raise GlossaryFormatError(f"invalid YAML: {exc}", name=name) from exc


def _scalar(value: object, what: str, name: str, line: int) -> str:
    """Return a term or note value as cleaned text (None is empty)."""
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean_term(str(value))
    raise GlossaryFormatError(f"{what} must be a string, not {value!r}", name=name, line=line)


def _flag(item: Mapping[str, object], flag: str, name: str, line: int) -> bool:
    """Return a term's flag from any of its spellings."""
    value = next((item[k] for k in _FLAG_KEYS[flag] if k in item), False)
    if isinstance(value, bool):
        return value
    return parse_flag(_scalar(value, flag, name, line), field_name=flag, name=name, line=line)


def _note(item: Mapping[str, object], name: str, line: int) -> str:
    """Return a term's note from any of its spellings."""
    return next((_scalar(item[k], k, name, line) for k in _NOTE_KEYS if k in item), "")


def _language(
    item: Mapping[str, object], role: str, defaults: Defaults, name: str, line: int
) -> str:
    """Return a directional item's source or target language."""
    value = item.get(f"{role}_lang")
    if value is not None:
        return language_code(_scalar(value, f"{role}_lang", name, line), name=name, line=line)
    default = defaults[0 if role == "source" else 1]
    if default is None:
        raise GlossaryFormatError(
            f"no {role} language: set {role}_lang at the top, on the term, or pass {role}_lang",
            name=name,
            line=line,
        )
    return default


def _directional(item: Mapping[str, object], line: int, defaults: Defaults, name: str) -> Concept:
    """Build the concept of a ``source``/``target`` item."""
    source_lang = _language(item, "source", defaults, name, line)
    target_lang = _language(item, "target", defaults, name, line)
    source = _scalar(item.get("source"), "source", name, line)
    target = _scalar(item.get("target"), "target", name, line)
    form = TermForm(
        source,
        line,
        case_sensitive=_flag(item, "case_sensitive", name, line),
        do_not_translate=_flag(item, "do_not_translate", name, line),
    )
    terms = {
        source_lang: (form,) if source else (),
        target_lang: (TermForm(target, line),) if target else (),
    }
    return Concept(line, terms, note=_note(item, name, line), source_lang=source_lang)


def _concept_oriented(item: Mapping[str, object], line: int, name: str) -> Concept:
    """Build the concept of an item keyed by language."""
    case = _flag(item, "case_sensitive", name, line)
    dnt = _flag(item, "do_not_translate", name, line)
    terms: dict[str, tuple[TermForm, ...]] = {}
    for key, value in item.items():
        if key in _FIELDS:
            continue
        lang = language_code(str(key), name=name, line=line)
        text = _scalar(value, f"the {key} term", name, line)
        form = TermForm(text, line, case_sensitive=case, do_not_translate=dnt)
        terms[lang] = (form,) if text else ()
    if len(terms) < 2:
        raise GlossaryFormatError(
            "a term needs source and target keys, or keys for two or more languages",
            name=name,
            line=line,
        )
    return Concept(line, terms, note=_note(item, name, line))


def _item(terms: CommentedSeq, index: int, defaults: Defaults, name: str) -> Concept:
    """Build the concept of the ``index``-th item of the terms list."""
    line = int(terms.lc.item(index)[0]) + 1
    item = terms[index]
    if not isinstance(item, Mapping):
        raise GlossaryFormatError("each term must be a mapping", name=name, line=line)
    if "source" in item or "target" in item:
        return _directional(item, line, defaults, name)
    return _concept_oriented(item, line, name)


def _top_language(data: CommentedMap, role: str, default: str | None, name: str) -> str | None:
    """Return the top-level language for ``role``, else the caller's."""
    key = f"{role}_lang"
    if data.get(key) is None:
        return default
    line = int(data.lc.key(key)[0]) + 1
    return language_code(_scalar(data[key], key, name, line), name=name, line=line)


def parse(
    text: str, *, name: str, source_lang: str | None = None, target_lang: str | None = None
) -> GlossaryDocument:
    """Parse YAML text into a glossary document."""
    data = _load(text, name)
    if not isinstance(data, CommentedMap) or not isinstance(data.get("terms"), CommentedSeq):
        raise GlossaryFormatError(
            "the top level must be a mapping with a 'terms' list", name=name, line=1
        )
    defaults = (
        _top_language(data, "source", source_lang, name),
        _top_language(data, "target", target_lang, name),
    )
    terms = data["terms"]
    concepts = tuple(_item(terms, i, defaults, name) for i in range(len(terms)))
    return GlossaryDocument(name, GlossaryFormat.YAML, concepts)


def _term_mapping(entry: GlossaryEntry, with_langs: bool) -> dict[str, object]:
    """Return the YAML mapping of one entry, leaving out default values."""
    item: dict[str, object] = {"source": entry.source, "target": entry.target}
    if with_langs:
        item |= {"source_lang": entry.source_lang, "target_lang": entry.target_lang}
    if entry.note:
        item["note"] = entry.note
    if entry.case_sensitive:
        item["case_sensitive"] = True
    if entry.do_not_translate:
        item["do_not_translate"] = True
    return item


def dump(entries: Sequence[GlossaryEntry]) -> str:
    """Return ``entries`` as a YAML glossary."""
    pairs = entry_pairs(entries)
    document: dict[str, object] = {}
    if len(pairs) == 1:
        document |= {"source_lang": pairs[0][0], "target_lang": pairs[0][1]}
    document["terms"] = [_term_mapping(e, len(pairs) > 1) for e in entries]
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.dump(document, out)
    return out.getvalue()
