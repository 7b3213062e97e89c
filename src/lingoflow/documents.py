"""Translate documents: one file's bytes into many languages, or a whole folder tree.

A document is parsed once; every unit's source goes into all targets in one
``Translator.atranslate_multi`` call, so the pipeline batches, caches and reuses TM across
languages; then the document is written once per target.

Big files: a file over :attr:`Streaming.threshold` bytes whose format can be read in pieces
(:class:`~lingoflow.formats.base.StreamableDocument`: plain text, CSV/TSV) is translated
piece by piece: each piece of about :attr:`Streaming.chunk` characters goes through the same
``atranslate_multi`` (so cache, TM and a job's journal apply) and is appended to one
temporary output per target, moved into place at the end. Memory is bounded by the piece,
not the file, and the output is byte-identical to translating the file whole. Callers do not
choose: the format's capability and the file's size do.

Invariants of :func:`translate_tree`:

- files are translated concurrently, at most ``concurrency`` at a time (so the engine works
  while other files are parsed and written); ``progress`` is called as each file finishes,
  and the report lists the files in walk order whatever order they finished in;
- a failure in one file never loses the others' work: the file is reported ``failed`` with
  the error's message and the run goes on; an exception from ``progress`` (a job that was
  cancelled) stops the run: files in flight are cancelled and the exception propagates;
- nothing is written outside ``out_dir``; an output folder inside the input folder is
  refused; symlinks pointing outside the input tree are skipped and reported; a path whose
  output would leave ``out_dir`` fails with its name;
- outputs are written atomically (a temporary file in the same folder, then ``os.replace``),
  and an output whose bytes would not change is not rewritten (status ``unchanged``), so
  re-runs touch only what changed and the pipeline cache answers for the rest;
- each :class:`FileResult` carries ``notes`` on encodings (a guessed input encoding, an
  output written as UTF-8 because the translation did not fit the input's encoding).
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

from lingoflow.errors import FormatError, InputError, LingoflowError
from lingoflow.formats.base import StreamableDocument
from lingoflow.formats.output import StreamedOutput, write_atomic
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import Language, resolve
from lingoflow.translator import LanguageLike, Translator
from lingoflow.types import Translation

__all__ = [
    "DEFAULT_CONCURRENCY",
    "FileResult",
    "FileStatus",
    "Layout",
    "Streaming",
    "TreeProgress",
    "TreeReport",
    "Untranslatable",
    "atranslate_document",
    "atranslate_tree",
    "translate_document",
    "translate_file",
    "translate_tree",
    "walk_files",
    "write_atomic",
]

FileStatus = Literal["translated", "copied", "skipped", "failed", "unchanged"]
Layout = Literal["mirror", "suffix"]
Untranslatable = Literal["copy", "skip"]
_T = TypeVar("_T")

DEFAULT_CONCURRENCY = 4
"""Files a tree run translates at once: enough to keep a fast engine busy on 2 cores."""


@dataclass(frozen=True, slots=True)
class Streaming:
    """When a file is translated in pieces: over ``threshold`` bytes, ``chunk`` chars a piece."""

    threshold: int = 2 << 20
    chunk: int = 256 << 10


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one input file; ``path`` is relative to the input folder (POSIX).

    ``outputs`` are relative to the output folder; ``notes`` say what a reader should know
    that is no error (an input encoding that was guessed, an output written as UTF-8).
    """

    path: str
    status: FileStatus
    error: str = ""
    segments: int = 0
    findings: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    provenance: Mapping[str, int] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "segments": self.segments,
            "findings": self.findings,
            "tokens": {"input": self.input_tokens, "output": self.output_tokens},
            "provenance": dict(self.provenance),
            "outputs": list(self.outputs),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class TreeReport:
    """Every file's result, in walk order, with totals."""

    files: tuple[FileResult, ...]

    @property
    def by_status(self) -> Counter[str]:
        """Number of files per status."""
        return Counter(f.status for f in self.files)

    @property
    def failed(self) -> bool:
        """Whether any file failed."""
        return any(f.status == "failed" for f in self.files)

    @property
    def segments(self) -> int:
        """Segments translated over all files and targets."""
        return sum(f.segments for f in self.files)

    @property
    def findings(self) -> int:
        """QA findings over all files and targets."""
        return sum(f.findings for f in self.files)

    @property
    def tokens(self) -> tuple[int, int]:
        """Engine (input, output) tokens over all files."""
        return sum(f.input_tokens for f in self.files), sum(f.output_tokens for f in self.files)

    @property
    def provenance(self) -> Counter[str]:
        """Segments per provenance (engine, cache, tm-exact, copy) over all files."""
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.provenance)
        return total

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: every file's result in walk order, then the totals."""
        tokens_in, tokens_out = self.tokens
        return {
            "files": [f.to_dict() for f in self.files],
            "totals": {
                "files": len(self.files),
                "by_status": dict(self.by_status),
                "failed": self.failed,
                "segments": self.segments,
                "findings": self.findings,
                "tokens": {"input": tokens_in, "output": tokens_out},
                "provenance": dict(self.provenance),
            },
        }


TreeProgress = Callable[[FileResult, int], None]
"""Called as each file finishes, with its result and the number of files in the walk."""


@dataclass(frozen=True, slots=True)
class _Request:
    """How every document of a run is translated."""

    targets: tuple[Language, ...]
    source: LanguageLike = "auto"
    domain: str | None = None
    formality: str | None = None


@dataclass(frozen=True, slots=True)
class _Translated:
    """One document in every target, with the translations that produced it."""

    outputs: dict[Language, bytes]
    rows: list[list[Translation]]
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Stats:
    """Counts over the translations of one file, added up piece by piece."""

    segments: int = 0
    findings: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    provenance: Counter[str] = field(default_factory=Counter)

    def add(self, rows: list[list[Translation]]) -> None:
        for translation in (t for row in rows for t in row):
            self.segments += len(translation.segments)
            self.findings += len(translation.findings)
            self.input_tokens += translation.usage.input_tokens
            self.output_tokens += translation.usage.output_tokens
            self.provenance.update(s.provenance.value for s in translation.segments)

    def result(self, written: FileResult, notes: Sequence[str]) -> FileResult:
        return FileResult(
            written.path,
            written.status,
            segments=self.segments,
            findings=self.findings,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            provenance=dict(self.provenance),
            outputs=written.outputs,
            notes=tuple(dict.fromkeys(notes)),
        )


# --- one document ------------------------------------------------------------------------


async def atranslate_document(
    data: bytes,
    name: str,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    fmt: str | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
) -> dict[Language, bytes]:
    """Translate the document ``data`` (named ``name``) into every target; bytes per target."""
    request = _Request(_languages(targets), source, domain, formality)
    return (await _translate_bytes(data, name, fmt, request, translator)).outputs


def translate_document(
    data: bytes,
    name: str,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    fmt: str | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
) -> dict[Language, bytes]:
    """Translate one document into every target (blocking); see :func:`atranslate_document`."""
    coro = atranslate_document(
        data, name, targets, translator, fmt=fmt, source=source, domain=domain, formality=formality
    )
    return _run(translator, coro)


async def _translate_bytes(
    data: bytes, name: str, fmt: str | None, request: _Request, translator: Translator
) -> _Translated:
    document = document_class(fmt or format_for_path(name)).parse(data, name=name)
    units = document.units
    rows = await _translate_units([unit.source for unit in units], request, translator, name)
    outputs = {
        target: document.write(
            {unit.id: row[j].text for unit, row in zip(units, rows, strict=True)}, target=target
        )
        for j, target in enumerate(request.targets)
    }
    return _Translated(outputs, rows, document.notes)


async def _translate_units(
    sources: list[str], request: _Request, translator: Translator, path: str
) -> list[list[Translation]]:
    """Translate ``sources`` (units of the file ``path``) into every target of ``request``."""
    if not sources:
        return []
    return await translator.atranslate_multi(
        sources,
        request.targets,
        source=request.source,
        domain=request.domain,
        formality=request.formality,
        path=path,
    )


# --- one file on disk ----------------------------------------------------------------------


def translate_file(
    path: Path,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    out_dir: Path | None = None,
    fmt: str | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
    streaming: Streaming | None = None,
) -> TreeReport:
    """Translate the file ``path`` into ``out_dir`` (default: next to it) as ``name_<code>.ext``.

    A big text or CSV file is streamed (see the module docstring and :class:`Streaming`).
    """
    if not path.is_file():
        raise InputError(f"{path} is not a file; pass an existing document.")
    fmt = fmt or format_for_path(path)  # an unknown type is an error here, not a skip
    request = _Request(_languages(targets), source, domain, formality)
    folder = path.parent.resolve()
    out_root = (out_dir or folder).resolve()
    job = _Job(folder, out_root, request, translator, "suffix", "skip", fmt, streaming)
    result = _run(translator, job.file(path))
    return TreeReport((result,))


# --- a tree --------------------------------------------------------------------------------


async def atranslate_tree(
    src_dir: Path,
    out_dir: Path,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    layout: Layout = "mirror",
    untranslatable: Untranslatable = "copy",
    progress: TreeProgress | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    streaming: Streaming | None = None,
) -> TreeReport:
    """Translate every document under ``src_dir`` into ``out_dir``; report each file.

    ``mirror`` writes ``out_dir/<code>/rel/path``; ``suffix`` writes
    ``out_dir/rel/dir/name_<code>.ext``. Files without a format are copied (once per language
    tree in ``mirror``, once in ``suffix``) or skipped, per ``untranslatable``. ``include`` and
    ``exclude`` are globs matched against the relative path and the file name. At most
    ``concurrency`` files are in flight at once; the report is in walk order.
    """
    if concurrency < 1:
        raise InputError(f"concurrency must be at least 1, not {concurrency}.")
    src_root, out_root = _check_roots(src_dir, out_dir)
    request = _Request(_languages(targets), source, domain, formality)
    job = _Job(src_root, out_root, request, translator, layout, untranslatable, None, streaming)
    paths = walk_files(src_root, include, exclude)
    results: list[FileResult | None] = [None] * len(paths)
    queue = iter(enumerate(paths))

    async def worker() -> None:
        for index, path in queue:  # workers share the iterator: each file is taken once
            results[index] = await job.file(path)
            if progress is not None:
                progress(results[index], len(paths))  # type: ignore[arg-type]

    await _all_or_none([worker() for _ in range(min(concurrency, len(paths)))])
    return TreeReport(tuple(r for r in results if r is not None))


def translate_tree(
    src_dir: Path,
    out_dir: Path,
    targets: Sequence[LanguageLike],
    translator: Translator,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    layout: Layout = "mirror",
    untranslatable: Untranslatable = "copy",
    progress: TreeProgress | None = None,
    source: LanguageLike = "auto",
    domain: str | None = None,
    formality: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    streaming: Streaming | None = None,
) -> TreeReport:
    """Translate a folder tree (blocking); see :func:`atranslate_tree`."""
    coro = atranslate_tree(
        src_dir,
        out_dir,
        targets,
        translator,
        include=include,
        exclude=exclude,
        layout=layout,
        untranslatable=untranslatable,
        progress=progress,
        source=source,
        domain=domain,
        formality=formality,
        concurrency=concurrency,
        streaming=streaming,
    )
    return _run(translator, coro)


async def _all_or_none(coroutines: list[Awaitable[None]]) -> None:
    """Run ``coroutines`` concurrently; on the first exception cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass(frozen=True, slots=True)
class _Job:
    """One run over files: where they come from and go, and how they are translated."""

    src_root: Path
    out_root: Path
    request: _Request
    translator: Translator
    layout: Layout
    untranslatable: Untranslatable
    fmt: str | None
    streaming: Streaming | None = None

    async def file(self, path: Path) -> FileResult:
        """Translate, copy or skip one file; never raise for a problem with this file."""
        rel = _relative(self.src_root, path)
        try:
            prepared = self._prepare(path, rel)
            if isinstance(prepared, FileResult):
                return prepared
            fmt, size = prepared
            cls = document_class(fmt)
            streaming = self.streaming or Streaming()
            if issubclass(cls, StreamableDocument) and size > streaming.threshold:
                return await self._stream(path, rel, cls, streaming.chunk)
            data = await asyncio.to_thread(path.read_bytes)
            done = await _translate_bytes(data, rel, fmt, self.request, self.translator)
            stats = _Stats()
            stats.add(done.rows)
            return stats.result(self._write(rel, done.outputs, "translated"), done.notes)
        except (LingoflowError, OSError) as exc:
            return FileResult(rel, "failed", _message(exc))

    def _prepare(self, path: Path, rel: str) -> FileResult | tuple[str, int]:
        """Settle a file that needs no translation, else return its format and size."""
        if path.is_symlink() and not path.resolve().is_relative_to(self.src_root):
            return FileResult(rel, "skipped", "symlink points outside the input folder")
        if path.is_dir():
            return FileResult(rel, "skipped", "symlinked folder not followed")
        fmt = self.fmt or _format_or_none(rel)
        if fmt is None:
            return self._copy(path, rel)
        size = path.stat().st_size
        if not size:  # nothing to parse: an empty file translates to an empty file
            return self._write(rel, {t: b"" for t in self.request.targets}, "copied")
        return fmt, size

    async def _stream(
        self, path: Path, rel: str, cls: type[StreamableDocument], chunk: int
    ) -> FileResult:
        """Translate a big file piece by piece into one temporary output per target."""
        targets = self.request.targets
        stats = _Stats()
        with ExitStack() as stack, path.open("rb") as stream:
            sinks: dict[Language, StreamedOutput] = {}
            for piece in cls.pieces(stream, name=rel, size=chunk):
                if not sinks:  # the first piece knows the codec
                    sinks = {
                        t: stack.enter_context(StreamedOutput(self._output(rel, t), piece.codec, t))
                        for t in targets
                    }
                units = piece.units
                rows = await _translate_units(
                    [u.source for u in units], self.request, self.translator, rel
                )
                stats.add(rows)
                for j, target in enumerate(targets):
                    translations = {u.id: row[j].text for u, row in zip(units, rows, strict=True)}
                    sinks[target].write(piece.write_text(translations, target=target))
            changed = [sink.commit() for sink in sinks.values()]
            notes = [*piece.notes, *(n for sink in sinks.values() for n in sink.notes)]
        status: FileStatus = "translated" if any(changed) else "unchanged"
        outputs = tuple(_relative(self.out_root, sink.path) for sink in sinks.values())
        return stats.result(FileResult(rel, status, outputs=outputs), notes)

    def _copy(self, path: Path, rel: str) -> FileResult:
        if self.untranslatable == "skip":
            return FileResult(rel, "skipped", "no format for this file type")
        data = path.read_bytes()
        if self.layout == "suffix":
            return self._store(rel, {self._inside(rel): data}, "copied")
        return self._write(rel, {t: data for t in self.request.targets}, "copied")

    def _write(self, rel: str, outputs: Mapping[Language, bytes], status: FileStatus) -> FileResult:
        files = {self._output(rel, target): data for target, data in outputs.items()}
        return self._store(rel, files, status)

    def _store(self, rel: str, files: Mapping[Path, bytes], status: FileStatus) -> FileResult:
        changed = [write_atomic(target, data) for target, data in files.items()]
        written = tuple(_relative(self.out_root, p) for p in files)
        return FileResult(rel, status if any(changed) else "unchanged", outputs=written)

    def _output(self, rel: str, target: Language) -> Path:
        pure = PurePosixPath(rel)
        if self.layout == "mirror":
            return self._inside(str(PurePosixPath(target.code) / pure))
        named = pure.with_name(f"{pure.stem}_{target.code}{pure.suffix}")
        return self._inside(str(named))

    def _inside(self, rel: str) -> Path:
        """Return ``out_root/rel``, refusing any path that would leave ``out_root``."""
        path = (self.out_root / rel).resolve()
        if not path.is_relative_to(self.out_root):
            raise InputError(f"{rel}: the output path would leave the output folder; skipped.")
        return path


# --- helpers -------------------------------------------------------------------------------


def _run(translator: Translator, coro: Awaitable[_T]) -> _T:
    """Run ``coro`` in a fresh event loop and release the engine before the loop ends."""

    async def wrapped() -> _T:
        try:
            return await coro
        finally:
            await translator.aclose()

    return asyncio.run(wrapped())


def _languages(targets: Sequence[LanguageLike]) -> tuple[Language, ...]:
    languages = [t if isinstance(t, Language) else resolve(t) for t in targets]
    if not languages:
        raise InputError("No target language given: use --to LANG[,LANG...].")
    return tuple(dict.fromkeys(languages))


def _check_roots(src_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    if not src_dir.is_dir():
        raise InputError(f"{src_dir} is not a folder; pass the folder to translate.")
    src_root, out_root = src_dir.resolve(), out_dir.resolve()
    if out_root.is_relative_to(src_root):
        raise InputError(
            f"The output folder {out_dir} is inside the input folder {src_dir}; "
            "choose an output folder outside it, so translations are not translated again."
        )
    return src_root, out_root


def walk_files(src_root: Path, include: Sequence[str], exclude: Sequence[str]) -> list[Path]:
    """The files (and symlinks) a tree run visits under the resolved ``src_root``, in order."""
    return [p for p in _walk(src_root) if _selected(_relative(src_root, p), include, exclude)]


def _walk(root: Path) -> list[Path]:
    """Every file and symlink under ``root`` in sorted order; symlinked folders are not entered."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        here = Path(folder)
        found.extend(here / d for d in dirs if (here / d).is_symlink())
        found.extend(here / name for name in sorted(files))
    return sorted(found)


def _relative(root: Path, path: Path) -> str:
    return (path.parent.resolve() / path.name).relative_to(root).as_posix()


def _selected(rel: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    name = PurePosixPath(rel).name

    def matches(patterns: Sequence[str]) -> bool:
        return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)

    return (not include or matches(include)) and not matches(exclude)


def _format_or_none(rel: str) -> str | None:
    try:
        return format_for_path(rel)
    except FormatError:
        return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return str(exc)
