"""The whole exception tree of lingoflow.

Every error lingoflow raises derives from :class:`LingoflowError`; foreign exceptions
(httpx, subprocess, llama.cpp) are translated where they enter, with ``raise ... from exc``.
Each message tells the user what went wrong and what to do about it. QA findings are data,
not exceptions.

::

    LingoflowError
    ├── ConfigurationError              bad settings or arguments
    │   ├── UnknownLanguageError        language not among the 92 (with suggestions)
    │   ├── UnknownEngineError          no engine registered under that name
    │   ├── MissingAPIKeyError          engine needs a key and none is configured
    │   └── UnknownGlossaryError        no glossary stored under that name
    ├── InputError                      empty text, invalid UTF-8, unusable input
    │   ├── FormatError                 a document cannot be read (file and line)
    │   ├── TmxError                    malformed TMX (file and line)
    │   ├── GlossaryFormatError         malformed glossary file (file and line)
    │   ├── GlossaryPairError           glossary has no terms for the asked pair
    │   └── GlossaryConflictError       one source term with different targets
    ├── StorageError                    database unreachable or failing
    ├── WorkerError                     broker unreachable; distributed workers failed
    ├── JobError                        a job cannot start or go on as asked
    │   ├── UnknownJobError             no job stored under that id
    │   ├── BudgetExceededError         the next segments would exceed the budget (paused)
    │   └── JobCancelledError           the job was cancelled while it ran
    ├── ReviewError                     a review decision cannot be made as asked
    │   └── UnknownReviewItemError      no review item stored under that id
    ├── UnsupportedLanguagePairError    the engine cannot translate this pair
    ├── EngineUnavailableError          package, binary or model missing on this machine
    │   └── ModelIntegrityError         assembled model file does not match its SHA-256
    └── EngineError                     the engine failed while translating
        ├── EngineConnectionError       server unreachable
        │   └── EngineCircuitOpenError  every endpoint's circuit breaker is open (``retry_after``)
        ├── EngineTimeoutError          no answer in time
        ├── EngineResponseError         answer we cannot read (malformed JSON, no choices)
        │   └── EngineTruncatedError    answer cut off at the token limit; not retried
        └── EngineHTTPError             upstream answered with an error status
            ├── EngineBadRequestError   400/404/422: the request shape; not retried
            ├── EngineAuthError         401/403: bad or unauthorised key
            ├── EngineRateLimitedError  429: back off (``retry_after`` seconds if given)
            └── EngineServerError       5xx: upstream trouble; retry later
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingoflow.glossary.formats import Conflict

__all__ = [
    "BudgetExceededError",
    "ConfigurationError",
    "EngineAuthError",
    "EngineBadRequestError",
    "EngineCircuitOpenError",
    "EngineConnectionError",
    "EngineError",
    "EngineHTTPError",
    "EngineRateLimitedError",
    "EngineResponseError",
    "EngineServerError",
    "EngineTimeoutError",
    "EngineTruncatedError",
    "EngineUnavailableError",
    "FormatError",
    "GlossaryConflictError",
    "GlossaryFormatError",
    "GlossaryPairError",
    "InputError",
    "JobCancelledError",
    "JobError",
    "LingoflowError",
    "MissingAPIKeyError",
    "ModelIntegrityError",
    "ReviewError",
    "StorageError",
    "TmxError",
    "UnknownEngineError",
    "UnknownGlossaryError",
    "UnknownJobError",
    "UnknownLanguageError",
    "UnknownReviewItemError",
    "UnsupportedLanguagePairError",
    "WorkerError",
]


class LingoflowError(Exception):
    """Base of every error lingoflow raises."""


class ConfigurationError(LingoflowError):
    """Settings or arguments are wrong; the message says which and how to fix them."""


class UnknownLanguageError(ConfigurationError):
    """A language name or code matches none of the supported languages."""

    def __init__(self, query: str, suggestions: Sequence[str] = ()) -> None:
        self.query = query
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"Unknown language {query!r}.{hint} Run `lingoflow languages` for the full list."
        )


class UnknownEngineError(ConfigurationError):
    """No engine is registered under the given name."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        super().__init__(f"Unknown engine {name!r}. Known engines: {', '.join(sorted(known))}.")


class MissingAPIKeyError(ConfigurationError):
    """The engine needs an API key and none is configured."""


class InputError(LingoflowError):
    """The input cannot be translated as given (empty, not UTF-8, ...)."""


class UnsupportedLanguagePairError(LingoflowError):
    """The chosen engine cannot translate between these two languages."""


class EngineUnavailableError(LingoflowError):
    """The engine cannot run on this machine: a package, binary or model is missing."""


class ModelIntegrityError(EngineUnavailableError):
    """A model file does not have the expected size or SHA-256."""


class EngineError(LingoflowError):
    """The engine failed while translating."""


class EngineConnectionError(EngineError):
    """The engine's server could not be reached."""


class EngineTimeoutError(EngineError):
    """The engine did not answer in time."""


class EngineCircuitOpenError(EngineConnectionError):
    """Every endpoint kept failing and is rested; ``retry_after``: seconds until the next probe."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class EngineResponseError(EngineError):
    """The engine answered with something lingoflow cannot read."""


class EngineTruncatedError(EngineResponseError):
    """The answer stopped at the token limit (a looping model); asking again will not help."""


class EngineHTTPError(EngineError):
    """The engine's server answered with an HTTP error status."""

    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(message)


class EngineBadRequestError(EngineHTTPError):
    """The server rejected the request's shape (400-class); retrying will not help."""


class EngineAuthError(EngineHTTPError):
    """The server rejected the API key (401/403)."""


class EngineRateLimitedError(EngineHTTPError):
    """The server is rate-limiting (429); ``retry_after`` is its hint in seconds, if any."""

    def __init__(
        self, message: str, *, status_code: int, body: str = "", retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status_code=status_code, body=body)


class EngineServerError(EngineHTTPError):
    """The server failed (5xx); a later retry may succeed."""


class WorkerError(LingoflowError):
    """The broker cannot be reached, or the distributed workers failed the run."""


class StorageError(LingoflowError):
    """The database cannot be opened or failed while reading or writing."""


class UnknownGlossaryError(ConfigurationError):
    """No glossary is stored under the given name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Unknown glossary {name!r}. Run `lingoflow glossary list` to see the stored ones."
        )


class TmxError(InputError):
    """A TMX file is not well-formed XML or not valid TMX; the message names file and line."""

    def __init__(self, path: str | PathLike[str], line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}. Fix the file or export it again from its tool.")


class GlossaryFormatError(InputError):
    """A glossary file is malformed; ``name`` and ``line`` say where."""

    def __init__(self, message: str, *, name: str, line: int | None = None) -> None:
        self.name = name
        self.line = line
        where = f"{name}, line {line}" if line is not None else name
        super().__init__(f"{where}: {message}")


class GlossaryPairError(InputError):
    """A glossary has no terms for the requested language pair."""

    def __init__(
        self, *, name: str, requested: tuple[str, str], available: Sequence[tuple[str, str]]
    ) -> None:
        self.name = name
        self.requested = requested
        self.available = tuple(available)
        have = ", ".join(f"{s}→{t}" for s, t in self.available) or "none"
        super().__init__(
            f"{name} has no {requested[0]}→{requested[1]} terms; it has: {have}. "
            "Choose one of these pairs or another glossary."
        )


class GlossaryConflictError(InputError):
    """A glossary gives one source term different targets; ``conflicts`` lists them all."""

    def __init__(self, *, name: str, pair: tuple[str, str], conflicts: Sequence[Conflict]) -> None:
        self.name = name
        self.conflicts = tuple(conflicts)
        listed = "; ".join(c.describe() for c in self.conflicts)
        super().__init__(
            f"{name}: {len(self.conflicts)} source term(s) with different {pair[0]}→{pair[1]} "
            f"targets: {listed}. Fix the file, or pass on_conflict='keep-first'."
        )


class FormatError(InputError):
    """A document cannot be parsed; the message names the file and, where known, the line."""

    def __init__(self, name: str, problem: str, *, line: int | None = None) -> None:
        self.name = name
        self.line = line
        where = f"{name}, line {line}" if line is not None else name
        super().__init__(f"{where}: {problem}")


class JobError(LingoflowError):
    """A job cannot start or go on as asked (already running, already done ...)."""


class UnknownJobError(JobError):
    """No job is stored under the given id."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        super().__init__(f"Unknown job {job_id}. Run `lingoflow jobs list` to see the jobs.")


class BudgetExceededError(JobError):
    """Sending the next segments would exceed the budget; finished work is kept."""

    def __init__(self, message: str, *, spent: float, budget: float, needed: float) -> None:
        self.spent = spent
        self.budget = budget
        self.needed = needed  # estimated cost of what was about to be sent
        super().__init__(message)


class JobCancelledError(JobError):
    """The job was cancelled (``lingoflow jobs cancel``) while it ran."""


class ReviewError(LingoflowError):
    """A review decision cannot be made as asked (already decided, empty text ...)."""


class UnknownReviewItemError(ReviewError):
    """No review item is stored under the given id."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        super().__init__(
            f"Unknown review item {item_id}. Run `lingoflow review list --status all` to see them."
        )
