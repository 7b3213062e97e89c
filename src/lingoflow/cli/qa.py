"""``lingoflow qa``: run the QA checks on an existing bilingual file (TSV, PO, XLIFF, TMX).

Prints a table of findings (line or unit id, check, severity, message) and a summary by
check, or ``--json``. Exits 1 when any finding is critical, 0 otherwise (also when there is
nothing to check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lingoflow.cli.common import console, open_storage, print_json, settings
from lingoflow.glossary import open_glossary
from lingoflow.qa.files import QaReport, check_file
from lingoflow.qa.registry import Severity
from lingoflow.types import GlossarySelection

__all__ = ["register"]

MAX_ID = 40
"""Characters of a unit id shown in the table (PO ids are whole msgids); ``--json`` has all."""
_STYLE = {Severity.CRITICAL: "bold red", Severity.MAJOR: "yellow", Severity.MINOR: "cyan"}


def register(app: typer.Typer) -> None:
    """Add the ``qa`` command to ``app``."""
    app.command("qa")(qa_command)


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def _glossary(
    value: str | None, source: str, target: str, db: str | None
) -> GlossarySelection | None:
    if value is None:
        return None
    if Path(value).is_file():
        return open_glossary(value, storage=None, source_lang=source, target_lang=target)
    with open_storage(settings(), db) as storage:
        return open_glossary(value, storage=storage, source_lang=source, target_lang=target)


def qa_command(
    file: Annotated[Path, typer.Argument(help="Bilingual file: .tsv, .po, .xlf/.xliff or .tmx.")],
    source: Annotated[str, typer.Option("--from", "-f", help="Source language.")],
    target: Annotated[str, typer.Option("--to", "-t", help="Target language.")],
    glossary: Annotated[
        str | None, typer.Option("--glossary", "-g", help="Glossary name or file to check against.")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Run only these checks, comma-separated.")
    ] = None,
    skip: Annotated[
        str | None, typer.Option("--skip", help="Skip these checks, comma-separated.")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL, for a stored glossary.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the existing translations in FILE with the QA checks; exit 1 on critical findings."""
    selection = _glossary(glossary, source, target, db)
    report = check_file(
        file, source, target, glossary=selection, only=_names(only), skip=_names(skip)
    )
    if as_json:
        print_json(_as_json(report))
    else:
        _print_report(report)
    if report.has_critical:
        raise typer.Exit(1)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ID else text[: MAX_ID - 1] + "…"


def _summary_line(report: QaReport) -> str:
    bilingual = report.file
    parts = [f"{report.checked} pair(s) checked ({bilingual.source_lang.code}→"
             f"{bilingual.target_lang.code}, {bilingual.format})"]  # fmt: skip
    if bilingual.untranslated:
        parts.append(f"{bilingual.untranslated} untranslated skipped")
    counts = ", ".join(f"{n} {severity}" for severity, n in report.by_severity.items())
    parts.append(f"{len(report.findings)} finding(s): {counts}")
    return "; ".join(parts) + "."


def _print_report(report: QaReport) -> None:
    if not report.checked:
        skipped = report.file.untranslated
        extra = f" ({skipped} untranslated skipped)" if skipped else ""
        console.print(f"{escape(str(report.file.path))}: nothing to check{extra}.")
        return
    if report.findings:
        table = Table("line/id", "check", "severity", "message")
        for pair, finding in report.findings:
            style = _STYLE.get(Severity(finding.severity), "")
            table.add_row(
                escape(_short(pair.id)),
                finding.check,
                f"[{style}]{finding.severity}[/]",
                escape(finding.message),
            )
        console.print(table)
        summary = Table("check", "severity", "findings")
        severity_of = {f.check: f.severity for _, f in report.findings}
        for name, count in report.by_check.items():
            summary.add_row(name, severity_of[name], str(count))
        console.print(summary)
    else:
        console.print("No findings.")
    console.print(_summary_line(report))


def _as_json(report: QaReport) -> dict[str, Any]:
    bilingual = report.file
    return {
        "file": str(bilingual.path),
        "format": bilingual.format,
        "source": bilingual.source_lang.code,
        "target": bilingual.target_lang.code,
        "checked": report.checked,
        "untranslated": bilingual.untranslated,
        "counts": {"by_severity": report.by_severity, "by_check": report.by_check},
        "critical": report.has_critical,
        "findings": [
            {
                "id": pair.id,
                "line": pair.line,
                "source": pair.source,
                "target": pair.target,
                "check": finding.check,
                "severity": finding.severity,
                "message": finding.message,
            }
            for pair, finding in report.findings
        ],
    }
