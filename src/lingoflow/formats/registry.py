"""Find the format of a file: by ``--format`` name, else by extension; imported lazily.

Only the chosen format's module is imported, so reading a Markdown file never loads
openpyxl or lxml.
"""

from __future__ import annotations

import importlib
from pathlib import PurePath

from lingoflow.errors import ConfigurationError, FormatError
from lingoflow.formats.base import Document

__all__ = ["FORMATS", "document_class", "format_for_path"]

# format name -> (module, class, extensions)
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "text": ("text", "TextDocument", (".txt",)),
    "markdown": ("markdown", "MarkdownDocument", (".md", ".markdown")),
    "html": ("html", "HtmlDocument", (".html", ".htm")),
    "json": ("json", "JsonDocument", (".json",)),
    "yaml": ("yaml", "YamlDocument", (".yml", ".yaml")),
    "po": ("po", "PoDocument", (".po", ".pot")),
    "xliff": ("xliff", "XliffDocument", (".xlf", ".xliff")),
    "csv": ("csv", "CsvDocument", (".csv", ".tsv")),
    "xlsx": ("xlsx", "XlsxDocument", (".xlsx",)),
    "srt": ("subtitles", "SrtDocument", (".srt",)),
    "vtt": ("subtitles", "VttDocument", (".vtt",)),
    "docx": ("docx", "DocxDocument", (".docx",)),
}


def format_for_path(path: str | PurePath) -> str:
    """Return the format name for ``path``'s extension; raise ``FormatError`` if none fits."""
    suffix = PurePath(path).suffix.lower()
    for name, (_, _, extensions) in FORMATS.items():
        if suffix in extensions:
            return name
    known = ", ".join(sorted(ext for *_, exts in FORMATS.values() for ext in exts))
    raise FormatError(
        str(path),
        f"no format for {suffix or 'files without an extension'!r} "
        f"(known: {known}); pass --format NAME",
    )


def document_class(name: str) -> type[Document]:
    """Return the Document class of format ``name`` (``markdown``, ``po`` ...)."""
    if name not in FORMATS:
        raise ConfigurationError(f"Unknown format {name!r}. Known formats: {', '.join(FORMATS)}.")
    module, attribute, _ = FORMATS[name]
    loaded = getattr(importlib.import_module(f"lingoflow.formats.{module}"), attribute)
    if not (isinstance(loaded, type) and issubclass(loaded, Document)):
        raise ConfigurationError(f"lingoflow.formats.{module}.{attribute} is not a Document.")
    return loaded
