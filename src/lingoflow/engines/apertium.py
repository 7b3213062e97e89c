"""Apertium: offline rule-based translation through Debian's ``apertium`` command.

A language pair is one *mode* file (``eng-spa.mode``) in the modes folder; its two codes
(ISO 639-3 like ``eng`` or 639-1 like ``gl``) are mapped to lingoflow's languages with
:func:`lingoflow.languages.resolve`. Modes whose codes lingoflow does not know (``hbs``,
``epo``) and debugging modes (``eng-spa-tagger``) are ignored.

Invariants:

- Many segments go through one process call (each call starts a pipeline of about a dozen
  processes, ~80 ms), run with ``asyncio.create_subprocess_exec``, never a shell. Batches are
  cut into chunks of at most ``max_batch_segments`` segments and ``max_batch_chars``
  characters.
- Segments are kept apart by Apertium's null-flush mode (``-z``): each segment is followed by
  a NUL, on which every program of the pipeline flushes and resets, so no rule spans two
  segments. lingoflow deformats each segment itself exactly as ``apertium -f txt``
  (``apertium-destxt``) would, sends the stream with ``-f none``, and ends segment *i* with
  the superblank ``[lingoflow:i]``. User text is backslash-escaped and may not contain NUL,
  so neither a NUL nor an unescaped ``[`` can come from it: output part *i* must end with
  marker *i*. When the parts or markers do not line up, the chunk is translated again one
  segment per call; outputs are never misaligned silently.
- Leading and trailing whitespace of a segment is kept exactly as in the source (Apertium's
  own edge whitespace is dropped); blank segments come back unchanged without a call.
- Pair choice: the plain mode (``spa-eng``) serves a language pair; a variant mode
  (``spa-eng_US``) serves it only when no plain mode is installed.

Apertium's HMM tagger keeps some state across a NUL flush, so in rare cases a segment is
tagged (and translated) slightly differently in a batch than alone, as it would be inside a
whole document given to ``apertium``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.errors import (
    ConfigurationError,
    EngineError,
    EngineResponseError,
    EngineTimeoutError,
    EngineUnavailableError,
    InputError,
    UnknownLanguageError,
    UnsupportedLanguagePairError,
)
from lingoflow.languages import Language, resolve
from lingoflow.types import EngineOutput, Segment, TranslationRequest

__all__ = [
    "DEFAULT_BINARY",
    "DEFAULT_MODES_DIR",
    "ApertiumEngine",
    "ApertiumPair",
    "decode_batch",
    "discover_pairs",
    "encode_batch",
]

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")
"""Where Debian's pair packages install their ``*.mode`` files."""

DEFAULT_BINARY = "apertium"
"""The command that runs a mode (Debian package ``apertium``)."""

_INSTALL_HINT = (
    "install Debian's apertium and a pair, e.g. apt-get install apertium apertium-eng-spa"
)
_MODE_NAME = re.compile(
    r"(?P<source>[a-z]{2,3})(?:_(?P<source_variant>[A-Za-z0-9_]+))?"
    r"-(?P<target>[a-z]{2,3})(?:_(?P<target_variant>[A-Za-z0-9_]+))?"
)
_ESCAPED = frozenset("[]\\/@<>^${}")
# Runs of these become superblanks, as in apertium-destxt; a lone space stays a plain blank.
_BLANK_RUN = re.compile(r"[ \t\n\r~]+")
_PARAGRAPH_BREAK = re.compile(r"\n\n|\r\n\r\n")
_SENTENCE_END = ".[]"  # the period a deformatter inserts; the reformatter removes it
_OUTPUT_TOKEN = re.compile(r"\\(.)|\.\[\]|\[((?:\\.|[^\]\\])*)\]|[^\\\[.]+|.", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ApertiumPair:
    """One installed translation direction: a mode file and the languages it maps to."""

    mode: str
    source: Language
    target: Language
    variant: str | None = None

    def __str__(self) -> str:
        return f"{self.mode} ({self.source} → {self.target})"


@dataclass(frozen=True, slots=True)
class _Settings:
    """The engine's options, read from ``EngineConfig.options``."""

    modes_dir: Path
    binary: str
    mark_unknown: bool

    @classmethod
    def from_config(cls, config: EngineConfig) -> _Settings:
        """Read and check ``modes_dir``, ``apertium_bin`` and ``mark_unknown``."""
        options = config.options
        modes_dir = Path(options.get("modes_dir", str(DEFAULT_MODES_DIR)))
        if modes_dir.name != "modes":
            raise ConfigurationError(
                f"Apertium option modes_dir={str(modes_dir)!r} must be a folder named 'modes': "
                "apertium -d takes the folder that contains it."
            )
        binary = options.get("apertium_bin", DEFAULT_BINARY)
        return cls(modes_dir, binary, _flag(options, "mark_unknown"))


def _flag(options: Mapping[str, str], name: str) -> bool:
    """Read the boolean option ``name`` (default false)."""
    value = options.get(name, "false").strip().lower()
    if value not in _TRUE | _FALSE:
        raise ConfigurationError(f"Apertium option {name}={value!r} must be true or false.")
    return value in _TRUE


def _pair_from_mode(mode: str) -> ApertiumPair | None:
    """Map a mode name like ``spa-eng_US`` to a pair, or None when it is not one we know."""
    match = _MODE_NAME.fullmatch(mode)
    if match is None:
        return None
    try:
        source, target = resolve(match["source"]), resolve(match["target"])
    except UnknownLanguageError:
        return None
    if source == target:
        return None
    variant = match["source_variant"] or match["target_variant"]
    return ApertiumPair(mode, source, target, variant)


def discover_pairs(modes_dir: Path) -> tuple[ApertiumPair, ...]:
    """Return the pairs installed in ``modes_dir`` that map to lingoflow's languages."""
    if not modes_dir.is_dir():
        return ()
    modes = sorted(path.stem for path in modes_dir.glob("*.mode") if path.is_file())
    return tuple(pair for mode in modes if (pair := _pair_from_mode(mode)) is not None)


def _choose(
    pairs: Sequence[ApertiumPair], source: Language, target: Language
) -> ApertiumPair | None:
    """Pick the mode for ``source`` → ``target``: the plain one, else the first variant."""
    candidates = [p for p in pairs if p.source == source and p.target == target]
    candidates.sort(key=lambda p: (p.variant is not None, p.mode))
    return candidates[0] if candidates else None


def _escape(text: str) -> str:
    """Backslash-escape the characters that are markup in Apertium's stream format."""
    return "".join("\\" + c if c in _ESCAPED else c for c in text)


def _deformat(text: str) -> str:
    """Turn plain text into Apertium's stream format, as ``apertium-destxt`` does."""
    parts: list[str] = []
    position = 0
    for blank in _BLANK_RUN.finditer(text):
        parts.append(_escape(text[position : blank.start()]))
        run = blank.group()
        if run == " ":
            parts.append(run)
        else:
            # A paragraph break ends a sentence, so rules never reach across it.
            parts.append(_SENTENCE_END if _PARAGRAPH_BREAK.search(run) else "")
            parts.append(f"[{_escape(run)}]")
        position = blank.end()
    parts.append(_escape(text[position:]))
    parts.append(_SENTENCE_END)
    return "".join(parts)


def _reformat(stream: str) -> str:
    """Turn Apertium's output stream back into plain text, as ``apertium-retxt`` does."""
    out: list[str] = []
    for token in _OUTPUT_TOKEN.finditer(stream):
        escaped, blank = token.group(1), token.group(2)
        if escaped is not None:
            out.append(escaped)
        elif blank is not None:
            out.append(_UNESCAPE.sub(r"\1", blank))
        elif token.group() != _SENTENCE_END:
            out.append(token.group())
    return "".join(out)


def _marker(index: int) -> str:
    """Return the superblank that ends segment ``index`` of a batch."""
    return f"[lingoflow:{index}]"


def encode_batch(texts: Sequence[str]) -> str:
    """Return the stream that carries ``texts`` through one null-flush Apertium call."""
    for text in texts:
        if "\0" in text:
            raise InputError("A segment contains a NUL character; remove it before translating.")
    return "".join(f"{_deformat(text)}{_marker(i)}\0" for i, text in enumerate(texts))


def decode_batch(stream: str, count: int) -> list[str] | None:
    """Split Apertium's output into ``count`` texts, or None when it does not line up."""
    parts = stream.split("\0")
    if len(parts) < count or any(parts[count:]):
        return None
    texts: list[str] = []
    for index, part in enumerate(parts[:count]):
        marker = _marker(index)
        if not part.endswith(marker):
            return None
        texts.append(_reformat(part[: -len(marker)]).strip())
    return texts


def _chunks(texts: Sequence[str], max_segments: int, max_chars: int) -> Iterator[list[str]]:
    """Cut ``texts`` into runs of at most ``max_segments`` texts and about ``max_chars``."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if chunk and (len(chunk) >= max_segments or size + len(text) > max_chars):
            yield chunk
            chunk, size = [], 0
        chunk.append(text)
        size += len(text)
    if chunk:
        yield chunk


def _split_edges(text: str) -> tuple[str, str, str]:
    """Split ``text`` into leading whitespace, core and trailing whitespace."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = len(text) - len(text.lstrip())
    return text[:start], core, text[start + len(core) :]


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Kill ``process`` and the pipeline it started, if still running, and reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


class ApertiumEngine(Engine):
    """Translate offline with Apertium's rule-based pairs; the source language must be known.

    Options (``config.options``): ``modes_dir`` (default ``/usr/share/apertium/modes``),
    ``apertium_bin`` (default ``apertium``), ``mark_unknown`` (``true`` keeps Apertium's ``*``
    before unknown words; default ``false``, run with ``-u``). ``config.timeout`` bounds each
    process call; ``max_batch_segments`` and ``max_batch_chars`` bound what one call gets.
    """

    name: ClassVar[str] = "apertium"
    needs_source: ClassVar[bool] = True
    max_input_tokens: ClassVar[int] = 32_768
    max_batch_segments: ClassVar[int] = 500
    max_batch_chars: ClassVar[int] = 100_000

    def __init__(self, config: EngineConfig | None = None) -> None:
        super().__init__(config)
        self._settings = _Settings.from_config(self.config)
        self._pairs: tuple[ApertiumPair, ...] | None = None

    @classmethod
    def default_model(cls) -> str:
        """Name the engine's model family; each output names its pair (``apertium eng-spa``)."""
        return "apertium"

    @classmethod
    def availability(cls, config: EngineConfig) -> Availability:
        """Say whether the ``apertium`` command and at least one usable pair are installed."""
        try:
            settings = _Settings.from_config(config)
        except ConfigurationError as exc:
            return Availability(False, str(exc))
        if shutil.which(settings.binary) is None:
            return Availability(
                False, f"Apertium ({settings.binary!r}) not found: {_INSTALL_HINT}."
            )
        pairs = discover_pairs(settings.modes_dir)
        if not pairs:
            return Availability(
                False,
                f"No Apertium pair for lingoflow's languages in {settings.modes_dir}: "
                f"{_INSTALL_HINT}.",
            )
        return Availability(True, "pairs: " + ", ".join(pair.mode for pair in pairs))

    @property
    def pairs(self) -> tuple[ApertiumPair, ...]:
        """The installed pairs this instance can use, read once from the modes folder."""
        if self._pairs is None:
            self._pairs = discover_pairs(self._settings.modes_dir)
        return self._pairs

    def supported_languages(self) -> frozenset[str]:
        """Return the Qwen-MT codes of every language in an installed pair."""
        return frozenset(lang.code for pair in self.pairs for lang in (pair.source, pair.target))

    def supports_pair(self, source: Language | None, target: Language) -> bool:
        """Return whether an installed pair translates ``source`` into ``target`` (not auto)."""
        return source is not None and _choose(self.pairs, source, target) is not None

    def pair_for(self, source: Language | None, target: Language) -> ApertiumPair:
        """Return the pair for ``source`` → ``target``, or raise naming the installed ones."""
        if source is None:
            raise UnsupportedLanguagePairError(
                "Apertium needs a known source language; detect it or give it explicitly."
            )
        pair = _choose(self.pairs, source, target)
        if pair is None:
            installed = ", ".join(str(p) for p in self.pairs) or "none"
            raise UnsupportedLanguagePairError(
                f"No Apertium pair for {source} → {target} in {self._settings.modes_dir}. "
                f"Installed: {installed}. Install one with apt-get (apt-cache search apertium)."
            )
        return pair

    async def translate_batch(
        self, segments: Sequence[Segment], request: TranslationRequest
    ) -> list[EngineOutput]:
        """Translate ``segments`` in as few Apertium calls as the batch limits allow."""
        if not segments:
            return []
        pair = self.pair_for(request.source, request.target)
        edges = [_split_edges(segment.text) for segment in segments]
        cores = [core for _, core, _ in edges if core]
        translated = iter(await self._translate_texts(pair, cores))
        model = f"{self.default_model()} {pair.mode}"
        return [
            EngineOutput(lead + (next(translated) if core else "") + trail, model)
            for lead, core, trail in edges
        ]

    async def _translate_texts(self, pair: ApertiumPair, texts: Sequence[str]) -> list[str]:
        """Translate non-blank ``texts`` chunk by chunk, in order."""
        results: list[str] = []
        for chunk in _chunks(texts, self.max_batch_segments, self.max_batch_chars):
            results.extend(await self._translate_chunk(pair, chunk))
        return results

    async def _translate_chunk(self, pair: ApertiumPair, texts: Sequence[str]) -> list[str]:
        """Translate ``texts`` in one call; retry one per call if the output does not line up."""
        stream = await self._run(pair, encode_batch(texts))
        decoded = decode_batch(stream, len(texts))
        if decoded is not None:
            return decoded
        if len(texts) == 1:
            raise EngineResponseError(
                f"Apertium {pair.mode} returned output lingoflow cannot read: {stream[:200]!r}"
            )
        _log.warning("Apertium %s output did not line up; one call per segment", pair.mode)
        return [text for single in texts for text in await self._translate_chunk(pair, [single])]

    def _command(self, pair: ApertiumPair) -> list[str]:
        """Return the argument list that runs ``pair`` in null-flush, unformatted mode."""
        settings = self._settings
        unknown = [] if settings.mark_unknown else ["-u"]
        data_dir = str(settings.modes_dir.parent)
        return [settings.binary, "-z", "-f", "none", "-d", data_dir, *unknown, pair.mode]

    async def _run(self, pair: ApertiumPair, stream: str) -> str:
        """Run Apertium on ``stream`` and return its output; translate failures to errors."""
        command = self._command(pair)
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # one process group: a timeout kills the whole pipeline
            )
        except OSError as exc:
            raise EngineUnavailableError(
                f"Cannot run {command[0]!r} ({exc}): {_INSTALL_HINT}."
            ) from exc
        try:
            async with asyncio.timeout(self.config.timeout):
                stdout, stderr = await process.communicate(stream.encode("utf-8"))
        except TimeoutError as exc:
            raise EngineTimeoutError(
                f"Apertium {pair.mode} gave no answer within {self.config.timeout} s."
            ) from exc
        finally:
            await _stop(process)
        return _check_output(pair, process.returncode, stdout, stderr)


def _check_output(pair: ApertiumPair, returncode: int | None, stdout: bytes, stderr: bytes) -> str:
    """Return ``stdout`` as text, or raise ``EngineError`` with Apertium's own message."""
    if returncode != 0:
        message = stderr.decode("utf-8", "replace").strip() or "no message"
        raise EngineError(f"Apertium {pair.mode} failed (exit status {returncode}): {message}")
    try:
        return stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EngineResponseError(f"Apertium {pair.mode} wrote invalid UTF-8: {exc}") from exc
