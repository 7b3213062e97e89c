"""Estimate a document run without running it: segments, tokens, cache/TM reuse and cost.

:func:`estimate_file` and :func:`estimate_tree` walk and parse files exactly as
:func:`~lingoflow.documents.translate_file` and :func:`~lingoflow.documents.translate_tree`
do, segment every unit as the translator's pipeline would, and look each segment up in the
cache (by the same segment key a real run computes) and in the TM (exact source). They never
call the engine and never write anything.

Tokens are an estimate (:func:`~lingoflow.pipeline.segment.approx_tokens`, generous), and so
is the output (input times :data:`~lingoflow.pricing.OUTPUT_RATIO`). Cost counts only segments
that would reach the engine; a segment repeated in the run is billed once when the cache is on
(later copies are answered by the cache), else once per file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lingoflow.documents import (
    _format_or_none,
    _languages,
    _relative,
    walk_files,
)
from lingoflow.errors import InputError, LingoflowError
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import Language
from lingoflow.pipeline.protect import is_all_protected, protect
from lingoflow.pipeline.segment import approx_tokens, segment_text
from lingoflow.pricing import DEFAULT_PRICES, Price, cost_usd, estimated_output_tokens
from lingoflow.signature import segment_key
from lingoflow.translator import LanguageLike, Translator, group_by_source
from lingoflow.types import TranslationRequest

__all__ = ["Estimate", "ModelCost", "TargetEstimate", "estimate_file", "estimate_tree"]


@dataclass(frozen=True, slots=True)
class ModelCost:
    """The estimated cost of the engine-bound segments with one model."""

    model: str
    input_tokens: int
    output_tokens: int
    usd: float


@dataclass(slots=True)
class TargetEstimate:
    """Counts for one target language over every file of the run."""

    target: Language
    files: int = 0
    segments: int = 0
    characters: int = 0
    tokens: int = 0
    cached: int = 0
    tm_exact: int = 0
    copied: int = 0
    repeated: int = 0
    distinct: int = 0  # distinct segment keys: what a job's journal holds for this target
    engine_segments: int = 0
    engine_characters: int = 0
    engine_tokens: int = 0
    costs: tuple[ModelCost, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "target": self.target.code,
            "files": self.files,
            "segments": self.segments,
            "characters": self.characters,
            "tokens_estimate": self.tokens,
            "cached": self.cached,
            "tm_exact": self.tm_exact,
            "copied": self.copied,
            "repeated": self.repeated,
            "distinct_segments": self.distinct,
            "engine_segments": self.engine_segments,
            "engine_characters": self.engine_characters,
            "engine_tokens_estimate": self.engine_tokens,
            "cost_usd": {
                c.model: {
                    "input_tokens": c.input_tokens,
                    "output_tokens": c.output_tokens,
                    "usd": round(c.usd, 6),
                }
                for c in self.costs
            },
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    """Per-target counts, plus the files that would be skipped or fail (path, reason)."""

    targets: tuple[TargetEstimate, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    untranslatable: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "targets": [t.as_dict() for t in self.targets],
            "untranslatable_files": self.untranslatable,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "error": r} for p, r in self.failed],
        }


@dataclass(slots=True)
class _Counter:
    translator: Translator
    targets: tuple[Language, ...]
    source: LanguageLike
    domain: str | None
    formality: str | None
    totals: dict[Language, TargetEstimate] = field(default_factory=dict)
    seen: dict[Language, set[str]] = field(default_factory=dict)
    keys: dict[Language, set[str]] = field(default_factory=dict)

    def document(self, data: bytes, name: str, fmt: str) -> None:
        units = document_class(fmt).parse(data, name=name).units
        texts = [unit.source for unit in units]
        sources = self.translator.sources_for(texts, self.source)
        for target in self.targets:
            totals = self.totals.setdefault(target, TargetEstimate(target))
            totals.files += 1
            groups = group_by_source(texts, sources, target, self.translator.engine.needs_source)
            for (sent, language), indexes in groups.items():
                self.translator.check_pair(sent, target)
                self._group([texts[i] for i in indexes], target, sent, language, totals)

    def _group(
        self,
        texts: Sequence[str],
        target: Language,
        sent: Language | None,
        language: Language | None,
        totals: TargetEstimate,
    ) -> None:
        pipeline, engine = self.translator.pipeline, self.translator.engine
        options, storage = pipeline.options, pipeline.storage
        segment_language = sent or language
        pieces = [
            p.text
            for text in texts
            for p in segment_text(
                text, segment_language, unit=options.unit, max_tokens=engine.max_input_tokens
            )
            if p.translatable
        ]
        request = TranslationRequest(target, sent, self.domain, self.formality)
        signature = pipeline.signature_for(request)
        pair = (segment_language.code if segment_language else "auto", target.code)
        dnt = pipeline.dnt_terms(pair)
        keys = [segment_key(s, pair[0], pair[1], signature) for s in pieces]
        distinct = self.keys.setdefault(target, set())
        distinct.update(keys)
        totals.distinct = len(distinct)
        pending: list[int] = []
        for i, text in enumerate(pieces):
            totals.segments += 1
            totals.characters += len(text)
            totals.tokens += approx_tokens(text)
            if is_all_protected(protect(text, dnt_terms=dnt)):
                totals.copied += 1
            else:
                pending.append(i)
        if storage and options.tm and pair[0] != "auto" and pending:
            hits = storage.tm.exact(options.tm, pair[0], pair[1], [pieces[i] for i in pending])
            totals.tm_exact += sum(1 for i in pending if pieces[i] in hits)
            pending = [i for i in pending if pieces[i] not in hits]
        use_cache = bool(storage and options.use_cache)
        if storage and use_cache and pending:
            cached = storage.cache.get_many([keys[i] for i in pending], options.cache_ttl)
            totals.cached += sum(1 for i in pending if keys[i] in cached)
            pending = [i for i in pending if keys[i] not in cached]
        # Identical segments are sent once per call; with the cache on, once per run.
        seen = self.seen.setdefault(target, set()) if use_cache else set()
        for i in pending:
            if keys[i] in seen:
                totals.repeated += 1
                continue
            seen.add(keys[i])
            totals.engine_segments += 1
            totals.engine_characters += len(pieces[i])
            totals.engine_tokens += approx_tokens(pieces[i])

    def result(
        self,
        prices: Mapping[str, Price],
        skipped: Iterable[tuple[str, str]] = (),
        failed: Iterable[tuple[str, str]] = (),
        untranslatable: int = 0,
    ) -> Estimate:
        targets = []
        for target in self.targets:
            totals = self.totals.setdefault(target, TargetEstimate(target))
            out = estimated_output_tokens(totals.engine_tokens)
            totals.costs = tuple(
                ModelCost(
                    model, totals.engine_tokens, out, cost_usd(price, totals.engine_tokens, out)
                )
                for model, price in prices.items()
            )
            targets.append(totals)
        return Estimate(tuple(targets), tuple(skipped), tuple(failed), untranslatable)


def estimate_file(
    path: Path,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    fmt: str | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> Estimate:
    """Estimate :func:`~lingoflow.documents.translate_file` of ``path``; nothing is written."""
    if not path.is_file():
        raise InputError(f"{path} is not a file; pass an existing document.")
    fmt = fmt or format_for_path(path)
    counter = _Counter(translator, _languages(targets), source, domain, formality)
    data = path.read_bytes()
    if data:
        counter.document(data, path.name, fmt)
    else:
        for target in counter.targets:
            counter.totals.setdefault(target, TargetEstimate(target)).files += 1
    return counter.result(prices)


def estimate_tree(
    src_dir: Path,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> Estimate:
    """Estimate :func:`~lingoflow.documents.translate_tree` of ``src_dir``; nothing is written.

    Files without a format are counted as ``untranslatable`` (copied or skipped by a real run);
    a file that cannot be read or parsed is listed in ``failed``, as a real run would report it.
    """
    if not src_dir.is_dir():
        raise InputError(f"{src_dir} is not a folder; pass the folder to translate.")
    src_root = src_dir.resolve()
    counter = _Counter(translator, _languages(targets), source, domain, formality)
    skipped: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    untranslatable = 0
    for path in walk_files(src_root, include, exclude):
        rel = _relative(src_root, path)
        if path.is_symlink() and not path.resolve().is_relative_to(src_root):
            skipped.append((rel, "symlink points outside the input folder"))
            continue
        if path.is_dir():
            skipped.append((rel, "symlinked folder not followed"))
            continue
        fmt = _format_or_none(rel)
        if fmt is None:
            untranslatable += 1
            continue
        try:
            data = path.read_bytes()
            if data:
                counter.document(data, rel, fmt)
            else:
                for target in counter.targets:
                    counter.totals.setdefault(target, TargetEstimate(target)).files += 1
        except (LingoflowError, OSError) as exc:
            failed.append((rel, str(exc)))
    return counter.result(prices, skipped, failed, untranslatable)
