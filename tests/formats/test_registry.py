"""The format registry maps names and extensions to the Document classes that declare them."""

from __future__ import annotations

import pytest

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.formats.registry import FORMATS, document_class, format_for_path


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_loads_and_declares_the_same_extensions(name: str) -> None:
    cls = document_class(name)
    assert cls.format_name == name
    assert cls.extensions == FORMATS[name][2]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("docs/index.md", "markdown", id="md"),
        pytest.param("locale/de/LC_MESSAGES/app.PO", "po", id="upper-case"),
        pytest.param("subs/movie.vtt", "vtt", id="vtt"),
        pytest.param("data.tsv", "csv", id="tsv"),
        pytest.param("config/locales/en.yml", "yaml", id="yml"),
    ],
)
def test_format_for_path(path: str, expected: str) -> None:
    assert format_for_path(path) == expected


def test_unknown_extension_names_the_file_and_the_way_out() -> None:
    with pytest.raises(FormatError, match=r"logo\.png.*--format"):
        format_for_path("logo.png")


def test_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="markdown"):
        document_class("rtf")
