"""The check registry: every check listed with severity and message; names validated."""

from __future__ import annotations

import pytest

from lingoflow.errors import ConfigurationError
from lingoflow.qa import CheckInput, Severity, all_checks, check, run_checks
from lingoflow.types import Finding

EXPECTED = {
    "placeholders": "critical",
    "tags": "critical",
    "urls": "critical",
    "emails": "critical",
    "numbers": "major",
    "glossary": "major",
    "required-terms": "major",
    "forbidden-terms": "major",
    "wrong-language": "critical",
    "untranslated": "critical",
    "empty": "critical",
    "length-ratio": "major",
    "repetition": "critical",
    "whitespace": "minor",
    "end-punctuation": "minor",
    "brackets": "minor",
    "prompt-injection": "critical",
}


def test_registry_lists_every_check_with_severity_and_message() -> None:
    listed = {c.name: str(c.severity) for c in all_checks()}
    assert listed == EXPECTED
    for registered in all_checks():
        assert registered.message.strip(), registered.name
        assert registered.message == " ".join(registered.message.split())
        assert registered.severity in set(Severity)


@pytest.mark.parametrize(
    ("only", "skip"),
    [
        pytest.param(["nonsense"], None, id="unknown-only"),
        pytest.param(None, ["numbers", "nonsense"], id="unknown-skip"),
    ],
)
def test_unknown_check_name_lists_the_checks(
    only: list[str] | None, skip: list[str] | None
) -> None:
    item = CheckInput.of("Hello world.", "Hallo Welt.", "en", "de")
    with pytest.raises(ConfigurationError, match="nonsense") as raised:
        run_checks(item, only=only, skip=skip)
    assert all(name in str(raised.value) for name in EXPECTED)


def test_only_and_skip_select_checks() -> None:
    item = CheckInput.of("Call {name} at 10:30.", "Ruf an.", "en", "de")
    assert {f.check for f in run_checks(item)} >= {"placeholders", "numbers"}
    assert [f.check for f in run_checks(item, only=["numbers"])] == ["numbers"]
    assert "numbers" not in {f.check for f in run_checks(item, skip=["numbers"])}


def test_findings_are_data_with_the_docstring_as_message() -> None:
    item = CheckInput.of("Open {file} now.", "Jetzt öffnen.", "en", "de")
    assert run_checks(item, only=["placeholders"]) == [
        Finding(
            "placeholders",
            "critical",
            "Placeholder {file} appears 0 time(s) in the translation, 1 in the source.",
        )
    ]


def test_blank_target_reports_only_empty() -> None:
    item = CheckInput.of("Open {file} at https://example.com now.", "  ", "en", "de")
    assert [f.check for f in run_checks(item)] == ["empty"]


def test_registering_a_check_twice_or_without_docstring_fails() -> None:
    with pytest.raises(ConfigurationError, match="already registered"):
        check("numbers", "major")(lambda item: [])
    with pytest.raises(ConfigurationError, match="docstring"):
        check("brand-new", "minor")(lambda item: [])
