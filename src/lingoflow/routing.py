"""Routing by measured quality: ``--engine auto`` picks the engine with the best stored chrF.

:func:`best_engine` is the rule, a pure function of the candidates (engines usable here, with
the model each would use) and the stored evaluation results (``lingoflow eval``);
:func:`resolve_engine_name` is the one call the CLI makes: it returns a name unchanged, and
turns ``auto`` into the routed engine's name.

The rule, for a source language and one or more targets:

1. Candidates are the engines whose ``availability`` is usable with the current settings and
   that can translate the source into *every* target (one run uses one engine).
2. For each target, a candidate's measurement is its most recent result for that exact pair
   and model. Results are compared on one test set where possible: the test set (the hashes
   of the lines scored) that the most candidates were evaluated on, the most recently used
   one on a tie; a candidate never evaluated on it falls back to its most recent result on
   another test set, and the reason says so (chrF differs between test sets).
3. Among the candidates measured on every target, the highest mean chrF wins; exact ties go
   to the default order. chrF, not BLEU: it is robust on short test sets and does not depend
   on a tokenizer (BLEU's differs for Chinese and Japanese).
4. When no candidate is measured on every target, or the source is ``auto`` (quality is
   measured per pair, so it cannot route before the source is known), the default order
   decides: the configured default engine, then :data:`DEFAULT_ORDER`.

Invariants:

- A result belongs to a candidate when the engine names are equal and the stored model is
  the candidate's model, or that model followed by a space and a detail: Apertium names its
  outputs after the pair (``apertium eng-spa``) while its model is ``apertium``.
- No engine is loaded and nothing is translated: routing reads settings, availability and
  the ``eval_results`` table only.
- Several targets with different best engines get one engine, the best on average; the
  reason names each target's own best, so a user can run those targets separately.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import TYPE_CHECKING

from lingoflow.engines.registry import engine_class, engine_names
from lingoflow.errors import ConfigurationError, UnsupportedLanguagePairError
from lingoflow.evaluation import EvalResult
from lingoflow.languages import Language, resolve, resolve_source

if TYPE_CHECKING:
    from lingoflow.settings import Settings
    from lingoflow.storage import Storage

__all__ = [
    "AUTO",
    "DEFAULT_ORDER",
    "Candidate",
    "Measurement",
    "Route",
    "available_candidates",
    "best_engine",
    "resolve_engine_name",
    "route",
]

AUTO = "auto"
"""The engine name that asks for routing by measured quality."""

DEFAULT_ORDER = ("local", "apertium", "openai", "qwen-mt")
"""The order that decides when nothing is measured: offline engines first, the local model
first of all because it handles every language."""

_log = logging.getLogger(__name__)

PairSupport = Callable[[Language | None, Language], bool]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An engine usable here, the model it would translate with, and its pair test."""

    name: str
    model: str
    supports_pair: PairSupport

    def owns(self, result: EvalResult) -> bool:
        """Whether ``result`` measured this engine with this model (see the invariants)."""
        return result.engine == self.name and (
            result.model == self.model or result.model.startswith(f"{self.model} ")
        )


@dataclass(frozen=True, slots=True)
class Measurement:
    """The stored result a candidate is judged by for one pair."""

    engine: str
    result: EvalResult
    common_test_set: bool  # False: measured on a test set the others were not

    def describe(self) -> str:
        """Say ``engine chrF 47.3 (50 segments)``, with the test-set caveat when it applies."""
        r = self.result
        caveat = "" if self.common_test_set else ", another test set"
        return f"{self.engine} chrF {r.chrf:.1f} ({r.segments} segments{caveat})"


@dataclass(frozen=True, slots=True)
class Route:
    """The engine chosen for a run, and why, in one sentence a user can read."""

    engine: str
    reason: str
    measured: bool  # True: chosen by stored chrF; False: by the default order


def _pair_label(source: Language | None, target: Language) -> str:
    return f"{source.code if source else 'auto'}→{target.code}"


def _test_set(result: EvalResult) -> tuple[str, str]:
    return result.sources_hash, result.references_hash


def _newest_first(results: Sequence[EvalResult]) -> list[EvalResult]:
    """Sort by time, newest first; the stable sort keeps the given order on equal times."""
    return sorted(results, key=lambda r: r.created_at, reverse=True)


def _common_test_set(
    results: Sequence[EvalResult], candidates: Sequence[Candidate]
) -> tuple[str, str] | None:
    """Return the test set the most candidates were evaluated on (newest on a tie)."""
    covered: dict[tuple[str, str], set[str]] = {}
    latest: dict[tuple[str, str], datetime] = {}
    for result in results:
        key = _test_set(result)
        covered.setdefault(key, set()).update(c.name for c in candidates if c.owns(result))
        latest[key] = max(latest.get(key, result.created_at), result.created_at)
    if not covered:
        return None
    return max(covered, key=lambda key: (len(covered[key]), latest[key]))


def _measure(
    source: Language,
    target: Language,
    candidates: Sequence[Candidate],
    results: Sequence[EvalResult],
) -> dict[str, Measurement]:
    """Return each measured candidate's measurement for ``source`` → ``target``."""
    pair = _newest_first(
        [r for r in results if r.source == source.code and r.target == target.code]
    )
    common = _common_test_set(pair, candidates)
    measured: dict[str, Measurement] = {}
    for candidate in candidates:
        own = [r for r in pair if candidate.owns(r)]
        on_common = [r for r in own if _test_set(r) == common]
        if on_common:
            measured[candidate.name] = Measurement(candidate.name, on_common[0], True)
        elif own:
            measured[candidate.name] = Measurement(candidate.name, own[0], False)
    return measured


def _rank(name: str, default: str | None) -> int:
    """Position of ``name`` in the default order (the configured default first)."""
    order = ([default] if default else []) + [n for n in DEFAULT_ORDER if n != default]
    return order.index(name) if name in order else len(order)


def _by_default(
    capable: Sequence[Candidate], default: str | None, label: str, why: str, hint: str
) -> Route:
    chosen = min(capable, key=lambda c: _rank(c.name, default))
    reason = f"{label}: {why}; chose {chosen.name} by the default order ({hint})"
    return Route(chosen.name, reason, measured=False)


def best_engine(
    source: Language | None,
    targets: Sequence[Language],
    candidates: Sequence[Candidate],
    results: Sequence[EvalResult],
    default: str | None = None,
) -> Route:
    """Choose the engine for ``source`` → ``targets`` by stored chrF (see the module rule).

    ``default`` is the configured default engine, first in the fallback order. Raises
    :class:`UnsupportedLanguagePairError` when no candidate can do every pair.
    """
    labels = ", ".join(_pair_label(source, t) for t in targets)
    capable = [c for c in candidates if all(c.supports_pair(source, t) for t in targets)]
    if not capable:
        tried = ", ".join(c.name for c in candidates) or "none"
        raise UnsupportedLanguagePairError(
            f"No engine available here translates {labels} (usable engines: {tried}). "
            "Run `lingoflow engines` to see what is missing."
        )
    if source is None:
        hint = "give the source language to route by measured quality"
        return _by_default(capable, default, labels, "the source language is auto", hint)
    # Measure every engine able to do each target, so the reason names each target's own best.
    per_target = {
        t: _measure(source, t, [c for c in candidates if c.supports_pair(source, t)], results)
        for t in targets
    }
    complete = [c for c in capable if all(c.name in per_target[t] for t in targets)]
    if not complete:
        hint = "measure engines with `lingoflow eval` to route by quality"
        return _by_default(capable, default, labels, "no stored evaluation covers it", hint)

    def mean_chrf(candidate: Candidate) -> float:
        return fmean(per_target[t][candidate.name].result.chrf for t in targets)

    chosen = min(complete, key=lambda c: (-mean_chrf(c), _rank(c.name, default)))
    parts = []
    for target, measured in per_target.items():
        ranked = sorted(measured.values(), key=lambda m: -m.result.chrf)
        parts.append(f"{_pair_label(source, target)}: " + ", ".join(m.describe() for m in ranked))
    summary = "; ".join(parts)
    if len(targets) > 1:
        summary += (
            f"; {chosen.name} has the best mean chrF ({mean_chrf(chosen):.1f}) of the engines "
            "that translate every target"
        )
    unmeasured = [c.name for c in capable if c not in complete]
    if unmeasured:
        summary += f"; not measured: {', '.join(unmeasured)}"
    return Route(chosen.name, f"{summary}; chose {chosen.name}", measured=True)


def available_candidates(settings: Settings) -> list[Candidate]:
    """Return the engines usable here with ``settings``, each with the model it would use.

    Engines that cannot be imported or configured are left out, as unusable ones are.
    """
    candidates = []
    for name in engine_names():
        try:
            cls = engine_class(name)
            config = settings.engine_config(name)
            if not cls.availability(config).usable:
                continue
            engine = cls(config)  # cheap: engines load models and start processes lazily
        except ConfigurationError as exc:
            _log.info("routing skips engine %s: %s", name, exc)
            continue
        candidates.append(Candidate(name, engine.model, engine.supports_pair))
    return candidates


def route(source: str, targets: Sequence[str], settings: Settings, storage: Storage) -> Route:
    """Choose the engine for ``source`` → ``targets`` from the results stored in ``storage``."""
    from lingoflow.storage.evals import EvalStore  # SQLAlchemy only when routing

    results = EvalStore(storage.database).history()
    default = settings.engine if settings.engine != AUTO else None
    return best_engine(
        resolve_source(source),
        [resolve(t) for t in targets],
        available_candidates(settings),
        results,
        default,
    )


def resolve_engine_name(
    name: str, source: str, targets: Sequence[str], settings: Settings, storage: Storage
) -> str:
    """Return ``name``, or for ``auto`` the engine :func:`route` chooses (reason logged)."""
    if name != AUTO:
        return name
    chosen = route(source, targets, settings, storage)
    _log.info("engine auto: %s", chosen.reason)
    return chosen.engine
