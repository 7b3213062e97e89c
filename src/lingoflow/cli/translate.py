"""``lingoflow translate``: translate a text (argument or standard input) into languages."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lingoflow.cli.common import console, err_console, print_json, settings
from lingoflow.errors import InputError
from lingoflow.translator import Translator
from lingoflow.types import Translation

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``translate`` command to ``app``."""
    app.command("translate")(translate_command)


def translate_command(
    to: Annotated[
        str, typer.Option("--to", "-t", help="Target language(s), comma-separated: ko,ja,es.")
    ],
    text: Annotated[
        str | None, typer.Argument(help="Text to translate. Read from standard input if omitted.")
    ] = None,
    source: Annotated[
        str, typer.Option("--from", "-f", help="Source language, or auto to detect it.")
    ] = "auto",
    engine: Annotated[
        str | None, typer.Option("--engine", "-e", help="Engine name (default: local).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Engine model.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Server URL for remote engines.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Translate TEXT (or standard input) into one or more languages."""
    config = settings()
    name = engine or config.engine
    source_text = text if text is not None else _read_stdin()
    if not source_text.strip():
        raise InputError("Nothing to translate: the text is empty.")
    targets = [t.strip() for t in to.split(",") if t.strip()]
    if not targets:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    engine_config = config.engine_config(name, model=model, base_url=base_url)
    with Translator(name, engine_config) as tr, _progress(len(targets)) as advance:
        results = tr.translate_multi([source_text], targets, source=source, progress=advance)[0]
    if as_json:
        print_json(_as_json(source_text, results))
    else:
        _print_plain(results)


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("No text given: pass TEXT or pipe text on standard input.")
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"Standard input is not valid UTF-8 (byte {data[exc.start]:#04x} at offset "
            f"{exc.start}). Convert it first, e.g. `iconv -f LATIN1 -t UTF-8`."
        ) from exc


class _progress:
    """A per-language progress bar on an interactive stderr; silent otherwise."""

    def __init__(self, total: int) -> None:
        self._bar = Progress(
            TextColumn("translating"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self._task = self._bar.add_task("translate", total=total)

    def __enter__(self) -> Any:
        self._bar.start()
        return lambda _segments: self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _print_plain(results: list[Translation]) -> None:
    if len(results) == 1:
        console.print(results[0].text, markup=False)
        return
    for tr in results:
        console.print(f"[bold]{tr.target.name} ({tr.target.code})[/]")
        console.print(tr.text, markup=False)


def _as_json(source_text: str, results: list[Translation]) -> dict[str, Any]:
    detected = results[0].detected if results else None
    return {
        "source_text": source_text,
        "detected_source": (
            {
                "language": detected.language.code,
                "name": detected.language.name,
                "confidence": round(detected.confidence, 4),
            }
            if detected
            else None
        ),
        "translations": [
            {
                "target": tr.target.code,
                "target_name": tr.target.name,
                "source": tr.source.code,
                "text": tr.text,
                "engine": tr.engine,
                "model": tr.model,
                "provenance": tr.provenance.value,
                "usage": {
                    "input_tokens": tr.usage.input_tokens,
                    "output_tokens": tr.usage.output_tokens,
                },
            }
            for tr in results
        ],
    }
