"""``lingoflow eval``: score an engine on a test set with BLEU and chrF; list past results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lingoflow.cli.common import console, err_console, open_storage, print_json, settings, writing
from lingoflow.engines.registry import engine_class
from lingoflow.errors import EngineUnavailableError, InputError
from lingoflow.evaluation import BLEU_NAME, CHRF_NAME, EvalResult, evaluate, load_test_set
from lingoflow.pipeline.run import PipelineOptions
from lingoflow.storage.evals import EvalStore
from lingoflow.translator import Translator

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to ``app``."""
    app.command("eval")(eval_command)


def eval_command(
    engine: Annotated[
        str | None, typer.Option("--engine", "-e", help="Engine name (default: local).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Engine model.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Server URL for remote engines.")
    ] = None,
    source: Annotated[str | None, typer.Option("--from", "-f", help="Source language.")] = None,
    to: Annotated[str | None, typer.Option("--to", "-t", help="Target language.")] = None,
    src: Annotated[
        Path | None, typer.Option("--src", help="Source segments, one per line (UTF-8).")
    ] = None,
    ref: Annotated[
        Path | None, typer.Option("--ref", help="Reference translations, line-aligned.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="Evaluate the first N lines only.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the hypotheses to this file.")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="List the stored results instead.")
    ] = False,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: SQLite in home).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Translate --src, score it against --ref (BLEU, chrF) and store the result."""
    config = settings()
    store = EvalStore(open_storage(config, db).database)
    if history:
        _print_history(store.history(), as_json)
        return
    if source is None or to is None or src is None or ref is None:
        raise InputError("lingoflow eval needs --from, --to, --src and --ref (or --history).")
    sources, references = load_test_set(src, ref, limit)
    name = engine or config.engine
    engine_config = config.engine_config(name, model=model, base_url=base_url)
    status = engine_class(name).availability(engine_config)
    if not status.usable:  # say so before any engine call, as for an unsupported pair
        raise EngineUnavailableError(f"Engine {name!r} cannot run here: {status.reason}")
    translator = Translator(name, engine_config, options=PipelineOptions(use_cache=False))
    result = evaluate(translator, sources, references, source, to)
    store.add(result)
    if output is not None:
        with writing(output):
            output.write_text("".join(f"{line}\n" for line in result.hypotheses), "utf-8")
    if result.note:
        err_console.print(f"[yellow]note:[/] {result.note}", highlight=False)
    if as_json:
        print_json(_as_json(result))
    else:
        _print_plain(result)


def _print_plain(result: EvalResult, indent: str = "") -> None:
    for line in _score_lines(result):
        console.print(f"{indent}{line}", markup=False)


def _score_lines(result: EvalResult) -> list[str]:
    """Return sacrebleu's score lines (``NAME|signature = score``) and speed and tokens."""
    return [
        f"{BLEU_NAME}|{result.bleu_signature} = {result.bleu:.1f}",
        f"{CHRF_NAME}|{result.chrf_signature} = {result.chrf:.1f}",
        f"{result.engine} ({result.model}) {result.source}→{result.target}, "
        f"{result.segments} segments: {result.seconds_per_segment:.3f} s/segment, "
        f"tokens in {result.input_tokens} / out {result.output_tokens}",
    ]


def _print_history(results: list[EvalResult], as_json: bool) -> None:
    if as_json:
        print_json([_as_json(r) for r in results])
        return
    if not results:
        console.print("No evaluations stored yet: run `lingoflow eval`.")
    for result in results:
        console.print(
            f"{result.created_at:%Y-%m-%d %H:%M:%S} UTC  lingoflow {result.version}  "
            f"src {result.sources_hash[:12]}  ref {result.references_hash[:12]}",
            markup=False,
        )
        _print_plain(result, indent="  ")


def _as_json(result: EvalResult) -> dict[str, Any]:
    return {
        "engine": result.engine,
        "model": result.model,
        "source": result.source,
        "target": result.target,
        "segments": result.segments,
        "bleu": result.bleu,
        "chrf": result.chrf,
        "bleu_signature": f"{BLEU_NAME}|{result.bleu_signature}",
        "chrf_signature": f"{CHRF_NAME}|{result.chrf_signature}",
        "seconds_per_segment": result.seconds_per_segment,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "sources_hash": result.sources_hash,
        "references_hash": result.references_hash,
        "lingoflow_version": result.version,
        "created_at": result.created_at.isoformat(),
    }
