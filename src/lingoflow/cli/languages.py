"""``lingoflow languages`` and ``lingoflow detect``: the language registry and detection."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lingoflow.cli.common import console, print_json, settings
from lingoflow.detection import detect
from lingoflow.engines.registry import create_engine, engine_class, engine_names
from lingoflow.languages import Language, all_languages

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``languages`` and ``detect`` commands to ``app``."""
    app.command("languages")(languages_command)
    app.command("detect")(detect_command)


def languages_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the supported languages and which engines can translate into each."""
    support = _engine_support()
    rows = [
        (lang, [name for name, codes in support.items() if _has(codes, lang)])
        for lang in all_languages()
    ]
    if as_json:
        print_json(
            [
                {
                    "name": lang.name,
                    "code": lang.code,
                    "bcp47": lang.bcp47,
                    "autonym": lang.autonym,
                    "engines": names,
                }
                for lang, names in rows
            ]
        )
        return
    table = Table("Language", "Code", "BCP-47", "Native name", "Engines")
    for lang, names in rows:
        table.add_row(lang.name, lang.code, lang.bcp47, lang.autonym, ", ".join(names))
    console.print(table)


def detect_command(
    text: Annotated[str, typer.Argument(help="Text whose language to identify.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Identify the language of TEXT, offline."""
    found = detect(text)
    if as_json:
        print_json(
            {
                "language": found.language.code,
                "name": found.language.name,
                "bcp47": found.language.bcp47,
                "confidence": round(found.confidence, 4),
            }
        )
    else:
        console.print(
            f"{found.language.name} ({found.language.code})  confidence {found.confidence:.2f}"
        )


def _engine_support() -> dict[str, frozenset[str] | None]:
    """Languages each usable engine handles (``None``: all); unusable engines are left out."""
    config = settings()
    support: dict[str, frozenset[str] | None] = {}
    for name in engine_names():
        engine_config = config.engine_config(name)
        if engine_class(name).availability(engine_config).usable:
            support[name] = create_engine(name, engine_config).supported_languages()
    return support


def _has(codes: frozenset[str] | None, lang: Language) -> bool:
    return codes is None or lang.code in codes
