"""Evaluate an engine against human reference translations: BLEU and chrF with sacrebleu.

A test set is two line-aligned UTF-8 files, one segment per line (sacrebleu's own format).
:func:`load_test_set` reads and checks them; :func:`evaluate` translates the sources with a
:class:`~lingoflow.translator.Translator` and scores the hypotheses; :func:`score` scores
hypotheses already made.

Invariants:

- Scores come from sacrebleu's corpus metrics with sacrebleu's defaults, so they equal
  ``sacrebleu REF -i HYP -m bleu chrf`` on the same lines; each carries sacrebleu's
  signature, which says exactly how it was computed.
- BLEU's tokenizer follows the target language (:func:`bleu_tokenizer`): ``zh`` for
  Chinese, ``ja-mecab`` for Japanese when ``mecab-python3`` and ``ipadic`` are installed (else
  ``char``, with a note), ``13a`` otherwise. chrF needs no tokenizer.
- Nothing is translated before the test set and the language pair are known to be usable.
- Hypotheses are lines too: a translation's own line breaks become spaces and trailing
  whitespace is dropped, as sacrebleu does when it reads a file.
- The hashes identify the exact lines scored (after ``limit``), not the files as a whole.

sacrebleu is imported only when a score is computed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lingoflow.errors import ConfigurationError, InputError, UnsupportedLanguagePairError
from lingoflow.languages import Language, resolve
from lingoflow.signature import current_version
from lingoflow.types import Provenance

if TYPE_CHECKING:
    from lingoflow.translator import Translator

__all__ = [
    "BLEU_NAME",
    "CHRF_NAME",
    "EvalResult",
    "Scores",
    "bleu_tokenizer",
    "check_aligned",
    "evaluate",
    "lines_hash",
    "load_test_set",
    "score",
]

BLEU_NAME = "BLEU"
CHRF_NAME = "chrF2"  # sacrebleu's name for its default chrF (beta 2, no word n-grams)


@dataclass(frozen=True, slots=True)
class Scores:
    """BLEU and chrF of hypotheses against references, with sacrebleu's signatures."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    note: str = ""  # why a fallback tokenizer was used, when one was


@dataclass(frozen=True, slots=True)
class EvalResult:
    """One evaluation of an engine on a test set: scores, speed, cost and provenance."""

    engine: str
    model: str
    source: str  # Qwen-MT language codes
    target: str
    segments: int
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    seconds_per_segment: float
    input_tokens: int
    output_tokens: int
    sources_hash: str
    references_hash: str
    version: str
    created_at: datetime
    hypotheses: tuple[str, ...] = field(default=(), repr=False)  # not stored
    note: str = ""  # not stored


def lines_hash(lines: Sequence[str]) -> str:
    """Return the SHA-256 of ``lines`` joined as a file (one per line, UTF-8)."""
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()


def _read_lines(path: Path, role: str) -> list[str]:
    """Return the lines of the UTF-8 file ``path``, trailing whitespace dropped."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"Cannot read the {role} file {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The {role} file {path} is not valid UTF-8 (offset {exc.start})."
        ) from exc
    lines = [line.rstrip() for line in text.split("\n")]
    if lines and not lines[-1]:
        lines.pop()  # the final newline ends the last line; it does not start a new one
    if not any(lines):
        raise InputError(f"The {role} file {path} is empty: it needs one segment per line.")
    return lines


def check_aligned(sources: Sequence[str], references: Sequence[str]) -> None:
    """Raise InputError unless the segments pair up line by line."""
    if not sources or not any(sources):
        raise InputError("Nothing to evaluate: the source has no segments.")
    if len(references) != len(sources):
        shorter = "shorter" if len(references) < len(sources) else "longer"
        raise InputError(
            f"The reference has {len(references)} lines but the source has {len(sources)}: "
            f"the reference is {shorter}. Both files need one segment per line, aligned."
        )
    for number, (src, ref) in enumerate(zip(sources, references, strict=True), start=1):
        if bool(src.strip()) != bool(ref.strip()):
            raise InputError(
                f"The files are misaligned at line {number}: one is blank and the other is "
                "not. Both files need one segment per line, aligned."
            )


def load_test_set(
    sources: Path, references: Path, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """Read two aligned files and return their first ``limit`` lines (all without one)."""
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}.")
    src = _read_lines(sources, "source")
    ref = _read_lines(references, "reference")
    check_aligned(src, ref)
    return src[:limit], ref[:limit]


def bleu_tokenizer(target: Language) -> tuple[str, str]:
    """Return sacrebleu's BLEU tokenizer for ``target`` and a note when it is a fallback."""
    if target.code in ("zh", "zh_tw"):
        return "zh", ""
    if target.code == "ja":
        if importlib.util.find_spec("MeCab") and importlib.util.find_spec("ipadic"):
            return "ja-mecab", ""
        return "char", (
            "BLEU uses the char tokenizer for Japanese: install mecab-python3 and ipadic "
            "for ja-mecab, the usual one (scores differ between the two)."
        )
    return "13a", ""


def score(hypotheses: Sequence[str], references: Sequence[str], target: Language) -> Scores:
    """Score ``hypotheses`` against ``references`` (one reference each) with BLEU and chrF."""
    try:
        from sacrebleu.metrics.bleu import BLEU
        from sacrebleu.metrics.chrf import CHRF
    except ImportError as exc:
        raise ConfigurationError(
            "Evaluation needs sacrebleu: pip install 'sacrebleu>=2.4,<3'."
        ) from exc
    if len(hypotheses) != len(references):
        raise InputError(f"{len(hypotheses)} hypotheses for {len(references)} references.")
    tokenizer, note = bleu_tokenizer(target)
    bleu, chrf = BLEU(tokenize=tokenizer), CHRF()
    refs = [list(references)]
    bleu_score = bleu.corpus_score(list(hypotheses), refs)
    chrf_score = chrf.corpus_score(list(hypotheses), refs)
    return Scores(
        bleu_score.score,
        chrf_score.score,
        bleu.get_signature().format(),
        chrf.get_signature().format(),
        note,
    )


def _as_line(text: str) -> str:
    """Return ``text`` as one hypothesis line (see the module invariants)."""
    return " ".join(text.splitlines()).rstrip()


def evaluate(
    translator: Translator,
    sources: Sequence[str],
    references: Sequence[str],
    source: str | Language,
    target: str | Language,
) -> EvalResult:
    """Translate ``sources`` with ``translator`` and score them against ``references``.

    Give the translator no cache (``PipelineOptions(use_cache=False)`` or no storage) so
    that the score and the timing measure the engine.
    """
    src = source if isinstance(source, Language) else resolve(source)
    tgt = target if isinstance(target, Language) else resolve(target)
    check_aligned(sources, references)
    engine = translator.engine
    if not engine.supports_pair(src, tgt):
        raise UnsupportedLanguagePairError(
            f"Engine {engine.name!r} cannot translate {src.name} → {tgt.name}: "
            "run `lingoflow engines` to see what each engine supports."
        )
    started = time.perf_counter()
    translations = translator.translate_batch(list(sources), tgt, source=src)
    seconds = time.perf_counter() - started
    hypotheses = tuple(_as_line(t.text) for t in translations)
    scores = score(hypotheses, references, tgt)
    # Copied texts (numbers, names) never reached the engine: they name its family, not the
    # pair or model that translated the rest (Apertium: ``apertium`` vs ``apertium eng-spa``).
    models = {t.model for t in translations if t.model and t.provenance is Provenance.ENGINE}
    return EvalResult(
        engine=engine.name,
        model=models.pop() if len(models) == 1 else engine.model,
        source=src.code,
        target=tgt.code,
        segments=len(sources),
        bleu=scores.bleu,
        chrf=scores.chrf,
        bleu_signature=scores.bleu_signature,
        chrf_signature=scores.chrf_signature,
        seconds_per_segment=seconds / len(sources),
        input_tokens=sum(t.usage.input_tokens for t in translations),
        output_tokens=sum(t.usage.output_tokens for t in translations),
        sources_hash=lines_hash(sources),
        references_hash=lines_hash(references),
        version=current_version(),
        created_at=datetime.now(UTC),
        hypotheses=hypotheses,
        note=scores.note,
    )
