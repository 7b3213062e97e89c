"""Each check on hits and non-hits: real NTREX sentences in several languages, and edits."""

from __future__ import annotations

import pytest

from lingoflow.glossary.matcher import TermMatcher
from lingoflow.qa import CheckInput, run_checks
from lingoflow.types import GlossaryEntry
from tests.qa.conftest import LANGS, LINES, pair, real


def fired(item: CheckInput, name: str) -> bool:
    """Tell whether check ``name`` reports anything on ``item``."""
    return bool(run_checks(item, only=[name]))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("line", LINES)
def test_real_references_raise_no_serious_finding(
    line: int, lang: str, request: pytest.FixtureRequest
) -> None:
    if (line, lang) == (151, "ar"):
        request.applymarker(
            pytest.mark.xfail(
                strict=True, reason="Arabic writes 7.55am as the decimal 7.55: a known limit"
            )
        )
    findings = run_checks(pair(line, lang))
    assert [f for f in findings if f.severity != "minor"] == []


CASES = [
    # placeholders and tags
    pytest.param("placeholders", pair(3, "de", target=None), False, id="placeholders-none"),
    pytest.param(
        "placeholders",
        CheckInput.of("Hello %s, you have %d files.", "Hallo %s, du hast Dateien.", "en", "de"),
        True,
        id="placeholders-printf-dropped",
    ),
    pytest.param(
        "placeholders",
        CheckInput.of("{count} new messages", "{count} 条新消息", "en", "zh"),
        False,
        id="placeholders-kept-zh",
    ),
    pytest.param(
        "placeholders",
        CheckInput.of("{count} new messages", "{cuenta} mensajes nuevos", "en", "es"),
        True,
        id="placeholders-renamed-es",
    ),
    pytest.param(
        "placeholders",
        CheckInput.of("He is 100 percent sure.", "Er ist 100%ig sicher.", "en", "de"),
        False,
        id="placeholders-prose-percent-de",
    ),
    pytest.param(
        "tags",
        CheckInput.of("Click <b>Save</b> now.", "Cliquez sur <b>Enregistrer</b>.", "en", "fr"),
        False,
        id="tags-kept-fr",
    ),
    pytest.param(
        "tags",
        CheckInput.of("Click <b>Save</b> now.", "「保存」をクリック</b>", "en", "ja"),
        True,
        id="tags-dropped-ja",
    ),
    pytest.param(
        "tags",
        CheckInput.of('<img alt="Logo"> here', '<img alt="Logotipo"> aquí', "en", "es"),
        False,
        id="tags-translated-alt",
    ),
    # links
    pytest.param(
        "urls",
        CheckInput.of(
            f"{real(3, 'en')} https://example.org/a",
            f"{real(3, 'ko')} https://example.org/a",
            "en",
            "ko",
        ),
        False,
        id="urls-kept-ko",
    ),
    pytest.param(
        "urls",
        CheckInput.of(f"{real(3, 'en')} https://example.org/a", real(3, "fr"), "en", "fr"),
        True,
        id="urls-dropped-fr",
    ),
    pytest.param(
        "emails",
        CheckInput.of(
            "Write to desk@example.org.", "Schreiben Sie an desk@example.com.", "en", "de"
        ),
        True,
        id="emails-changed-de",
    ),
    # language
    pytest.param("untranslated", pair(3, "de", target=real(3, "en")), True, id="untranslated-de"),
    pytest.param(
        "untranslated",
        CheckInput.of("Google Maps", "Google Maps", "en", "fr"),
        False,
        id="untranslated-brand",
    ),
    pytest.param(
        "untranslated",
        CheckInput.of("Windows 11", "Windows 11", "en", "ja"),
        False,
        id="untranslated-product",
    ),
    pytest.param("wrong-language", pair(3, "de", target=real(3, "fr")), True, id="wrong-fr-for-de"),
    pytest.param(
        "wrong-language", pair(372, "ja", target=real(372, "zh")), True, id="wrong-zh-for-ja"
    ),
    pytest.param(
        "wrong-language", pair(372, "zh", target=real(372, "ja")), True, id="wrong-ja-for-zh"
    ),
    pytest.param("wrong-language", pair(3, "ko", target=real(3, "ru")), True, id="wrong-ru-for-ko"),
    pytest.param("wrong-language", pair(3, "es", target=real(3, "es")), False, id="right-es"),
    pytest.param(
        "wrong-language",
        CheckInput.of("Thanks!", "Obrigado!", "en", "es"),
        False,
        id="short-related-not-judged",
    ),
    # form
    pytest.param("empty", pair(7, "fr", target=""), True, id="empty-fr"),
    pytest.param("empty", pair(7, "fr"), False, id="not-empty-fr"),
    pytest.param(
        "length-ratio", pair(372, "de", target=real(372, "de")[:15]), True, id="truncated-de"
    ),
    pytest.param("length-ratio", pair(372, "zh"), False, id="length-ok-zh"),
    pytest.param(
        "repetition",
        pair(3, "es", target=real(3, "es") + " el Parlamento de Gales" * 4),
        True,
        id="loop-es",
    ),
    pytest.param(
        "repetition",
        pair(3, "zh", target=real(3, "zh") + "威尔士议会" * 4),
        True,
        id="loop-zh",
    ),
    pytest.param(
        "repetition",
        CheckInput.of("No, no, no, no!", "Nein, nein, nein, nein!", "en", "de"),
        False,
        id="repeat-in-source-too",
    ),
    # punctuation
    pytest.param(
        "whitespace",
        CheckInput.of("Save ", "Speichern", "en", "de"),
        True,
        id="trailing-space-lost",
    ),
    pytest.param(
        "whitespace", CheckInput.of("\nSave", "\nSpeichern", "en", "de"), False, id="same-edges"
    ),
    pytest.param(
        "brackets",
        pair(3, "ko", target=real(3, "ko") + "("),
        True,
        id="unbalanced-paren-ko",
    ),
    pytest.param(
        "brackets",
        CheckInput.of('He said "fine".', "Il a dit « bien.", "en", "fr"),
        True,
        id="unbalanced-guillemets-fr",
    ),
    pytest.param(
        "brackets",
        CheckInput.of('He said "fine".', "Er sagte „gut“.", "en", "de"),
        False,
        id="german-quotes-balanced",
    ),
    pytest.param(
        "brackets",
        CheckInput.of('He said "fine".', "他说「好」。", "en", "ja"),
        False,
        id="japanese-quotes-balanced",
    ),
]


@pytest.mark.parametrize(("name", "item", "expected"), CASES)
def test_check(name: str, item: CheckInput, expected: bool) -> None:
    assert fired(item, name) is expected


def _glossary_item(target: str) -> CheckInput:
    entry = GlossaryEntry("Welsh Parliament", "walisisches Parlament", "en", "de")
    source = real(3, "en")
    return CheckInput.of(source, target, "en", "de", glossary=TermMatcher([entry]).match(source))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("Der Name wird zu Walisisches Parlament geändert.", False, id="honoured"),
        pytest.param("Der Name wird zu Parlament von Wales geändert.", True, id="missed"),
    ],
)
def test_glossary(target: str, expected: bool) -> None:
    assert fired(_glossary_item(target), "glossary") is expected


@pytest.mark.parametrize(
    ("name", "terms", "target", "expected"),
    [
        pytest.param("required-terms", ["Parlament"], real(3, "de"), False, id="required-present"),
        pytest.param("required-terms", ["Senedd"], real(3, "de"), True, id="required-absent"),
        pytest.param("required-terms", ["议会"], real(3, "zh"), False, id="required-present-zh"),
        pytest.param("forbidden-terms", ["parlament"], real(3, "de"), True, id="forbidden-used"),
        pytest.param("forbidden-terms", ["Senat"], real(3, "de"), False, id="forbidden-absent"),
    ],
)
def test_project_terms(name: str, terms: list[str], target: str, expected: bool) -> None:
    key = "required_terms" if name == "required-terms" else "forbidden_terms"
    lang = "zh" if "议会" in terms else "de"
    item = CheckInput.of(real(3, "en"), target, "en", lang, **{key: terms})  # type: ignore[arg-type]
    assert fired(item, name) is expected
