"""Tests of protected spans: each kind masked and restored byte for byte, engine damage found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow.errors import ConfigurationError
from lingoflow.languages import resolve
from lingoflow.pipeline.protect import (
    KINDS,
    DntTerm,
    ProtectedText,
    TokenStyle,
    is_all_protected,
    protect,
    protected_pieces,
    restore,
)
from lingoflow.pipeline.segment import reassemble

PRINTF = ["%s", "%d", "%1$s", "%2$d", "%(name)s", "%.2f", "%-5d", "%%", "%@", "%1", "%{n}", "%lld"]


def spans(protected: ProtectedText) -> list[tuple[str, str]]:
    """Return ``(original, kind)`` of each span."""
    return [(span.original, span.kind) for span in protected.spans]


def assert_round_trip(text: str, protected: ProtectedText) -> None:
    """Assert that restoring the untouched masked text gives ``text`` with no findings."""
    result = restore(protected.text, protected)
    assert result.text == text
    assert result.findings == ()
    assert result.ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "You have {count, plural, one {# item} other {# items}}.",
            [("{count, plural, one {# item} other {# items}}", "icu")],
            id="icu-plural",
        ),
        pytest.param(
            "{g, select, female {She has {n, plural, one {# cat} other {# cats}}} other {They"
            " have {n, number} cats}} now",
            [
                (
                    "{g, select, female {She has {n, plural, one {# cat} other {# cats}}} "
                    "other {They have {n, number} cats}}",
                    "icu",
                )
            ],
            id="icu-nested-select-plural",
        ),
        pytest.param("Due {d, date, short}.", [("{d, date, short}", "icu")], id="icu-date"),
        pytest.param(
            "Hi {name}, {0} and {1:>5} {}",
            [("{name}", "brace"), ("{0}", "brace"), ("{1:>5}", "brace"), ("{}", "brace")],
            id="brace",
        ),
        pytest.param(
            "Hi {{ user.name }}, {{{raw}}} {% if x %}yes{% endif %}",
            [
                ("{{ user.name }}", "template"),
                ("{{{raw}}}", "template"),
                ("{% if x %}", "template"),
                ("{% endif %}", "template"),
            ],
            id="template",
        ),
        pytest.param(
            " ".join(PRINTF),
            [(p, "printf") for p in PRINTF],
            id="printf",
        ),
        pytest.param("Order ${order.id} ok", [("${order.id}", "dollar")], id="dollar-brace"),
        pytest.param(
            "See $t(common.more) and $t(key, { 'count': 2 })",
            [("$t(common.more)", "i18next"), ("$t(key, { 'count': 2 })", "i18next")],
            id="i18next-nesting",
        ),
        pytest.param(
            "Click <a href=\"/x?a=1&b=2\" title='a > b' data-x=y>here</a> or <br/><BR />",
            [
                ("<a href=\"/x?a=1&b=2\" title='a > b' data-x=y>", "tag"),
                ("</a>", "tag"),
                ("<br/>", "tag"),
                ("<BR />", "tag"),
            ],
            id="html-tags-with-quotes-and-gt",
        ),
        pytest.param(
            "<x:ph id='1'/>text<!-- note -->",
            [("<x:ph id='1'/>", "tag"), ("<!-- note -->", "tag")],
            id="xml-tag-and-comment",
        ),
        pytest.param(
            "Tom &amp; Jerry&#39;s &#x2014;",
            [("&amp;", "entity"), ("&#39;", "entity"), ("&#x2014;", "entity")],
            id="entity",
        ),
        pytest.param(
            "Run `pip install x` or ``a ` b``.",
            [("`pip install x`", "code"), ("``a ` b``", "code")],
            id="inline-code",
        ),
        pytest.param(
            "(see https://x.y/z).", [("https://x.y/z", "url")], id="url-trailing-paren-dot"
        ),
        pytest.param(
            "Read https://en.wikipedia.org/wiki/Foo_(bar), then www.example.com/a?b=c#d!",
            [
                ("https://en.wikipedia.org/wiki/Foo_(bar)", "url"),
                ("www.example.com/a?b=c#d", "url"),
            ],
            id="url-balanced-paren-and-www",
        ),
        pytest.param(
            "访问https://x.y/z。谢谢", [("https://x.y/z", "url")], id="url-before-cjk-full-stop"
        ),
        pytest.param(
            "https://x.y/{lang}/docs", [("https://x.y/{lang}/docs", "url")], id="url-template"
        ),
        pytest.param(
            "Write to first.last+tag@mail.example.co.uk.",
            [("first.last+tag@mail.example.co.uk", "email")],
            id="email",
        ),
    ],
)
def test_each_kind_is_protected_and_restored(text: str, expected: list[tuple[str, str]]) -> None:
    protected = protect(text)
    assert spans(protected) == expected
    assert_round_trip(text, protected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("50% off, 100 % sure", id="percent-in-prose"),
        pytest.param("a {see note} here", id="brace-prose"),
        pytest.param("x < y and y > z", id="comparison"),
        pytest.param("price $5 and $ {x", id="dollar-prose"),
        pytest.param("user@localhost or @handle", id="not-an-email"),
        pytest.param("unclosed { brace and ` tick", id="unbalanced"),
    ],
)
def test_plain_text_is_left_alone(text: str) -> None:
    protected = protect(text)
    assert protected.spans == ()
    assert protected.text == text


@pytest.mark.parametrize(
    ("terms", "text", "expected"),
    [
        pytest.param(["Acme"], "Acme and acme, Acmes", ["Acme"], id="case-sensitive-whole-word"),
        pytest.param(
            [DntTerm("acme", case_sensitive=False)],
            "Acme and ACME, not Acmes",
            ["Acme", "ACME"],
            id="case-insensitive",
        ),
        pytest.param(
            ["Visual Studio", "Visual Studio Code"],
            "Open Visual Studio Code.",
            ["Visual Studio Code"],
            id="longest-first",
        ),
        pytest.param(["微信"], "请用微信支付", ["微信"], id="cjk-inside-text"),
        pytest.param(["Samsung"], "Samsung은 좋다", ["Samsung"], id="korean-particle"),
        pytest.param(["C++"], "C++ and C++17", ["C++"], id="symbols-at-edge"),
        pytest.param(["Acme"], "用Acme支付", ["Acme"], id="latin-term-in-cjk-text"),
        pytest.param(["", "  "], "nothing", [], id="blank-terms-ignored"),
    ],
)
def test_do_not_translate_terms(terms: list[str | DntTerm], text: str, expected: list[str]) -> None:
    protected = protect(text, dnt_terms=terms)
    assert [original for original, _ in spans(protected)] == expected
    assert_round_trip(text, protected)


def test_kinds_narrow_what_is_protected() -> None:
    protected = protect("<b>{name}</b> %s", kinds=frozenset({"brace"}))
    assert spans(protected) == [("{name}", "brace")]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="placeholder"):
        protect("x", kinds=frozenset({"placeholder"}))


def test_token_shaped_text_is_protected_too() -> None:
    text = "Literal {{1}} and <x2/> stay, {n} too"
    protected = protect(text)
    assert spans(protected) == [("{{1}}", "token"), ("<x2/>", "token"), ("{n}", "brace")]
    assert_round_trip(text, protected)


@pytest.mark.parametrize(
    "style", [pytest.param("curly", id="curly"), pytest.param("xml", id="xml")]
)
def test_tokens_are_numbered_in_order(style: TokenStyle) -> None:
    protected = protect("<b>{a}</b>", style=style)
    expected = ["{{1}}", "{{2}}", "{{3}}"]
    if style == "xml":
        expected = ["<x1/>", "<x2/>", "<x3/>"]
    assert [span.token for span in protected.spans] == expected
    assert protected.text == "".join(expected)


TOKEN_SOURCE = "Click <b>here</b> for {n} items"  # Click {{1}}here{{2}} for {{3}} items


@pytest.mark.parametrize(
    ("translation", "restored", "findings"),
    [
        pytest.param(
            "Klicken Sie {{1}}hier{{2}} für {{3}} Artikel",
            "Klicken Sie <b>hier</b> für {n} Artikel",
            [],
            id="intact",
        ),
        pytest.param(
            "Klicken Sie {{ 1 }}hier\u3010 2\u3011 für {3} Artikel",
            "Klicken Sie <b>hier</b> für {n} Artikel",
            [("mangled", "<b>"), ("mangled", "</b>"), ("mangled", "{n}")],
            id="spaces-and-other-brackets",
        ),
        pytest.param(
            "{{\uff11}}hier{{\u0662}} {{3}}",
            "<b>hier</b> {n}",
            [("mangled", "<b>"), ("mangled", "</b>")],
            id="fullwidth-and-arabic-indic-digits",
        ),
        pytest.param(
            "<X1/>hier< x2 /> {{{3}}}",
            "<b>hier</b> {n}",
            [("mangled", "<b>"), ("mangled", "</b>"), ("mangled", "{n}")],
            id="converted-to-xml-and-triple-braces",
        ),
        pytest.param(
            "Klicken Sie hier für {{3}} Artikel",
            "Klicken Sie hier für {n} Artikel",
            [("lost", "<b>"), ("lost", "</b>")],
            id="lost",
        ),
        pytest.param(
            "{{1}}hier{{2}} {{3}} von {{3}}",
            "<b>hier</b> {n} von {n}",
            [("duplicated", "{n}")],
            id="duplicated",
        ),
        pytest.param(
            "{{1}}hier{{2}} {{3}} {{9}}",
            "<b>hier</b> {n} {{9}}",
            [("unexpected", "")],
            id="unexpected",
        ),
    ],
)
def test_restore_reports_engine_damage(
    translation: str, restored: str, findings: list[tuple[str, str]]
) -> None:
    result = restore(translation, protect(TOKEN_SOURCE))
    assert result.text == restored
    assert sorted((f.kind, f.original) for f in result.findings) == sorted(findings)
    assert result.ok == all(kind == "mangled" for kind, _ in findings)
    assert all(f.message for f in result.findings)


@pytest.mark.parametrize(
    ("translation", "findings"),
    [
        pytest.param("<x1/>hier<x2/> <x3/>", [], id="intact"),
        pytest.param("<x1 />hier<X2/> <x3></x3>", ["mangled"] * 3, id="rewritten"),
        pytest.param("hier <x3/>", ["lost", "lost"], id="lost"),
    ],
)
def test_restore_xml_style(translation: str, findings: list[str]) -> None:
    result = restore(translation, protect(TOKEN_SOURCE, style="xml"))
    assert sorted(f.kind for f in result.findings) == findings
    if "lost" not in findings:
        assert result.text == "<b>hier</b> {n}"


def test_variant_that_is_source_text_is_not_taken_for_a_token() -> None:
    protected = protect("See [1] and {name}")
    assert protected.text == "See [1] and {{1}}"
    result = restore("Siehe [1] und", protected)
    assert result.text == "Siehe [1] und"
    assert [f.kind for f in result.findings] == ["lost"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("{name}", True, id="one-placeholder"),
        pytest.param(" {a}: {b}\n", True, id="placeholders-punctuation-whitespace"),
        pytest.param("<br/> 42 %", True, id="number-and-symbol"),
        pytest.param("", True, id="empty"),
        pytest.param("{n} items", False, id="words-left"),
        pytest.param("<b>OK</b>", False, id="text-inside-tags"),
    ],
)
def test_is_all_protected(text: str, expected: bool) -> None:
    assert is_all_protected(protect(text)) is expected


def test_protected_pieces_keep_spans_out_of_the_engine() -> None:
    text = "Click <b>here</b> for {n} items."
    pieces = protected_pieces(protect(text))
    translatable = [piece.text for piece in pieces if piece.translatable]
    assert translatable == ["Click", "here", "for", "items."]
    assert reassemble(pieces, translatable) == text
    assert reassemble(pieces, ["Klicken Sie", "hier", "für", "Artikel."], target=resolve("de")) == (
        "Klicken Sie <b>hier</b> für {n} Artikel."
    )
    into_chinese = reassemble(pieces, ["点击", "这里", "获取", "项目。"], target=resolve("zh"))
    assert into_chinese == "点击 <b>这里</b> 获取 {n} 项目。"


FRAGMENTS = st.sampled_from(
    [
        "{n}",
        "{count, plural, one {# x} other {# xs}}",
        "{{v}}",
        "%s",
        "%1$d",
        "${x}",
        "$t(k)",
        "<b>",
        "</b>",
        '<a href="x>y">',
        "`c`",
        "https://a.b/c).",
        "a@b.co",
        "&amp;",
        "Acme",
        "{{1}}",
        "<x1/>",
        "[2]",
        "\u30102\u3011",
        "{",
        "}",
        "<",
        "%",
        " ",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=25).map("".join),
    st.sampled_from(["curly", "xml"]),
)
def test_round_trip_is_the_identity(text: str, style: TokenStyle) -> None:
    protected = protect(text, dnt_terms=[DntTerm("acme", case_sensitive=False)], style=style)
    for span in protected.spans:
        assert protected.text.count(span.token) == 1
    assert_round_trip(text, protected)
    pieces = protected_pieces(protected)
    assert reassemble(pieces, [p.text for p in pieces if p.translatable]) == text


def test_all_kinds_are_documented() -> None:
    assert {"icu", "brace", "template", "printf", "tag", "url", "email", "dnt"} <= KINDS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{<b>}", id="brace-around-a-token"),
        pytest.param("{{{n}}}", id="triple-stash"),
        pytest.param("[[1]] {{2}} <x3/> {x}", id="token-lookalikes"),
    ],
)
def test_round_trip_next_to_braces(text: str) -> None:
    assert_round_trip(text, protect(text))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<!--" * 50_000, id="unclosed-comments"),
        pytest.param("https://x.y/" + ")" * 50_000, id="url-with-many-closers"),
        pytest.param("{ " * 100_000, id="unclosed-braces"),
        pytest.param('<a x="' * 50_000, id="unclosed-attribute-quotes"),
        pytest.param("a@" * 100_000, id="many-at-signs"),
        pytest.param("x" * 200_000, id="one-long-word"),
    ],
)
def test_pathological_input_stays_linear(text: str) -> None:
    assert_round_trip(text, protect(text, dnt_terms=["xx"]))


def test_span_between_two_runs_survives_reassembly_into_chinese() -> None:
    pieces = protected_pieces(protect("Tap{icon}now"))
    assert [p.text for p in pieces] == ["Tap", "{icon}", "now"]
    assert reassemble(pieces, ["点击", "现在"], target=resolve("zh")) == "点击{icon}现在"
