"""Real NTREX sentences for the QA tests (see data/README.md)."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from lingoflow.qa import CheckInput

DATA = Path(__file__).parent / "data" / "ntrex.tsv"
LINES = (3, 7, 151, 372)
LANGS = ("de", "es", "fr", "ja", "zh", "ko", "ru", "ar")


@functools.cache
def _table() -> dict[tuple[int, str], str]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {(int(row["line"]), row["lang"]): row["text"] for row in rows}


def real(line: int, lang: str) -> str:
    """Return NTREX line ``line`` in language ``lang`` (``en`` for the source)."""
    return _table()[(line, lang)]


def pair(line: int, lang: str, target: str | None = None, **terms: object) -> CheckInput:
    """Return the real en→``lang`` pair of ``line``, its target optionally replaced."""
    text = real(line, lang) if target is None else target
    return CheckInput.of(real(line, "en"), text, "en", lang, **terms)  # type: ignore[arg-type]
