"""JsonDocument: the format contract on real i18next files, plus JSON-specific behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.json import JsonDocument
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "json"
SAMPLES = sorted(DATA.glob("*.json"))


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestJsonContract(FormatContract):
    document_class = JsonDocument


def _edge() -> JsonDocument:
    return JsonDocument.parse((DATA / "edge-cases.json").read_bytes(), name="edge-cases.json")


def test_units_are_string_values_with_pointer_ids() -> None:
    units = {u.id: u.source for u in _edge().units}
    assert units == {
        "/app/name": 'Café "Blü"',
        "/items_one": "{{count}} item",
        "/items_other": "{{count}} items",
        "/path~1with~0tilde": "Slash / and tilde",
        "/list/0": "First",
        "/list/2": "Third",
        "/list/3/deep": "Nested in a list",
    }


def test_keys_and_non_string_values_are_untouched() -> None:
    document = _edge()
    output = document.write({u.id: "X" for u in document.units})
    data = json.loads(output)
    assert list(data) == ["app", "items_one", "items_other", "path/with~tilde", "list", "empty"]
    assert data["app"] == {"name": "X", "version": 3, "beta": True, "owner": None, "ratio": -1.5e3}
    assert data["list"] == ["X", "", "X", {"deep": "X"}]
    assert b'\r\n\t\t"version": 3,\r\n' in output


def test_translation_is_json_escaped_and_only_its_literal_changes() -> None:
    source = (DATA / "react.de.json").read_bytes()
    document = JsonDocument.parse(source)
    output = document.write({"/description/part1": 'Say "hi"\n\\ <1>x</1>'})
    expected = source.decode().replace(
        '"Um loszulegen, ändere <1>src/App(DE).js</1> speicheren und neuladen."',
        '"Say \\"hi\\"\\n\\\\ <1>x</1>"',
    )
    assert output.decode() == expected
    assert json.loads(output)["description"]["part1"] == 'Say "hi"\n\\ <1>x</1>'


def test_bom_is_kept() -> None:
    output = JsonDocument.parse((DATA / "bom.json").read_bytes()).write({"/greeting": "Hallo"})
    assert output == b'\xef\xbb\xbf{"greeting": "Hallo", "farewell": "Goodbye"}\n'


def test_duplicate_keys_get_distinct_ids() -> None:
    document = JsonDocument.parse(b'{"a": "one", "a": "two"}')
    assert [u.id for u in document.units] == ["/a", "/a#2"]
    assert document.write({"/a#2": "zwei"}) == b'{"a": "one", "a": "zwei"}'


def test_top_level_string_and_array() -> None:
    assert [(u.id, u.source) for u in JsonDocument.parse(b'"hi"').units] == [("", "hi")]
    assert [u.id for u in JsonDocument.parse(b'["a", ["b"]]').units] == ["/0", "/1/0"]


@pytest.mark.parametrize("data", [b"", b"  \n"], ids=["empty", "whitespace"])
def test_empty_file_has_no_units_and_writes_back(data: bytes) -> None:
    document = JsonDocument.parse(data)
    assert document.units == []
    assert document.write({}) == data


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b'{\n  "a": "b",\n  "c": \n}\n', 4, id="missing-value"),
        pytest.param(b'{\n  "a": "b"\n  "c": "d"\n}', 3, id="missing-comma"),
        pytest.param(b'{"a": "b"} trailing', 1, id="extra-data"),
    ],
)
def test_invalid_json_raises_format_error_with_line(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        JsonDocument.parse(data, name="bad.json")
    assert info.value.line == line
    assert info.value.name == "bad.json"


def test_invalid_utf8_raises_format_error() -> None:
    with pytest.raises(FormatError, match="UTF-8"):
        JsonDocument.parse(b'{\n"a": "\xff"}', name="bad.json")


def test_new_literals_follow_the_files_escaping_style() -> None:
    output = _edge().write({"/app/name": "Crème/brûlée"})
    assert b'"name": "Cr\\u00e8me\\/br\\u00fbl\\u00e9e",' in output
