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
    │   └── MissingAPIKeyError          engine needs a key and none is configured
    ├── InputError                      empty text, invalid UTF-8, unusable input
    ├── UnsupportedLanguagePairError    the engine cannot translate this pair
    ├── EngineUnavailableError          package, binary or model missing on this machine
    │   └── ModelIntegrityError         assembled model file does not match its SHA-256
    └── EngineError                     the engine failed while translating
        ├── EngineConnectionError       server unreachable
        ├── EngineTimeoutError          no answer in time
        ├── EngineResponseError         answer we cannot read (malformed JSON, no choices)
        └── EngineHTTPError             upstream answered with an error status
            ├── EngineBadRequestError   400/404/422: the request shape; not retried
            ├── EngineAuthError         401/403: bad or unauthorised key
            ├── EngineRateLimitedError  429: back off (``retry_after`` seconds if given)
            └── EngineServerError       5xx: upstream trouble; retry later
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConfigurationError",
    "EngineAuthError",
    "EngineBadRequestError",
    "EngineConnectionError",
    "EngineError",
    "EngineHTTPError",
    "EngineRateLimitedError",
    "EngineResponseError",
    "EngineServerError",
    "EngineTimeoutError",
    "EngineUnavailableError",
    "InputError",
    "LingoflowError",
    "MissingAPIKeyError",
    "ModelIntegrityError",
    "UnknownEngineError",
    "UnknownLanguageError",
    "UnsupportedLanguagePairError",
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


class EngineResponseError(EngineError):
    """The engine answered with something lingoflow cannot read."""


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
