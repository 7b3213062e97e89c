"""The pipeline end to end: the qwen-mt engine over a local DashScope, real SQLite and PostgreSQL.

Every assertion about what the engine saw reads the request bodies the fake recorded; every
assertion about cost recomputes the fake's billing rule (one token per word of content, terms,
TM examples and domain; one per word of output) from those bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import pytest

from lingoflow import EngineConfig, Translator
from lingoflow.errors import BudgetExceededError
from lingoflow.glossary import open_glossary
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.pricing import Price
from lingoflow.qa.assess import QualityOptions
from lingoflow.storage import Storage, TmEntry
from lingoflow.types import (
    Finding,
    GlossaryEntry,
    GlossarySelection,
    Provenance,
    Term,
    Translation,
    Usage,
)
from tests.fakes.dashscope import FakeDashScope, count_tokens, fake_translate

TranslateFn = Callable[[str, Mapping[str, Any]], str]


# --- helpers ---------------------------------------------------------------------------------


def translator(
    fake: FakeDashScope,
    storage: Storage | None = None,
    options: PipelineOptions | None = None,
    *,
    model: str | None = None,
    concurrency: int = 4,
) -> Translator:
    """Return a qwen-mt translator talking to ``fake``.

    The run-level QA checks are off: these tests pin the pipeline's own findings, and the fake's
    ``[German] …`` output is, rightly, English text to the language check.
    """
    config = EngineConfig(
        model=model, base_url=fake.base_url, api_key=fake.api_key, concurrency=concurrency
    )
    quality = QualityOptions(enabled=False)
    return Translator("qwen-mt", config, storage=storage, options=options, quality=quality)


async def translate(
    fake: FakeDashScope,
    text: str,
    storage: Storage | None = None,
    options: PipelineOptions | None = None,
    *,
    to: str = "de",
    model: str | None = None,
    domain: str | None = None,
    formality: str | None = None,
) -> Translation:
    """Translate ``text`` from English with a fresh translator, as a new process would."""
    async with translator(fake, storage, options, model=model) as t:
        return await t.atranslate(text, to=to, source="en", domain=domain, formality=formality)


def sent(fake: FakeDashScope) -> list[str]:
    """Return the user message of every request, in arrival order."""
    return [body["messages"][0]["content"] for body in fake.bodies]


def options_by_content(fake: FakeDashScope) -> dict[str, dict[str, Any]]:
    """Return each request's ``translation_options`` by its user message."""
    return {body["messages"][0]["content"]: body["translation_options"] for body in fake.bodies}


def billed(fake: FakeDashScope) -> Usage:
    """Return what the fake billed for every request it recorded."""
    total = Usage()
    for body in fake.bodies:
        content: str = body["messages"][0]["content"]
        options: dict[str, Any] = body["translation_options"]
        pairs = [*options.get("terms", ()), *options.get("tm_list", ())]
        prompt = (
            count_tokens(content)
            + sum(count_tokens(f"{p['source']} {p['target']}") for p in pairs)
            + count_tokens(options.get("domains", ""))
        )
        total += Usage(prompt, count_tokens(fake.translate(content, options)))
    return total


def en_de(source: str, target: str, **kwargs: Any) -> GlossaryEntry:
    """Return an English → German glossary entry."""
    return GlossaryEntry(source, target, "en", "de", **kwargs)


def drop_token(number: int) -> TranslateFn:
    """Return an engine that loses token ``number`` (the safe retry has no tokens to lose)."""

    def translate(content: str, options: Mapping[str, Any]) -> str:
        return fake_translate(content.replace(f"{{{{{number}}}}}", ""), options)

    return translate


def duplicate_token(number: int) -> TranslateFn:
    """Return an engine that writes token ``number`` twice."""

    def translate(content: str, options: Mapping[str, Any]) -> str:
        token = f"{{{{{number}}}}}"
        return fake_translate(content.replace(token, token + token), options)

    return translate


def invent_token(content: str, options: Mapping[str, Any]) -> str:
    """Translate, adding a token that was never issued when the text has tokens."""
    extra = " {{9}}" if "{{" in content else ""
    return fake_translate(content + extra, options)


def mangle_token(content: str, options: Mapping[str, Any]) -> str:
    """Translate, writing ``{{1}}`` as ``{{ 1 }}`` (recognisable, so repaired)."""
    return fake_translate(content.replace("{{1}}", "{{ 1 }}"), options)


def ignore_terms(content: str, options: Mapping[str, Any]) -> str:
    """Translate without applying any glossary term."""
    return f"[{options['target_lang']}] {content}"


def honour_terms(content: str, options: Mapping[str, Any]) -> str:
    """Translate, writing every term's target after the text."""
    targets = ", ".join(term["target"] for term in options.get("terms", ()))
    return f"[{options['target_lang']}] {content} ({targets})"


def honour_first_term(content: str, options: Mapping[str, Any]) -> str:
    """Translate, writing only the first term's target after the text."""
    terms = options.get("terms", ())
    return f"[{options['target_lang']}] {content} ({terms[0]['target'] if terms else ''})"


# --- 1. glossary terms -----------------------------------------------------------------------

TERMS = (
    en_de("server", "Dienstrechner"),
    en_de("configure", "einrichten"),
    en_de("database", "Datenbank"),
    en_de("user account", "Benutzerkonto"),
    en_de("API key", "API-Schlüssel", case_sensitive=True),
    en_de("password", "Kennwort"),
    en_de("log file", "Protokolldatei"),
    en_de("sign in", "anmelden"),
    en_de("folder", "Verzeichnis"),
    en_de("Lingoflow", "Lingoflow", do_not_translate=True),
)
FILLER = tuple(
    en_de(f"quark{chr(97 + i // 26)}{chr(97 + i % 26)} unit", f"Quarkeinheit {i}")
    for i in range(200 - len(TERMS))
)
OTHER_PAIR = (
    GlossaryEntry("server", "serveur", "en", "fr"),
    GlossaryEntry("password", "mot de passe", "en", "fr"),
)


def term(source: str) -> Term:
    """Return the glossary term for ``source``, as the engine should receive it."""
    entry = next(e for e in TERMS if e.source == source)
    return Term(entry.source, entry.target)


def wire(*terms: Term) -> list[dict[str, str]]:
    """Return ``terms`` as ``translation_options.terms``."""
    return [{"source": t.source, "target": t.target} for t in terms]


@pytest.mark.anyio
async def test_each_request_carries_only_the_terms_in_its_segment(
    fake: FakeDashScope, storage: Storage
) -> None:
    version = storage.glossaries.replace("product", [*FILLER, *TERMS, *OTHER_PAIR])
    glossary = open_glossary("product", storage=storage)
    assert (len(glossary.for_pair("en", "de")), glossary.version) == (200, f"product@{version}")
    text = (
        "Restart the servers after you configure the database. "
        "Each user-account needs two API keys.\n"
        "Lingoflow signs in with your password. Nothing here needs a glossary."
    )
    result = await translate(fake, text, storage, PipelineOptions(glossary=glossary))

    expected = {
        "Restart the servers after you configure the database.": (
            term("server"),
            term("configure"),
            term("database"),
        ),
        "Each user-account needs two API keys.": (term("user account"), term("API key")),
        "{{1}} signs in with your password.": (term("sign in"), term("password")),
        "Nothing here needs a glossary.": (),
    }
    options = options_by_content(fake)
    assert sorted(options) == sorted(expected)
    for content, terms in expected.items():
        if terms:
            assert options[content]["terms"] == wire(*terms), content
        else:
            assert "terms" not in options[content], content
    assert [s.terms for s in result.segments] == list(expected.values())


@pytest.mark.anyio
async def test_a_term_occurring_twice_is_sent_once(fake: FakeDashScope) -> None:
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"))
    result = await translate(fake, "The server restarts the server and its servers.", None, options)
    assert fake.bodies[0]["translation_options"]["terms"] == wire(term("server"))
    assert result.segments[0].terms == (term("server"),)


IDENTITY = (en_de("Postgres", "Postgres"), en_de("Kafka", "KAFKA"))


def drop_source(source: str) -> TranslateFn:
    """Return an engine that honours the terms it gets and drops ``source`` from the text."""

    def translate(content: str, options: Mapping[str, Any]) -> str:
        return honour_terms(content.replace(source, "it"), options)

    return translate


@pytest.mark.anyio
async def test_identity_terms_are_matched_and_checked_but_not_sent(fake: FakeDashScope) -> None:
    fake.translate = honour_terms
    options = PipelineOptions(glossary=GlossarySelection((*TERMS, *IDENTITY), "v1"))
    text = "Copy the database from Postgres into Kafka."
    result = await translate(fake, text, None, options)
    assert fake.bodies[0]["translation_options"]["terms"] == wire(term("database"))
    identity = tuple(Term(e.source, e.target) for e in IDENTITY)
    assert result.segments[0].terms == (term("database"), *identity)
    assert result.findings == ()


@pytest.mark.anyio
async def test_an_identity_term_the_translation_drops_is_reported(fake: FakeDashScope) -> None:
    fake.translate = drop_source("Postgres")
    options = PipelineOptions(glossary=GlossarySelection(IDENTITY, "v1"))
    result = await translate(fake, "Back up Postgres nightly.", None, options)
    assert "terms" not in fake.bodies[0]["translation_options"]
    assert result.segments[0].terms == (Term("Postgres", "Postgres"),)
    message = (
        "glossary term 'Postgres' should be translated as 'Postgres', "
        "which is not in the translation"
    )
    assert result.findings == (Finding("term-missing", "major", message),)


def missing(source: str) -> Finding:
    """Return the finding for a glossary term whose target the translation lacks."""
    entry = next(e for e in TERMS if e.source == source)
    message = (
        f"glossary term {entry.source!r} should be translated as {entry.target!r}, "
        "which is not in the translation"
    )
    return Finding("term-missing", "major", message)


@pytest.mark.parametrize(
    ("engine", "findings"),
    [
        pytest.param(honour_terms, (), id="honoured"),
        pytest.param(ignore_terms, (missing("server"), missing("database")), id="ignored"),
        pytest.param(honour_first_term, (missing("database"),), id="half-honoured"),
    ],
)
@pytest.mark.anyio
async def test_terms_the_translation_lacks_are_reported(
    fake: FakeDashScope, engine: TranslateFn, findings: tuple[Finding, ...]
) -> None:
    fake.translate = engine
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"))
    result = await translate(fake, "Move the server logs into the database.", None, options)
    assert fake.bodies[0]["translation_options"]["terms"] == wire(term("server"), term("database"))
    assert result.findings == findings
    assert result.segments[0].terms == (term("server"), term("database"))


# --- 2. protected spans ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param("Hello {name}, welcome back.", "Hello {{1}}, welcome back.", id="brace"),
        pytest.param("Hello {{var}}, welcome back.", "Hello {{1}}, welcome back.", id="template"),
        pytest.param("Deleted %s files.", "Deleted {{1}} files.", id="printf"),
        pytest.param("%1$s invited %2$s.", "{{1}} invited {{2}}.", id="printf-positional"),
        pytest.param("Total: ${x} today.", "Total: {{1}} today.", id="dollar"),
        pytest.param(
            "You have {count, plural, one {# item} other {# items}} in your cart.",
            "You have {{1}} in your cart.",
            id="icu-plural",
        ),
        pytest.param("Click <b>Save</b> to continue.", "Click {{1}}Save{{2}} to continue.", id="b"),
        pytest.param(
            'Read <a href="https://x.y/?a=1&b=2">the guide</a> first.',
            "Read {{1}}the guide{{2}} first.",
            id="a-href",
        ),
        pytest.param("Run `pip install lingoflow` first.", "Run {{1}} first.", id="code"),
        pytest.param(
            "See https://example.com/docs?page=2#top for details.",
            "See {{1}} for details.",
            id="url",
        ),
        pytest.param(
            "Write to support@example.com with questions.",
            "Write to {{1}} with questions.",
            id="email",
        ),
        pytest.param(
            "Lingoflow keeps your files safe.", "{{1}} keeps your files safe.", id="dnt-term"
        ),
        pytest.param(
            "Hi {user}, mail ops@x.io or open <i>`lf --help`</i> at www.x.io/a?b=1 (%d left).",
            "Hi {{1}}, mail {{2}} or open {{3}}{{4}}{{5}} at {{6}} ({{7}} left).",
            id="mixed",
        ),
    ],
)
@pytest.mark.anyio
async def test_protected_spans_reach_the_engine_as_tokens_and_return_byte_identical(
    fake: FakeDashScope, text: str, masked: str
) -> None:
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"))
    result = await translate(fake, text, None, options)
    assert sent(fake) == [masked]
    assert "terms" not in fake.bodies[0]["translation_options"]  # no term occurs; DNT is a span
    assert result.text == f"[German] {text}"
    assert result.findings == ()


# --- 3. lost and duplicated tokens -----------------------------------------------------------

RETRIED = "Click <b>Save</b> to continue."


@pytest.mark.parametrize(
    ("engine", "notes"),
    [
        pytest.param(
            drop_token(1),
            (Finding("placeholder-lost", "minor", "lost: token {{1}} for '<b>' is missing"),),
            id="lost",
        ),
        pytest.param(
            duplicate_token(2),
            (
                Finding(
                    "placeholder-duplicated",
                    "minor",
                    "duplicated: token {{2}} for '</b>' appears 2 times (each restored)",
                ),
            ),
            id="duplicated",
        ),
        pytest.param(
            invent_token,
            (
                Finding(
                    "placeholder-unexpected", "minor", "unexpected: token {{9}} was never issued"
                ),
            ),
            id="unexpected",
        ),
    ],
)
@pytest.mark.anyio
async def test_damaged_tokens_are_retried_once_without_tokens(
    fake: FakeDashScope, engine: TranslateFn, notes: tuple[Finding, ...]
) -> None:
    fake.translate = engine
    result = await translate(fake, RETRIED)

    first, *retry = sent(fake)
    assert first == "Click {{1}}Save{{2}} to continue."
    assert sorted(retry) == ["Click", "Save", "to continue."]  # only the runs between spans
    assert result.text == "[German] Click <b>[German] Save</b> [German] to continue."
    assert (result.text.count("<b>"), result.text.count("</b>")) == (1, 1)
    assert "{{" not in result.text
    fixed = tuple(
        Finding(n.check, n.severity, f"{n.message} (fixed by a safe retry)") for n in notes
    )
    assert result.segments[0].findings == fixed
    assert result.segments[0].provenance is Provenance.ENGINE
    assert result.usage == billed(fake)


@pytest.mark.anyio
async def test_mangled_token_is_repaired_without_a_retry(fake: FakeDashScope) -> None:
    fake.translate = mangle_token
    result = await translate(fake, RETRIED, None)
    assert sent(fake) == ["Click {{1}}Save{{2}} to continue."]
    assert result.text == f"[German] {RETRIED}"
    message = "mangled: token {{1}} for '<b>' came back as '{{ 1 }}'"
    assert result.findings == (Finding("placeholder-mangled", "minor", message),)


@pytest.mark.anyio
async def test_safe_retry_still_sends_the_terms_of_each_run(fake: FakeDashScope) -> None:
    fake.translate = drop_token(1)
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"))
    result = await translate(fake, "Click <b>Save</b> to open the database.", None, options)
    assert len(fake.requests) == 4
    assert options_by_content(fake)["to open the database."].get("terms") == wire(term("database"))
    assert [f.check for f in result.findings] == ["placeholder-lost"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{name} %s <br/>", id="placeholders"),
        pytest.param("{{count}}: ${total} — 42%", id="numbers-and-symbols"),
        pytest.param("https://example.com/a?b=1", id="url"),
        pytest.param("<b>{user}</b> · support@example.com", id="tag-and-email"),
        pytest.param("Lingoflow", id="dnt-term"),
    ],
)
@pytest.mark.anyio
async def test_text_of_protected_spans_only_is_copied_without_an_engine_call(
    fake: FakeDashScope, text: str
) -> None:
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"))
    result = await translate(fake, text, None, options)
    assert fake.requests == []
    assert (result.text, result.provenance, result.usage) == (text, Provenance.COPY, Usage())
    assert [s.provenance for s in result.segments] == [Provenance.COPY]


# --- 4. translation memory -------------------------------------------------------------------

FUZZY_SOURCE = "Save your changes before closing the window."
NEAR = {  # TM sources, best match first, with their similarity to FUZZY_SOURCE (rapidfuzz)
    "Save your changes before closing the window!": 0.977,
    "Save your change before closing windows.": 0.929,
    "Save all changes before closing the window.": 0.920,
    "Save your changes before closing the tab.": 0.894,
    "Save your changes before leaving.": 0.779,
    "Open the settings menu.": 0.388,
}


@pytest.mark.anyio
async def test_exact_tm_hits_skip_the_engine(fake: FakeDashScope, storage: Storage) -> None:
    storage.tm.add_many(
        [
            TmEntry("Close the window.", "Schließen Sie das Fenster.", "en", "de"),
            TmEntry("Save your work.", "Enregistrez votre travail.", "en", "fr"),
            TmEntry("Save your work.", "Sichern!", "en", "de", memory="other"),
        ]
    )
    options = PipelineOptions(tm="default")
    result = await translate(fake, "Close the window. Save your work.", storage, options)
    assert sent(fake) == ["Save your work."]
    assert result.text == "Schließen Sie das Fenster. [German] Save your work."
    assert [s.provenance for s in result.segments] == [Provenance.TM_EXACT, Provenance.ENGINE]
    assert result.usage == billed(fake)

    fake.reset()
    only_tm = await translate(fake, "Close the window.", storage, options)
    assert fake.requests == []
    assert (only_tm.text, only_tm.provenance, only_tm.usage) == (
        "Schließen Sie das Fenster.", Provenance.TM_EXACT, Usage()
    )  # fmt: skip


@pytest.mark.parametrize(
    ("threshold", "limit", "examples"),
    [
        pytest.param(0.75, 3, list(NEAR)[:3], id="best-three"),
        pytest.param(0.75, 10, list(NEAR)[:5], id="all-above-threshold"),
        pytest.param(0.9, 10, list(NEAR)[:3], id="high-threshold"),
        pytest.param(0.95, 3, list(NEAR)[:1], id="one-above-threshold"),
        pytest.param(0.98, 3, [], id="none-above-threshold"),
    ],
)
@pytest.mark.anyio
async def test_fuzzy_tm_matches_above_threshold_are_sent_as_examples(
    fake: FakeDashScope, storage: Storage, threshold: float, limit: int, examples: list[str]
) -> None:
    storage.tm.add_many(
        [
            *(TmEntry(source, f"DE {source}", "en", "de") for source in NEAR),
            TmEntry(FUZZY_SOURCE, "FR", "en", "fr"),  # another pair
            TmEntry(FUZZY_SOURCE.replace(".", "?"), "other", "en", "de", memory="other"),
        ]
    )
    options = PipelineOptions(tm="default", fuzzy_threshold=threshold, max_examples=limit)
    result = await translate(fake, FUZZY_SOURCE, storage, options)
    assert sent(fake) == [FUZZY_SOURCE]
    sent_options = fake.bodies[0]["translation_options"]
    if examples:
        assert sent_options["tm_list"] == [{"source": s, "target": f"DE {s}"} for s in examples]
    else:
        assert "tm_list" not in sent_options
    assert result.segments[0].examples == len(examples)
    assert result.usage == billed(fake)


@pytest.mark.anyio
async def test_an_approved_tm_entry_wins_over_a_cached_engine_result(
    fake: FakeDashScope, storage: Storage
) -> None:
    options = PipelineOptions(tm="default")
    first = await translate(fake, "Close the window.", storage, options)
    assert first.provenance is Provenance.ENGINE
    storage.tm.add(TmEntry("Close the window.", "Schließen Sie das Fenster.", "en", "de"))
    result = await translate(fake, "Close the window.", storage, options)
    assert (result.text, result.provenance) == ("Schließen Sie das Fenster.", Provenance.TM_EXACT)


# --- 5. cache --------------------------------------------------------------------------------

CACHED = "Open the database. Then close it."


@pytest.mark.anyio
async def test_a_repeat_needs_no_engine_call_across_translators_sharing_a_database(
    fake: FakeDashScope, storage: Storage, db_url: str
) -> None:
    first = await translate(fake, CACHED, storage)
    assert sorted(sent(fake)) == ["Open the database.", "Then close it."]
    assert first.provenance is Provenance.ENGINE

    fake.reset()
    with Storage.open(db_url) as other:  # another process's connections to the same database
        second = await translate(fake, CACHED, other)
    assert fake.requests == []
    assert (second.text, second.provenance, second.usage) == (first.text, Provenance.CACHE, Usage())
    assert [s.provenance for s in second.segments] == [Provenance.CACHE] * 2
    assert second.model == first.model == "qwen-mt-flash"


@pytest.mark.anyio
async def test_use_cache_false_calls_the_engine_again(
    fake: FakeDashScope, storage: Storage
) -> None:
    await translate(fake, CACHED, storage)
    fake.reset()
    result = await translate(fake, CACHED, storage, PipelineOptions(use_cache=False))
    assert sorted(sent(fake)) == ["Open the database.", "Then close it."]
    assert result.provenance is Provenance.ENGINE
    assert result.usage == billed(fake) != Usage()


@dataclass(frozen=True, slots=True)
class Settings:
    """What may change between two runs of the same text."""

    model: str | None = None
    domain: str | None = None
    formality: str | None = None
    tm: str | None = None
    edit_glossary: bool = False


@pytest.mark.parametrize(
    ("change", "provenance"),
    [
        pytest.param(Settings(), Provenance.CACHE, id="same-settings"),
        pytest.param(Settings(domain="IT support manuals."), Provenance.ENGINE, id="domain"),
        pytest.param(Settings(formality="formal"), Provenance.ENGINE, id="formality"),
        pytest.param(Settings(model="qwen-mt-plus"), Provenance.ENGINE, id="model"),
        pytest.param(Settings(tm="default"), Provenance.ENGINE, id="tm"),
        pytest.param(Settings(edit_glossary=True), Provenance.ENGINE, id="glossary-version"),
    ],
)
@pytest.mark.anyio
async def test_a_different_signature_misses_the_cache(
    fake: FakeDashScope, storage: Storage, change: Settings, provenance: Provenance
) -> None:
    storage.glossaries.replace("product", [en_de("database", "Datenbank")])
    base = PipelineOptions(glossary=open_glossary("product", storage=storage))
    await translate(fake, "Open the database.", storage, base)

    if change.edit_glossary:
        storage.glossaries.add("product", [en_de("window", "Fenster")])
    options = PipelineOptions(glossary=open_glossary("product", storage=storage), tm=change.tm)
    fake.reset()
    result = await translate(
        fake,
        "Open the database.",
        storage,
        options,
        model=change.model,
        domain=change.domain,
        formality=change.formality,
    )
    assert result.provenance is provenance
    assert len(fake.requests) == (0 if provenance is Provenance.CACHE else 1)
    assert result.text == "[German] Open the Datenbank."


@pytest.mark.parametrize(
    ("ttl", "pause", "provenance"),
    [
        pytest.param(None, 0.0, Provenance.CACHE, id="no-ttl"),
        pytest.param(timedelta(hours=1), 0.0, Provenance.CACHE, id="fresh"),
        pytest.param(timedelta(milliseconds=20), 0.05, Provenance.ENGINE, id="expired"),
        pytest.param(timedelta(0), 0.0, Provenance.ENGINE, id="zero-ttl"),
    ],
)
@pytest.mark.anyio
async def test_cache_ttl_expires_entries(
    fake: FakeDashScope,
    storage: Storage,
    ttl: timedelta | None,
    pause: float,
    provenance: Provenance,
) -> None:
    await translate(fake, "Open the database.", storage)
    await anyio.sleep(pause)
    fake.reset()
    result = await translate(fake, "Open the database.", storage, PipelineOptions(cache_ttl=ttl))
    assert result.provenance is provenance
    assert len(fake.requests) == (0 if provenance is Provenance.CACHE else 1)


# --- 6. identical segments -------------------------------------------------------------------


@pytest.mark.anyio
async def test_identical_segments_in_one_call_are_sent_once(
    fake: FakeDashScope, optional_storage: Storage | None
) -> None:
    texts = ["Save now. Cancel it. Save now.", "Save now.", "Cancel it. Try again."]
    async with translator(fake, optional_storage) as t:
        results = await t.atranslate_batch(texts, to="de", source="en")
    assert sorted(sent(fake)) == ["Cancel it.", "Save now.", "Try again."]
    assert [r.text for r in results] == [
        "[German] Save now. [German] Cancel it. [German] Save now.",
        "[German] Save now.",
        "[German] Cancel it. [German] Try again.",
    ]
    assert sum((r.usage for r in results), Usage()) == billed(fake)


# --- 7. segmentation -------------------------------------------------------------------------

LAYOUT = (
    "  Hello there. How are you?\r\n"
    "\r\n"
    "\tThis is line two.  It has two sentences!\n"
    "   \n"
    "Last one.\r\n"
)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(
            "de",
            "  [German] Hello there. [German] How are you?\r\n\r\n"
            "\t[German] This is line two.  [German] It has two sentences!\n   \n"
            "[German] Last one.\r\n",
            id="german",
        ),
        pytest.param(  # no space between sentences in Japanese; line layout kept
            "ja",
            "  [Japanese] Hello there.[Japanese] How are you?\r\n\r\n"
            "\t[Japanese] This is line two.[Japanese] It has two sentences!\n   \n"
            "[Japanese] Last one.\r\n",
            id="japanese",
        ),
    ],
)
@pytest.mark.anyio
async def test_text_is_sent_sentence_by_sentence_and_reassembled_exactly(
    fake: FakeDashScope, target: str, expected: str
) -> None:
    async with translator(fake, concurrency=1) as t:  # one at a time: arrival order is fixed
        result = await t.atranslate(LAYOUT, to=target, source="en")
    assert sent(fake) == [
        "Hello there.",
        "How are you?",
        "This is line two.",
        "It has two sentences!",
        "Last one.",
    ]
    assert result.text == expected
    assert [s.source for s in result.segments] == sent(fake)


# --- 8. usage --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_usage_is_what_the_engine_billed_and_zero_when_all_cached(
    fake: FakeDashScope, storage: Storage
) -> None:
    storage.tm.add_many(TmEntry(source, f"DE {source}", "en", "de") for source in NEAR)
    options = PipelineOptions(glossary=GlossarySelection(TERMS, "v1"), tm="default")
    fake.translate = drop_token(1)
    text = f"{FUZZY_SOURCE} Click <b>Save</b> in the folder.\nConfigure the server. OK."
    first = await translate(fake, text, storage, options, domain="Software UI.")
    assert sorted(sent(fake)) == sorted(
        [
            FUZZY_SOURCE,
            "Click {{1}}Save{{2}} in the folder.",
            "Configure the server.",
            "OK.",
            *("Click", "Save", "in the folder."),  # the safe retry of the segment that lost {{1}}
        ]
    )
    assert first.usage == billed(fake)
    assert first.usage.input_tokens > 0
    assert first.usage.output_tokens > 0

    fake.reset()
    again = await translate(fake, text, storage, options, domain="Software UI.")
    assert fake.requests == []
    assert (again.text, again.usage, again.provenance) == (first.text, Usage(), Provenance.CACHE)


@pytest.mark.anyio
async def test_cache_records_the_full_cost_of_a_retried_segment(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = drop_token(1)
    result = await translate(fake, RETRIED, storage)
    stats = storage.cache.stats()
    assert stats.entries == 1
    assert (stats.input_tokens, stats.output_tokens) == (
        result.usage.input_tokens, result.usage.output_tokens
    )  # fmt: skip


# --- 9. journal, usage records, budget gate --------------------------------------------------

FLASH_PRICES = {"qwen-mt-flash": Price(1_000_000.0, 500_000.0)}  # $1 per token in, $0.5 out


@pytest.mark.anyio
async def test_every_engine_call_is_recorded_as_usage_with_its_cost(
    fake: FakeDashScope, storage: Storage
) -> None:
    fake.translate = drop_token(1)
    options = PipelineOptions(prices=FLASH_PRICES)
    result = await translate(fake, f"{RETRIED} Open it.", storage, options)

    assert len(fake.requests) == 5  # two segments, then three pieces of the safe retry
    (total,) = storage.usage.totals()
    tokens = (result.usage.input_tokens, result.usage.output_tokens)
    assert (total.calls, total.input_tokens, total.output_tokens) == (5, *tokens)
    assert total.cost_usd == pytest.approx(
        result.usage.input_tokens + result.usage.output_tokens / 2
    )
    by_pair = storage.usage.totals(by="language")
    assert [(t.group, t.calls) for t in by_pair] == [("en→de", 5)]


@pytest.mark.anyio
async def test_a_jobs_journal_answers_before_the_cache_and_keeps_everything(
    fake: FakeDashScope, storage: Storage
) -> None:
    job = storage.jobs.create("tree", {})
    text = "Open the database. {name} <br/>"
    first = await translate(fake, text, storage, PipelineOptions(job_id=job.id))
    assert len(fake.requests) == 1
    (progress,) = storage.jobs.progress(job.id)
    assert (progress.segments, dict(progress.provenance)) == (2, {"copy": 1, "engine": 1})

    fake.reset()
    no_cache = PipelineOptions(job_id=job.id, use_cache=False)
    again = await translate(fake, text, storage, no_cache)
    assert fake.requests == []  # the journal answered, though the cache was not asked
    assert again.text == first.text
    assert [s.provenance for s in again.segments] == [Provenance.CACHE, Provenance.COPY]


@pytest.mark.anyio
async def test_no_more_than_the_window_is_sent_and_not_yet_stored(
    fake: FakeDashScope, storage: Storage
) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    async with translator(fake, storage, PipelineOptions(chunk_size=2), concurrency=8) as t:
        await t.atranslate(text, to="de", source="en")
    assert len(fake.requests) == 12
    assert fake.max_in_flight <= 2


@pytest.mark.anyio
async def test_a_budget_stops_before_it_is_exceeded_and_the_stop_sticks(
    fake: FakeDashScope, optional_storage: Storage | None
) -> None:
    # Each costs $8 (5 words in, 6 out) and is estimated generously at $14.5 (9 + 11 / 2).
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    options = PipelineOptions(budget=40.0, prices=FLASH_PRICES)
    async with translator(fake, optional_storage, options, concurrency=2) as t:
        with pytest.raises(BudgetExceededError, match=r"Budget reached: spent \$") as stop:
            await t.atranslate(text, to="de", source="en")
        sent = len(fake.requests)
        assert stop.value.spent == sent * 8.0 <= 40.0
        assert stop.value.spent + stop.value.needed > 40.0  # the next one might not have fit
        assert t.pipeline.stopped is stop.value
        with pytest.raises(BudgetExceededError):
            await t.atranslate("Something else entirely.", to="de", source="en")
    assert len(fake.requests) == sent
