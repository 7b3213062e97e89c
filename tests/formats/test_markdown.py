"""MarkdownDocument: the format contract on real READMEs, plus what must stay untouched."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from lingoflow.errors import FormatError
from lingoflow.formats.base import Unit
from lingoflow.formats.markdown import MarkdownDocument
from tests.formats.contract import FormatContract, mark

DATA = Path(__file__).parent / "data" / "markdown"
SAMPLES = sorted(p for p in DATA.glob("*.md") if p.name != "README.md")


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestMarkdownContract(FormatContract):
    document_class = MarkdownDocument


def _edge() -> MarkdownDocument:
    return MarkdownDocument.parse((DATA / "edge-cases.md").read_bytes(), name="edge-cases.md")


def _translate_all(document: MarkdownDocument) -> str:
    return document.write({u.id: mark(u.source) for u in document.units}).decode()


def test_units_are_blocks_cells_and_front_matter_titles() -> None:
    units = {u.id: (u.source, u.context, u.markup) for u in _edge().units}
    assert units["front-matter/title"] == ('Getting "started"', "front matter: title", False)
    assert units["line-8"] == ("Setext heading", "heading", False)
    assert units["line-11"] == (
        "A quote that spans\ntwo lines, with `code` inside.",
        "blockquote",
        True,
    )
    assert units["line-14"] == ("a list item in a quote\ncontinued here", "list item", False)
    assert units["line-19-cell-2"] == ('[link](https://example.com "Title")', "table cell", True)
    assert units["line-28"][0] == "Use the [reference][ref] link and ![an image](img.png)."
    assert "front-matter/tags" not in units
    assert "front-matter/slug" not in units


@pytest.mark.parametrize(
    "untouched",
    [
        pytest.param('```python\nprint("fenced code")\n```\n', id="fenced-code"),
        pytest.param("\n    indented code block\n", id="indented-code"),
        pytest.param(
            '<div align="center">\n  <img src="logo.png" alt="Logo">\n</div>\n', id="html"
        ),
        pytest.param('[ref]: https://example.com/ref "Ref title"\n', id="reference-definition"),
        pytest.param("|:-----|:------:|\n", id="table-alignment-row"),
        pytest.param("tags: [docs, intro]\nslug: getting-started\n", id="front-matter-keys"),
        pytest.param("   # shown in the browser tab\n", id="front-matter-comment"),
        pytest.param("Setext heading»\n==============\n", id="setext-underline"),
    ],
)
def test_translating_everything_leaves_code_markup_and_keys_untouched(untouched: str) -> None:
    assert untouched in _translate_all(_edge())


def test_inline_code_and_urls_come_back_as_the_translation_has_them() -> None:
    output = _translate_all(_edge())
    assert "«Use the [reference][ref] link and ![an image](img.png).»" in output
    assert '| «`a\\|b` and an escaped \\| pipe» | «[link](https://example.com "Title")» |' in output


def test_front_matter_values_are_translated_and_stay_valid_yaml() -> None:
    output = _edge().write(
        {"front-matter/title": 'Erste "Schritte": los', "front-matter/description": "Schnell"}
    )
    front = output.decode().split("---\n")[1]
    assert YAML(typ="safe").load(front) == {
        "title": 'Erste "Schritte": los',
        "description": "Schnell",
        "tags": ["docs", "intro"],
        "slug": "getting-started",
    }
    assert "description: 'Schnell'\n" in front  # the original quoting style is kept


def test_translatable_front_matter_keys_are_a_class_attribute() -> None:
    class SlugMarkdown(MarkdownDocument):
        front_matter_keys: ClassVar[tuple[str, ...]] = ("slug",)

    document = SlugMarkdown.parse((DATA / "edge-cases.md").read_bytes())
    fronts = [u.id for u in document.units if u.id.startswith("front-matter/")]
    assert fronts == ["front-matter/slug"]


def test_multi_line_translation_stays_inside_its_blockquote_and_list_item() -> None:
    document = _edge()
    output = document.write({"line-11": "Ein Zitat\nauf zwei Zeilen.", "line-14": "Ein\nPunkt"})
    assert "> Ein Zitat\n> auf zwei Zeilen.\n>\n> - Ein\n>   Punkt\n" in output.decode()
    units = {u.id: u.source for u in MarkdownDocument.parse(output).units}
    assert units["line-11"] == "Ein Zitat\nauf zwei Zeilen."
    assert units["line-14"] == "Ein\nPunkt"


def test_atx_heading_and_cell_translations_stay_on_one_line() -> None:
    output = _edge().write({"line-17-cell-1": "Links | rechts"})
    assert "| Links \\| rechts | Centre |" in output.decode()
    heading = MarkdownDocument.parse(b"## Two words ##\n")
    assert heading.write({"line-1": "Zwei\nWorte"}) == b"## Zwei Worte ##\n"


def test_setext_heading_may_span_lines() -> None:
    output = _edge().write({"line-8": "Zwei\nZeilen"})
    assert "Zwei\nZeilen\n==============" in output.decode()


def test_bom_and_crlf_are_kept() -> None:
    data = (DATA / "bom-crlf.md").read_bytes()
    document = MarkdownDocument.parse(data, name="bom-crlf.md")
    assert [u.source for u in document.units] == ["Título", "Una línea\ny otra.", "Punto"]
    output = document.write({"line-3": "A line\nand another."})
    assert output == data.replace("Una línea\r\ny otra.".encode(), b"A line\r\nand another.")


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        pytest.param(
            "Intro\n\n```\nnever closed\n\nstill code\n",
            ["Intro"],
            id="unclosed-fence-stays-code",
        ),
        pytest.param(
            "A *dangling [link](http://x and `tick\n\n# Head ###\n",
            ["A *dangling [link](http://x and `tick", "Head"],
            id="unclosed-inline-syntax",
        ),
        pytest.param("<div>\nunclosed html\n\ntext after\n", ["text after"], id="unclosed-html"),
    ],
)
def test_malformed_markdown_is_read_best_effort_without_losing_text(
    data: str, texts: list[str]
) -> None:
    document = MarkdownDocument.parse(data.encode(), name="bad.md")
    assert [u.source for u in document.units] == texts
    assert document.write({}) == data.encode()
    translated = document.write({u.id: mark(u.source) for u in document.units}).decode()
    for line in data.splitlines():
        assert line.strip("#* ") in translated.replace("«", "").replace("»", "")


def test_empty_file_has_no_units_and_writes_back_identically() -> None:
    document = MarkdownDocument.parse(b"", name="empty.md")
    assert document.units == []
    assert document.write({}) == b""


def test_undetectable_encoding_is_rejected_with_the_file_name() -> None:
    with pytest.raises(FormatError, match=r"notes\.md: is not UTF-8 and its encoding cannot be"):
        MarkdownDocument.parse(b"# Title\n\n" + bytes(range(128, 256)) * 3, name="notes.md")


PIECES = [*"ab -*>#|`~_[]()!<>/\n\t:=\"'&;1.", "\n\n", "---\n", "```\n", "    ", "é"]
PIECES += ["<p>", "</p>", "<a title=x>", "&amp;", "title: x\n", "| a | b |\n", "|---|---|\n"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_any_mix_of_markdown_syntax_keeps_the_contract(text: str) -> None:
    data = text.encode()
    document = MarkdownDocument.parse(data, name="fuzz.md")
    assert document.write({}) == data
    translations = {u.id: mark(u.source) for u in document.units}
    assert len(translations) == len(document.units)
    reparsed = MarkdownDocument.parse(document.write(translations), name="fuzz.md")
    assert {u.id: u.source for u in reparsed.units} == translations
    assert reparsed.write({u.id: u.source for u in document.units}) == data


@pytest.mark.parametrize(
    ("translation", "written"),
    [
        pytest.param("Bonjour", "Bonjour", id="plain-stays-plain"),
        pytest.param("2024", '"2024"', id="number-is-quoted"),
        pytest.param("true", '"true"', id="boolean-is-quoted"),
        pytest.param("Hinweis: lesen", '"Hinweis: lesen"', id="colon-is-quoted"),
    ],
)
def test_plain_front_matter_value_is_quoted_only_when_needed(
    translation: str, written: str
) -> None:
    document = MarkdownDocument.parse(b"---\ntitle: Hello  # greeting\n---\n\nText\n")
    output = document.write({"front-matter/title": translation})
    assert output == f"---\ntitle: {written}  # greeting\n---\n\nText\n".encode()


def test_link_text_and_url_stay_one_unit_with_markup() -> None:
    document = MarkdownDocument.parse(b"See [the docs](https://x.y) now.\n")
    assert document.units == [
        Unit("line-1", "See [the docs](https://x.y) now.", "paragraph", markup=True)
    ]
    output = document.write({"line-1": "Siehe [die Doku](https://x.y) jetzt."})
    assert output == b"Siehe [die Doku](https://x.y) jetzt.\n"


def test_a_row_of_dashes_after_a_table_survives_translation() -> None:
    data = b"| a | b |\n|---|---|\n-|---|---|\n"
    document = MarkdownDocument.parse(data, name="t.md")
    translations = {u.id: f"«{u.source}»" for u in document.units}
    reparsed = MarkdownDocument.parse(document.write(translations), name="out.md")
    assert {u.id: u.source for u in reparsed.units} == translations


def test_paired_emphasis_is_shown_as_tags_and_written_back_as_delimiters() -> None:
    data = b"# A **bold** title\n\nSome *light*, __strong__, _new_ and ~~old~~ words.\n"
    document = MarkdownDocument.parse(data, name="emphasis.md")

    sources = [u.source for u in document.units]
    assert sources == [
        "A <md-ss>bold</md-ss> title",
        "Some <md-s>light</md-s>, <md-uu>strong</md-uu>, <md-u>new</md-u> and "
        "<md-tt>old</md-tt> words.",
    ]
    translated = {
        "line-1": "Un título <md-ss>audaz</md-ss>",
        "line-3": "Palabras <md-tt>viejas</md-tt>, <md-u>nuevas</md-u>, <md-s>ligeras</md-s> y "
        "<md-uu>fuertes</md-uu>.",
    }
    assert document.write(translated) == (
        b"# Un t\xc3\xadtulo **audaz**\n\nPalabras ~~viejas~~, _nuevas_, *ligeras* y __fuertes__.\n"
    )


@pytest.mark.parametrize(
    ("markdown", "source"),
    [
        pytest.param("2 * 3 * 4 and snake_case", "2 * 3 * 4 and snake_case", id="not-paired"),
        pytest.param(r"an \*escaped\* star", r"an \*escaped\* star", id="escaped"),
        pytest.param("`*code*` and *em*", "`*code*` and <md-s>em</md-s>", id="code-span"),
        pytest.param("![*alt*](x.png) **b**", "![*alt*](x.png) <md-ss>b</md-ss>", id="alt-kept"),
        pytest.param("**a***b*", "<md-ss>a<md-sss/>b</md-s>", id="close-and-open"),
        pytest.param("<md-s>x</md-s> *y*", "<md-s>x</md-s> *y*", id="tag-text-kept-raw"),
    ],
)
def test_only_paired_delimiters_become_tags(markdown: str, source: str) -> None:
    data = f"{markdown}\n".encode()
    document = MarkdownDocument.parse(data, name="cases.md")
    assert [u.source for u in document.units] == [source]
    assert document.write({document.units[0].id: mark(source)}) == f"{mark(markdown)}\n".encode()


def test_spaces_a_model_put_inside_a_pair_move_outside_the_delimiters() -> None:
    document = MarkdownDocument.parse(b"Prices rose by *ten percent* in the **last quarter**.\n")
    translation = (
        "Subieron un <md-s> diez por ciento </md-s> en el<md-ss> último trimestre</md-ss>."
    )
    assert document.write({"line-1": translation}).decode() == (
        "Subieron un  *diez por ciento*  en el **último trimestre**.\n"
    )
