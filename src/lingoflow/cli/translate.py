"""``lingoflow translate``: translate a text (argument or standard input) into languages."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from lingoflow.cli.common import (
    build_translator,
    console,
    print_json,
    progress_bar,
    quality_options,
)
from lingoflow.domains import DOMAINS, domain_sentence, formality_value
from lingoflow.errors import InputError
from lingoflow.types import SegmentResult, Translation

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
        str | None,
        typer.Option("--engine", "-e", help="Engine, or auto (best measured); default local."),
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
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", min=1, help="Requests in flight at once (remote engines)."),
    ] = None,
    rpm: Annotated[
        int | None,
        typer.Option("--rpm", min=1, help="Most requests per minute, per API key."),
    ] = None,
    tpm: Annotated[
        int | None,
        typer.Option("--tpm", min=1, help="Most tokens per minute, per API key."),
    ] = None,
    similarity: Annotated[
        str,
        typer.Option(
            "--similarity", help="Embedding signal in the quality score: auto, on or off."
        ),
    ] = "auto",
    skip_checks: Annotated[
        str | None, typer.Option("--skip-checks", help="QA checks to leave out, comma-separated.")
    ] = None,
) -> None:
    """Translate TEXT (or standard input) into one or more languages."""
    source_text = text if text is not None else _read_stdin()
    if not source_text.strip():
        raise InputError("Nothing to translate: the text is empty.")
    targets = [t.strip() for t in to.split(",") if t.strip()]
    if not targets:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    translator = build_translator(
        targets,
        source,
        engine,
        model,
        base_url,
        glossary,
        tm,
        no_cache,
        cache_ttl,
        db,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        quality=quality_options(similarity, None, skip_checks),
    )
    with translator as tr, progress_bar(len(targets)) as advance:
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
        "score": segment.score,
        "findings": [
            {"check": f.check, "severity": f.severity, "message": f.message}
            for f in segment.findings
        ],
    }
