"""XliffDocument: the format contract on XLIFF 1.2 and 2.0 files, plus XLIFF specifics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from lingoflow.errors import FormatError
from lingoflow.formats.xliff import XliffDocument
from lingoflow.languages import resolve
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "xliff"
SAMPLES = sorted([*DATA.glob("*.xlf"), *DATA.glob("*.xliff")])
NS12 = "{urn:oasis:names:tc:xliff:document:1.2}"
NS20 = "{urn:oasis:names:tc:xliff:document:2.0}"


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestXliffContract(FormatContract):
    document_class = XliffDocument
    monolingual = False

    def read_back(self, output: bytes) -> dict[str, str]:
        return XliffDocument.parse(output, name="output").targets


def _load(name: str) -> tuple[bytes, XliffDocument]:
    data = (DATA / name).read_bytes()
    return data, XliffDocument.parse(data, name=name)


def _tree(output: bytes) -> etree._Element:
    return etree.fromstring(output, etree.XMLParser(resolve_entities=False, no_network=True))


def test_plain_and_inline_code_units_v12() -> None:
    _, document = _load("okapi-html.fr.xlf")
    units = {u.id: u for u in document.units}
    assert list(units) == ["tu1", "tu2", "tu3", "tu5"]  # tu4 is translate="no"
    assert units["tu1"].source == "About Example & Co."
    assert not units["tu1"].markup
    assert units["tu2"].markup
    assert units["tu2"].source == (
        'Read our <g id="1" ctype="x-html-a">privacy notice</g> before you '
        '<x id="2" ctype="x-html-br"/>sign up.'
    )
    assert units["tu2"].context == "Link text should stay short."
    assert units["tu5"].source == "Prices < 10 € include VAT"  # CDATA decoded


def test_inline_codes_are_kept_in_the_target_v12() -> None:
    _, document = _load("okapi-html.fr.xlf")
    translation = (
        'Appuyez sur <bpt id="1">&lt;b&gt;</bpt>Enregistrer<ept id="1">&lt;/b&gt;</ept> '
        'pour garder <ph id="2">{0}</ph> modifications.'
    )
    output = document.write({"tu3": translation})
    target = _tree(output).find(f".//{NS12}trans-unit[@id='tu3']/{NS12}target")
    assert target is not None
    assert [child.tag for child in target] == [NS12 + "bpt", NS12 + "ept", NS12 + "ph"]
    assert target.get("state") == "needs-review-translation"
    assert f'<target xml:lang="fr-fr" state="needs-review-translation">{translation}</target>' in (
        output.decode()
    )


def test_inline_codes_are_kept_in_the_target_v20() -> None:
    _, document = _load("okapi-v2.de.xlf")
    translation = 'Es dauert <sc id="3" type="fmt" subType="xlf:b"/>fünf<ec startRef="3"/> Minuten.'
    output = document.write({"u2/s3": translation})
    segment = _tree(output).find(f".//{NS20}segment[@id='s3']")
    assert segment is not None
    assert segment.get("state") == "translated"
    target = segment.find(NS20 + "target")
    assert target is not None
    assert [child.tag for child in target] == [NS20 + "sc", NS20 + "ec"]


def test_only_changed_targets_and_attributes_differ() -> None:
    data, document = _load("symfony-security.de.xlf")
    output = document.write({"4": "Ungültige Zugangsdaten."})
    expected = data.replace(
        b"<target>Fehlerhafte Zugangsdaten.</target>",
        b'<target state="needs-review-translation">Ung\xc3\xbcltige Zugangsdaten.</target>',
    )
    assert output == expected


def test_missing_target_is_inserted_after_source_with_its_indentation() -> None:
    _, document = _load("xcode-export.de.xliff")
    output = document.write({"2:Pay now": "Jetzt bezahlen"}).decode()
    assert (
        "        <source>Pay now</source>\n"
        '        <target state="needs-review-translation">Jetzt bezahlen</target>\n'
        "        <note>No comment provided by engineer.</note>\n"
    ) in output


def test_self_closing_target_is_filled() -> None:
    _, document = _load("okapi-v2.de.xlf")
    output = document.write({"u2/s3": "Es dauert fünf Minuten."}).decode()
    assert "        <target>Es dauert fünf Minuten.</target>\n" in output
    assert '<segment id="s3" state="translated">' in output


def test_plain_translation_is_escaped() -> None:
    _, document = _load("okapi-v2.de.xlf")
    output = document.write({"u1": "Erste Schritte <jetzt> & mehr"})
    assert b"<target>Erste Schritte &lt;jetzt&gt; &amp; mehr</target>" in output
    assert XliffDocument.parse(output).targets["u1"] == "Erste Schritte <jetzt> & mehr"


def test_malformed_markup_translation_is_refused() -> None:
    _, document = _load("okapi-html.fr.xlf")
    with pytest.raises(FormatError, match="tu2"):
        document.write({"tu2": 'Lisez <g id="1">notre politique.'})


@pytest.mark.parametrize(
    ("name", "attribute"),
    [
        pytest.param("okapi-html.fr.xlf", 'target-language="pt"', id="v12-empty"),
        pytest.param("xcode-export.de.xliff", 'target-language="pt"', id="v12-two-files"),
        pytest.param("okapi-v2.de.xlf", 'trgLang="pt"', id="v20"),
    ],
)
def test_target_language_is_set(name: str, attribute: str) -> None:
    data, document = _load(name)
    output = document.write({}, target=resolve("pt")).decode()
    attribute_name = attribute.split("=")[0]
    assert output == re.sub(rf'{attribute_name}="[^"]*"', attribute, data.decode())


def test_multiple_segments_and_files_get_distinct_ids() -> None:
    _, v2 = _load("okapi-v2.de.xlf")
    assert [u.id for u in v2.units] == ["u1", "u2/s2", "u2/s3", "u3"]
    _, xcode = _load("xcode-export.de.xliff")
    assert [u.id for u in xcode.units] == [
        "1:BYZ-38-t0r.title",
        "1:kLx-2b-Q9d.normalTitle",
        "2:cart.count",
        "2:Pay now",
    ]


def test_unprefixed_xliff_without_namespace_is_read() -> None:
    data = (
        b'<xliff version="1.2"><file><body><trans-unit id="a"><source>Hi</source>'
        b"</trans-unit></body></file></xliff>"
    )
    output = XliffDocument.parse(data).write({"a": "Salut"})
    assert output == data.replace(
        b"</source>", b'</source><target state="needs-review-translation">Salut</target>'
    )


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<xliff version="1.2"><file><body>\n'
        '<trans-unit id="a"><source>Leak: &xxe;</source></trans-unit>\n'
        "</body></file></xliff>\n"
    ).encode()
    document = XliffDocument.parse(data)
    assert all("TOP-SECRET" not in u.source for u in document.units)
    assert document.units[0].source == "Leak: &xxe;"
    assert document.write({}) == data
    output = document.write({"a": "Fuite"})
    assert b"TOP-SECRET" not in output
    assert b'<!ENTITY xxe SYSTEM "file://' in output


def test_entity_expansion_bomb_is_not_expanded() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<xliff version="1.2"><file><body><trans-unit id="x"><source>&b;</source>'
        b"</trans-unit></body></file></xliff>"
    )
    assert XliffDocument.parse(data).units[0].source == "&b;"


@pytest.mark.parametrize("data", [b"", b"  \n"], ids=["empty", "whitespace"])
def test_empty_file_has_no_units_and_writes_back(data: bytes) -> None:
    document = XliffDocument.parse(data)
    assert document.units == []
    assert document.write({}, target=resolve("de")) == data


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(
            b'<?xml version="1.0"?>\n<xliff version="1.2">\n<file>\n</xliff>\n', 4, id="mismatched"
        ),
        pytest.param(
            b'<xliff version="1.2">\n<file a="1" a="2"/>\n</xliff>', 2, id="duplicate-attr"
        ),
        pytest.param(
            b"<xliff>\n  <source>&undefined;</source>\n</xliff>", 2, id="undefined-entity"
        ),
    ],
)
def test_malformed_xml_raises_format_error_with_line(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        XliffDocument.parse(data, name="bad.xlf")
    assert info.value.line == line
    assert info.value.name == "bad.xlf"


def test_other_xml_is_not_xliff() -> None:
    with pytest.raises(FormatError, match="not XLIFF"):
        XliffDocument.parse(b"<tmx version='1.4'/>", name="doc.xlf")


def test_character_xml_cannot_hold_is_refused() -> None:
    _, document = _load("okapi-v2.de.xlf")
    with pytest.raises(FormatError, match="U\\+0007"):
        document.write({"u1": "Bell \x07"})


def test_carriage_returns_survive_as_character_references() -> None:
    _, document = _load("okapi-v2.de.xlf")
    output = document.write({"u1": "Zeile 1\r\nZeile 2"})
    assert b"<target>Zeile 1&#13;\nZeile 2</target>" in output
    assert XliffDocument.parse(output).targets["u1"] == "Zeile 1\r\nZeile 2"


def test_markup_unit_target_reads_back_as_inner_xml_even_without_codes() -> None:
    _, document = _load("okapi-html.fr.xlf")
    output = document.write({"tu2": "Lisez &lt;ceci&gt;."})
    assert XliffDocument.parse(output).targets["tu2"] == "Lisez &lt;ceci&gt;."
