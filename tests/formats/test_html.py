"""HtmlDocument: the format contract on real doc pages, plus what must stay untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow.errors import FormatError
from lingoflow.formats.html import HtmlDocument
from lingoflow.languages import resolve
from tests.formats.contract import FormatContract, mark

DATA = Path(__file__).parent / "data" / "html"
SAMPLES = sorted(DATA.glob("*.html"))
BODY = "/html[1]/body[1]"


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestHtmlContract(FormatContract):
    document_class = HtmlDocument


def _edge() -> HtmlDocument:
    return HtmlDocument.parse((DATA / "edge-cases.html").read_bytes(), name="edge-cases.html")


def _translate_all(document: HtmlDocument) -> str:
    return document.write({u.id: mark(u.source) for u in document.units}).decode()


def test_a_paragraph_with_inline_markup_is_one_unit() -> None:
    units = {u.id: u for u in _edge().units}
    paragraph = units[f"{BODY}/p[1]/text()[1]"]
    # The link's title is a unit of its own, so the run shows the tag without it.
    assert paragraph.source == 'Read the <a href="/docs">docs</a> and <b>enjoy</b>.'
    assert paragraph.markup


def test_attributes_are_units() -> None:
    units = {u.id: u.source for u in _edge().units}
    assert units[f"{BODY}/p[1]/a[1]/@title"] == "Documentation"
    assert units[f"{BODY}/ul[1]/li[2]/img[1]/@alt"] == "Two"
    assert units[f"{BODY}/input[1]/@placeholder"] == "Search..."
    assert units[f"{BODY}/input[1]/@aria-label"] == "Search the site"
    assert units[f"{BODY}/img[1]/@alt"] == "The logo"


@pytest.mark.parametrize(
    "untouched",
    [
        pytest.param('<style>p::before { content: "<p>not text</p>"; }</style>', id="style"),
        pytest.param('document.write("<p>no</p>"); }</script>', id="script"),
        pytest.param("<pre>  keep   this\n    as is</pre>", id="pre"),
        pytest.param("<code>make test</code>", id="inline-code"),
        pytest.param('<p translate="no">BrandName</p>', id="translate-no"),
        pytest.param(
            '<div class="box notranslate"><span>Do not translate</span></div>', id="class"
        ),
        pytest.param("<!-- a comment, not text -->", id="comment"),
        pytest.param("<a href=\"/docs\" title='«Documentation»'>", id="href-and-quoting"),
    ],
)
def test_translating_everything_leaves_code_and_notranslate_untouched(untouched: str) -> None:
    assert untouched in _translate_all(_edge())


def test_nothing_inside_untouched_elements_is_a_unit() -> None:
    sources = " ".join(u.source for u in _edge().units)
    for text in ("not text", "document.write", "keep", "BrandName", "Do not translate"):
        assert text not in sources


def test_run_and_its_inline_attribute_translate_together() -> None:
    output = _edge().write(
        {
            f"{BODY}/p[1]/text()[1]": 'Lies die <a href="/docs">Doku</a> und <b>genieße</b>.',
            f"{BODY}/p[1]/a[1]/@title": 'Die "Doku"',
        }
    )
    expected = """<p>Lies die <a href="/docs" title='Die "Doku"'>Doku</a> und <b>genieße</b>."""
    assert expected in output.decode()


def test_plain_text_translations_are_escaped_and_marked_up_ones_are_not() -> None:
    output = (
        _edge()
        .write(
            {
                f"{BODY}/ul[1]/li[1]/text()[1]": "Eins & <zwei>",
                f"{BODY}/h1[1]/text()[1]": "Willkommen&nbsp;<i>daheim</i>",
                f"{BODY}/input[1]/@aria-label": 'Die "Seite" durchsuchen',
            }
        )
        .decode()
    )
    assert "<li>Eins &amp; &lt;zwei>\n" in output
    assert "<h1 class=title>Willkommen&nbsp;<i>daheim</i></h1>" in output
    assert 'aria-label="Die &quot;Seite&quot; durchsuchen"' in output


def test_unquoted_attribute_gets_quotes_when_the_translation_needs_them() -> None:
    output = _edge().write({f"{BODY}/ul[1]/li[2]/img[1]/@alt": "Zwei Bilder"}).decode()
    assert '<img src=two.png alt="Zwei Bilder">' in output


def test_target_sets_html_lang() -> None:
    output = _edge().write({}, target=resolve("German"))
    assert output.decode().startswith('<!DOCTYPE html>\n<html lang="de">\n')
    added = HtmlDocument.parse(b"<html><body><p>Hi</p></body></html>")
    assert added.write({}, target=resolve("zh_tw")) == (
        b'<html lang="zh-TW"><body><p>Hi</p></body></html>'
    )


def test_malformed_html_is_read_best_effort_without_losing_text() -> None:
    data = b"<div><p>Open <b>bold <i>both</div> after </span> stray</p> <p>last"
    document = HtmlDocument.parse(data, name="bad.html")
    assert [u.source for u in document.units] == [
        "Open <b>bold <i>both",
        "after </span> stray",
        "last",
    ]
    assert document.write({}) == data
    translated = document.write({u.id: mark(u.source) for u in document.units})
    assert translated.replace("«".encode(), b"").replace("»".encode(), b"") == data


def test_unclosed_script_keeps_the_rest_untouched() -> None:
    data = b"<p>Before</p><script>var a = '<p>x</p>';\n<p>not reached"
    document = HtmlDocument.parse(data, name="bad.html")
    assert [u.source for u in document.units] == ["Before"]
    assert document.write({}) == data


def test_entities_stay_as_written_in_units() -> None:
    units = {u.id: u.source for u in _edge().units}
    assert units["/html[1]/head[1]/title[1]/text()[1]"] == "Tom &amp; Jerry"


def test_empty_file_has_no_units_and_writes_back_identically() -> None:
    document = HtmlDocument.parse(b"", name="empty.html")
    assert document.units == []
    assert document.write({}) == b""


def test_undetectable_encoding_is_rejected_with_the_file_name() -> None:
    with pytest.raises(FormatError, match=r"page\.html: is not UTF-8 and its encoding cannot be"):
        HtmlDocument.parse(b"<p>" + bytes(range(128, 256)) * 3 + b"</p>", name="page.html")


PIECES = [*"ab <>/=\"'&;!-\n\t", "<p>", "</p>", "<b>", "</b>", "<script>", "</script>", "</a>"]
PIECES += ["<img alt=x>", "<img alt='a b'>", '<a title="t" href=u>', "<!--", "-->", "&amp;"]
PIECES += ["<code>", "</code>", "<html lang=en>", "<br/>", "<span translate=no>", "<P>", "<li>"]
PIECES += ["<input placeholder=\"p\" aria-label='l'>", "<pre>", "</pre>", "<![CDATA[x]]>"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_any_mix_of_html_syntax_keeps_the_contract(text: str) -> None:
    data = text.encode()
    document = HtmlDocument.parse(data, name="fuzz.html")
    assert document.write({}) == data
    translations = {u.id: mark(u.source) for u in document.units}
    assert len(translations) == len(document.units)
    reparsed = HtmlDocument.parse(document.write(translations), name="fuzz.html")
    assert {u.id: u.source for u in reparsed.units} == translations
    assert reparsed.write({u.id: u.source for u in document.units}) == data


def test_bom_is_kept_and_is_no_text() -> None:
    data = "\ufeff<p>Hallo</p>\r\n".encode()
    document = HtmlDocument.parse(data, name="bom.html")
    assert [u.source for u in document.units] == ["Hallo"]
    assert document.write({"/p[1]/text()[1]": "Hello"}) == "\ufeff<p>Hello</p>\r\n".encode()
