"""Translate documents: one file's bytes into many languages, or a whole folder tree.

A document is parsed once; every unit's source goes into all targets in one
``Translator.atranslate_multi`` call, so the pipeline batches, caches and reuses TM across
languages; then the document is written once per target.

Invariants of :func:`translate_tree`:

- a failure in one file never loses the others' work: the file is reported ``failed`` with
  the error's message and the walk goes on;
- nothing is written outside ``out_dir``; an output folder inside the input folder is
  refused; symlinks pointing outside the input tree are skipped and reported;
- outputs are written atomically (a temporary file in the same folder, then ``os.replace``),
  and an output whose bytes would not change is not rewritten (status ``unchanged``), so
  re-runs touch only what changed and the pipeline cache answers for the rest.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal, TypeVar

from lingoflow.errors import FormatError, InputError, LingoflowError
from lingoflow.formats.registry import document_class, format_for_path
from lingoflow.languages import Language, resolve
from lingoflow.translator import LanguageLike, Translator
from lingoflow.types import Translation

__all__ = [
    "FileResult",
    "FileStatus",
    "Layout",
    "TreeProgress",
    "TreeReport",
    "Untranslatable",
    "atranslate_document",
    "atranslate_tree",
    "translate_document",
    "translate_file",
    "translate_tree",
    "walk_files",
]

FileStatus = Literal["translated", "copied", "skipped", "failed", "unchanged"]
Layout = Literal["mirror", "suffix"]
Untranslatable = Literal["copy", "skip"]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one input file; ``path`` is relative to the input folder (POSIX)."""

    path: str
    status: FileStatus
    error: str = ""
    segments: int = 0
    findings: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    provenance: Mapping[str, int] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()


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


TreeProgress = Callable[[FileResult, int], None]
"""Called after each file with its result and the number of files in the walk."""


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
    rows: list[list[Translation]] = []
    if units:
        rows = await translator.atranslate_multi(
            [unit.source for unit in units],
            request.targets,
            source=request.source,
            domain=request.domain,
            formality=request.formality,
        )
    outputs = {
        target: document.write(
            {unit.id: row[j].text for unit, row in zip(units, rows, strict=True)}, target=target
        )
        for j, target in enumerate(request.targets)
    }
    return _Translated(outputs, rows)


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
) -> TreeReport:
    """Translate the file ``path`` into ``out_dir`` (default: next to it) as ``name_<code>.ext``."""
    if not path.is_file():
        raise InputError(f"{path} is not a file; pass an existing document.")
    fmt = fmt or format_for_path(path)  # an unknown type is an error here, not a skip
    request = _Request(_languages(targets), source, domain, formality)
    folder = path.parent.resolve()
    out_root = (out_dir or folder).resolve()
    job = _Job(folder, out_root, request, translator, "suffix", "skip", fmt)
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
) -> TreeReport:
    """Translate every document under ``src_dir`` into ``out_dir``; report each file.

    ``mirror`` writes ``out_dir/<code>/rel/path``; ``suffix`` writes
    ``out_dir/rel/dir/name_<code>.ext``. Files without a format are copied (once per language
    tree in ``mirror``, once in ``suffix``) or skipped, per ``untranslatable``. ``include`` and
    ``exclude`` are globs matched against the relative path and the file name.
    """
    src_root, out_root = _check_roots(src_dir, out_dir)
    request = _Request(_languages(targets), source, domain, formality)
    job = _Job(src_root, out_root, request, translator, layout, untranslatable, None)
    paths = walk_files(src_root, include, exclude)
    results: list[FileResult] = []
    for path in paths:
        results.append(await job.file(path))
        if progress is not None:
            progress(results[-1], len(paths))
    return TreeReport(tuple(results))


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
    )
    return _run(translator, coro)


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

    async def file(self, path: Path) -> FileResult:
        """Translate, copy or skip one file; never raise for a problem with this file."""
        rel = _relative(self.src_root, path)
        try:
            prepared = self._prepare(path, rel)
            if isinstance(prepared, FileResult):
                return prepared
            fmt, data = prepared
            done = await _translate_bytes(data, rel, fmt, self.request, self.translator)
            return _with_stats(self._write(rel, done.outputs, "translated"), done.rows)
        except (LingoflowError, OSError) as exc:
            return FileResult(rel, "failed", _message(exc))

    def _prepare(self, path: Path, rel: str) -> FileResult | tuple[str, bytes]:
        """Settle a file that needs no translation, else return its format and bytes."""
        if path.is_symlink() and not path.resolve().is_relative_to(self.src_root):
            return FileResult(rel, "skipped", "symlink points outside the input folder")
        if path.is_dir():
            return FileResult(rel, "skipped", "symlinked folder not followed")
        fmt = self.fmt or _format_or_none(rel)
        if fmt is None:
            return self._copy(path, rel)
        data = path.read_bytes()
        if not data:  # nothing to parse: an empty file translates to an empty file
            return self._write(rel, {t: b"" for t in self.request.targets}, "copied")
        return fmt, data

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


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless it already holds them; return if written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


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


def _with_stats(result: FileResult, rows: list[list[Translation]]) -> FileResult:
    translations = [t for row in rows for t in row]
    segments = [s for t in translations for s in t.segments]
    return FileResult(
        result.path,
        result.status,
        segments=len(segments),
        findings=sum(len(t.findings) for t in translations),
        input_tokens=sum(t.usage.input_tokens for t in translations),
        output_tokens=sum(t.usage.output_tokens for t in translations),
        provenance=dict(Counter(s.provenance.value for s in segments)),
        outputs=result.outputs,
    )


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return str(exc)
