"""YamlDocument: the format contract on a real Rails locale file, plus YAML specifics."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from lingoflow.errors import FormatError
from lingoflow.formats.yaml import YamlDocument
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "yaml"
SAMPLES = sorted(DATA.glob("*.yml"))


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestYamlContract(FormatContract):
    document_class = YamlDocument


def _load(data: bytes) -> object:
    return YAML(typ="safe", pure=True).load(data)


def _app() -> tuple[bytes, YamlDocument]:
    data = (DATA / "app.en.yml").read_bytes()
    return data, YamlDocument.parse(data, name="app.en.yml")


def test_units_are_string_values_only() -> None:
    _, document = _app()
    ids = [u.id for u in document.units]
    assert "/en/checkout/retry_limit" not in ids  # int
    assert "/en/checkout/express" not in ids  # bool
    assert "/en/checkout/launched" not in ids  # date
    assert "/en/errors/timeout" not in ids  # null
    assert "/en/errors/empty" not in ids  # blank
    assert ids[:3] == ["/en/defaults/save", "/en/defaults/cancel", "/en/checkout/title"]
    assert "/en/checkout/steps/1" in ids


def test_ruby_symbols_and_nulls_in_rails_file_are_not_units() -> None:
    document = YamlDocument.parse((DATA / "rails-i18n.de.yml").read_bytes())
    sources = {u.id: u.source for u in document.units}
    assert not any(key.startswith("/de/date/order/") for key in sources)
    assert "/de/date/month_names/0" not in sources
    assert sources["/de/date/month_names/1"] == "Januar"


def test_comments_keys_and_structure_survive_translation() -> None:
    _, document = _app()
    output = document.write({u.id: f"T {u.source}" for u in document.units})
    text = output.decode()
    assert text.startswith("# Application strings for the shop front-end.\n# Keep keys")
    assert "    save: T Save   # button label\n" in text
    assert "    # Shown under the order total.\n" in text
    assert "  defaults: &defaults\n" in text
    assert "    <<: *defaults\n" in text
    loaded = _load(output)
    assert isinstance(loaded, dict)
    checkout = loaded["en"]["checkout"]
    assert checkout["save"] == "T Save"  # merged from the anchor
    assert checkout["retry_limit"] == 3
    assert checkout["steps"] == ["T Cart", "T Address", "T Payment"]
    assert list(loaded["en"]) == ["defaults", "checkout", "errors", "emoji"]


@pytest.mark.parametrize(
    ("translation", "expected"),
    [
        pytest.param("Ein: Doppelpunkt", '    title: "Ein: Doppelpunkt"\n', id="colon-space"),
        pytest.param("# kein Kommentar", '    title: "# kein Kommentar"\n', id="hash"),
        pytest.param("true", '    title: "true"\n', id="would-be-bool"),
        pytest.param("Kasse", "    title: Kasse\n", id="plain-kept"),
        pytest.param("Zwei\nZeilen", '    title: "Zwei\\nZeilen"\n', id="newline"),
    ],
)
def test_plain_scalars_are_quoted_only_when_needed(translation: str, expected: str) -> None:
    _, document = _app()
    output = document.write({"/en/checkout/title": translation})
    assert expected in output.decode()
    loaded = _load(output)
    assert isinstance(loaded, dict)
    assert loaded["en"]["checkout"]["title"] == translation


def test_quoted_styles_are_kept_and_escaped() -> None:
    _, document = _app()
    output = document.write(
        {
            "/en/checkout/summary": "Sie haben %{count} Artikel im 'Korb'",
            "/en/defaults/cancel": 'A "b"',
        }
    ).decode()
    assert "    summary: 'Sie haben %{count} Artikel im ''Korb'''\n" in output
    assert '    cancel: "A \\"b\\""\n' in output


def test_flow_sequence_items_with_commas_are_quoted() -> None:
    _, document = _app()
    output = document.write({"/en/checkout/steps/0": "Cart, basket"})
    assert '    steps: ["Cart, basket", Address, Payment]\n' in output.decode()


def test_block_scalar_stays_a_literal_block_with_its_indentation() -> None:
    _, document = _app()
    output = document.write({"/en/checkout/legal": "Mit Ihrer Bestellung\nstimmen Sie zu.\n"})
    expected = "    legal: |\n      Mit Ihrer Bestellung\n      stimmen Sie zu.\n    shipping_note:"
    assert expected in output.decode()


def test_folded_block_becomes_literal_with_same_value() -> None:
    data = b"en:\n  note: >-\n    folded\n    text\n\n  next: x\n"
    output = YamlDocument.parse(data).write({"/en/note": "gefaltet und mehr"})
    assert output == b"en:\n  note: |-\n    gefaltet und mehr\n\n  next: x\n"


def test_long_folded_plain_scalar_is_refolded_like_libyaml() -> None:
    data = (DATA / "rails-i18n.de.yml").read_bytes()
    document = YamlDocument.parse(data)
    key = "/de/activerecord/errors/messages/restrict_dependent_destroy/has_one"
    new = (
        "Der Datensatz kann leider nicht gelöscht werden, weil noch ein abhängiger "
        "%{record} existiert."
    )
    text = document.write({key: new}).decode()
    assert (
        # libyaml breaks at the first space once a line is past column 80.
        "          has_one: Der Datensatz kann leider nicht gelöscht werden, weil noch ein\n"
        "            abhängiger %{record} existiert.\n"
    ) in text
    loaded = _load(text.encode())
    assert isinstance(loaded, dict)
    messages = loaded["de"]["activerecord"]["errors"]["messages"]
    assert messages["restrict_dependent_destroy"]["has_one"] == new


def test_crlf_line_endings_are_kept() -> None:
    data = (DATA / "crlf.fr.yml").read_bytes()
    output = YamlDocument.parse(data).write({"/fr/note": "Line one\nLine two\n"})
    assert output == data.replace(b"Ligne un", b"Line one").replace(b"Ligne deux", b"Line two")


def test_multi_document_ids_are_prefixed() -> None:
    document = YamlDocument.parse(b"a: one\n---\na: two\n")
    assert [u.id for u in document.units] == ["/a", "#1/a"]
    assert document.write({"#1/a": "zwei"}) == b"a: one\n---\na: zwei\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"# only a comment\n", id="comment"),
        pytest.param(b"---\n", id="marker"),
    ],
)
def test_empty_file_has_no_units_and_writes_back(data: bytes) -> None:
    document = YamlDocument.parse(data)
    assert document.units == []
    assert document.write({}) == data


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b"en:\n  a: [1, 2\n  b: c\n", 3, id="unclosed-flow"),
        pytest.param(b"en:\n  a: b\n c: d\n", 3, id="bad-indent"),
        pytest.param(b'en:\n  a: "open\n', 3, id="unclosed-quote"),
    ],
)
def test_invalid_yaml_raises_format_error_with_line(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        YamlDocument.parse(data, name="bad.yml")
    assert info.value.line == line
    assert info.value.name == "bad.yml"


@pytest.mark.parametrize(
    "translation",
    [
        pytest.param("Zeile\u2028Trenner", id="line-separator"),
        pytest.param("NEL\x85hier", id="next-line"),
        pytest.param("Glocke\x07", id="control"),
        pytest.param("Tab\tam Ende\t", id="tabs"),
    ],
)
def test_characters_yaml_reads_differently_are_escaped(translation: str) -> None:
    _, document = _app()
    for key in ("/en/checkout/title", "/en/checkout/summary", "/en/checkout/legal"):
        output = document.write({key: translation})
        loaded = _load(output)
        assert isinstance(loaded, dict)
        assert loaded["en"]["checkout"][key.rsplit("/", 1)[1]] == translation


def test_yaml_1_1_booleans_are_not_units_and_not_written_plain() -> None:
    document = YamlDocument.parse(b"en:\n  enabled: yes\n  label: Yes please\n  time: 1:30\n")
    assert [u.id for u in document.units] == ["/en/label"]
    assert (
        document.write({"/en/label": "on"}) == b'en:\n  enabled: yes\n  label: "on"\n  time: 1:30\n'
    )
