"""``lingoflow translate``: translate a text (argument or standard input) into languages."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lingoflow.cli.common import console, err_console, open_storage, print_json, settings
from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import InputError
from lingoflow.glossary import open_glossary
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.settings import parse_duration
from lingoflow.translator import Translator
from lingoflow.types import GlossarySelection, SegmentResult, Translation

if TYPE_CHECKING:
    from lingoflow.storage import Storage

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
    glossary: Annotated[
        str | None, typer.Option("--glossary", "-g", help="Glossary name or file.")
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", "-d", help=f"{', '.join(DOMAINS)}, or one English sentence."),
    ] = None,
    formality: Annotated[
        str | None, typer.Option("--formality", help="formal or informal.")
    ] = None,
    tm: Annotated[
        str | None, typer.Option("--tm", help="Translation memory to reuse and learn from.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the cache.")
    ] = False,
    cache_ttl: Annotated[
        str | None,
        typer.Option("--cache-ttl", help="Ignore cached results older than this: 30d, 12h."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")
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
    storage = open_storage(config, db)
    options = PipelineOptions(
        glossary=_glossary(glossary, storage, source, targets),
        tm=tm,
        use_cache=not no_cache,
        cache_ttl=parse_duration(cache_ttl) if cache_ttl else None,
    )
    engine_config = config.engine_config(name, model=model, base_url=base_url)
    translator = Translator(name, engine_config, storage=storage, options=options)
    with translator as tr, _progress(len(targets)) as advance:
        results = tr.translate_multi(
            [source_text],
            targets,
            source=source,
            progress=advance,
            domain=domain_sentence(domain),
            formality=formality_value(formality),
        )[0]
    if as_json:
        print_json(_as_json(source_text, results))
    else:
        _print_plain(results)


def _glossary(
    value: str | None, storage: Storage, source: str, targets: list[str]
) -> GlossarySelection | None:
    if value is None:
        return None
    src = None if source.lower() == "auto" else source
    tgt = targets[0] if len(targets) == 1 else None
    return open_glossary(value, storage=storage, source_lang=src, target_lang=tgt)


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
    for tr in results:
        if len(results) > 1:
            console.print(f"[bold]{tr.target.name} ({tr.target.code})[/]")
        # The translation keeps the source's trailing newline; do not add a second one.
        console.print(tr.text, markup=False, end="" if tr.text.endswith("\n") else "\n")


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
                "findings": len(tr.findings),
                "segments": [_segment_json(segment) for segment in tr.segments],
                "usage": {
                    "input_tokens": tr.usage.input_tokens,
                    "output_tokens": tr.usage.output_tokens,
                },
            }
            for tr in results
        ],
    }


def _segment_json(segment: SegmentResult) -> dict[str, Any]:
    return {
        "source": segment.source,
        "text": segment.text,
        "provenance": segment.provenance.value,
        "terms": [{"source": t.source, "target": t.target} for t in segment.terms],
        "tm_examples": segment.examples,
        "findings": [
            {"check": f.check, "severity": f.severity, "message": f.message}
            for f in segment.findings
        ],
    }
