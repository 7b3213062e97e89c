"""Quality checks on translated segments: small registered functions returning findings.

Each check is a function registered with :func:`~lingoflow.qa.registry.check` under a name
and a severity (``critical``, ``major``, ``minor``); its docstring is the message template.
:func:`run_checks` runs them on one :class:`CheckInput` and returns
:class:`~lingoflow.types.Finding` data. Importing this package registers the built-in checks
(one module per family: form, language, injection, markup, numbers, punctuation, terms);
findings come in registration order, which :func:`all_checks` lists.
"""

from __future__ import annotations

from lingoflow.qa import form, injection, language, markup, numbers, punctuation, terms
from lingoflow.qa.input import CheckInput
from lingoflow.qa.registry import Check, Severity, all_checks, check, run_checks

__all__ = ["Check", "CheckInput", "Severity", "all_checks", "check", "run_checks"]

# The check modules register on import; they are named here so the imports are not unused.
_CHECK_MODULES = (markup, numbers, terms, language, form, punctuation, injection)
