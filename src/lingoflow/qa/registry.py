"""The check registry: every QA check is a small function registered with :func:`check`.

A check takes a :class:`~lingoflow.qa.input.CheckInput` and yields one mapping of details per
problem it sees; the registry turns each into a :class:`~lingoflow.types.Finding` whose
message is the check's docstring (its first paragraph) formatted with those details. Checks
are data producers, never raisers: a finding is not an exception.

Invariants:

- Check names are unique, lower-case and hyphenated; severities are ``critical``, ``major``
  or ``minor``; every check has a docstring whose fields its details fill.
- :func:`run_checks` runs the checks in registration order; an unknown name in ``only`` or
  ``skip`` raises :class:`~lingoflow.errors.ConfigurationError` listing the known checks.
- When the target is blank, only the checks registered with ``on_blank=True`` run (an
  empty translation is one problem, not twenty).
"""

from __future__ import annotations

import inspect
import re
import string
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from lingoflow.errors import ConfigurationError
from lingoflow.qa.input import CheckInput
from lingoflow.types import Finding

__all__ = ["Check", "CheckFunction", "Details", "Severity", "all_checks", "check", "run_checks"]

Details = Mapping[str, object]
"""The values one finding's message template is formatted with."""

CheckFunction = Callable[[CheckInput], Iterable[Details]]
"""What a check is: input in, one details mapping per problem out."""

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


class Severity(StrEnum):
    """How bad a finding is: critical blocks delivery, major needs review, minor is polish."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


@dataclass(frozen=True, slots=True)
class Check:
    """One registered check: its name, severity, message template and function."""

    name: str
    severity: Severity
    message: str
    function: CheckFunction
    on_blank: bool = False

    @property
    def fields(self) -> frozenset[str]:
        """Return the names the message template expects from the details."""
        parsed = string.Formatter().parse(self.message)
        return frozenset(field for _, field, _, _ in parsed if field)

    def run(self, item: CheckInput) -> list[Finding]:
        """Return this check's findings on ``item``."""
        return [
            Finding(self.name, str(self.severity), self.message.format_map(details))
            for details in self.function(item)
        ]


_REGISTRY: dict[str, Check] = {}


def _template(function: CheckFunction) -> str:
    """Return the first paragraph of the function's docstring, on one line."""
    doc = inspect.getdoc(function)
    if not doc:
        raise ConfigurationError(f"check {function.__name__} needs a docstring: its message")
    return " ".join(doc.split("\n\n")[0].split())


def check(
    name: str, severity: Severity | str, *, on_blank: bool = False
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``name`` with ``severity``."""

    def register(function: CheckFunction) -> CheckFunction:
        if not _NAME.fullmatch(name) or name in _REGISTRY:
            raise ConfigurationError(f"check name {name!r} is malformed or already registered")
        _REGISTRY[name] = Check(name, Severity(severity), _template(function), function, on_blank)
        return function

    return register


def all_checks() -> tuple[Check, ...]:
    """Return every registered check, in registration order."""
    return tuple(_REGISTRY.values())


def _known(names: Collection[str] | None) -> frozenset[str]:
    """Return ``names`` as a set; raise ``ConfigurationError`` if one is not a check."""
    chosen = frozenset(names or ())
    unknown = chosen - _REGISTRY.keys()
    if unknown:
        raise ConfigurationError(
            f"Unknown QA check(s) {', '.join(sorted(unknown))}; "
            f"known checks: {', '.join(_REGISTRY)}."
        )
    return chosen


def run_checks(
    item: CheckInput,
    *,
    only: Collection[str] | None = None,
    skip: Collection[str] | None = None,
) -> list[Finding]:
    """Run the registered checks (all, or ``only`` these, minus ``skip``) on one segment."""
    chosen, skipped = _known(only), _known(skip)
    blank = not item.target.strip()
    findings: list[Finding] = []
    for name, registered in _REGISTRY.items():
        if (chosen and name not in chosen) or name in skipped:
            continue
        if blank and not registered.on_blank:
            continue
        findings += registered.run(item)
    return findings
