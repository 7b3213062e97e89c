"""The apertium engine: stream format and discovery offline, translation with the real Apertium.

Tests marked ``apertium`` run Debian's ``apertium`` with the ``eng-spa`` pair. The others use
synthetic ``.mode`` files in ``tmp_path`` and small stand-in commands (Python scripts) that
echo Apertium's stream format, fail, hang or misalign on purpose.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from lingoflow.engines.apertium import (
    DEFAULT_MODES_DIR,
    ApertiumEngine,
    decode_batch,
    discover_pairs,
    encode_batch,
)
from lingoflow.engines.base import EngineConfig
from lingoflow.errors import (
    ConfigurationError,
    EngineError,
    EngineTimeoutError,
    EngineUnavailableError,
    InputError,
    UnsupportedLanguagePairError,
)
from lingoflow.languages import resolve
from lingoflow.types import Segment, TranslationRequest
from tests.engines.contract import EngineContract

ENGLISH, SPANISH, CATALAN = resolve("en"), resolve("es"), resolve("ca")
GALICIAN, FRENCH = resolve("gl"), resolve("fr")
EN_ES = TranslationRequest(target=SPANISH, source=ENGLISH)

HAS_APERTIUM = (
    shutil.which("apertium") is not None and (DEFAULT_MODES_DIR / "eng-spa.mode").is_file()
)
requires_apertium = pytest.mark.skipif(
    not HAS_APERTIUM,
    reason="Apertium with eng-spa is not installed (apt-get install apertium apertium-eng-spa)",
)

# Texts that exercise every part of the stream format: escapes, blanks, tildes, paragraphs.
TRICKY = (
    "The house is big",
    "My dog eats apples & pears [x] \\ ^$ @ / <a> {b} *c #d ~ e",
    "Where is the cat?\n\nThe cat is in the garden.\nLine two  with  spaces",
    "Tabs\tand\r\nWindows\r\n\r\nbreaks",
    'He said "hello" to me.',
    "Mr. Smith went to Washington. He likes it.",
    "a~b \\[lingoflow:0] .[] []",
)


# --- stand-ins for the apertium command ------------------------------------------------------

_STANDIN = """\
import json, sys, time
data = sys.stdin.buffer.read()
with open({log!r}, "a") as log:
    log.write(json.dumps({{"args": sys.argv[1:], "segments": data.count(b"\\0")}}) + "\\n")
{body}
"""
ECHO = """\
parts = data.split(b"\\0")
{transform}
sys.stdout.buffer.write(b"\\0".join(parts) + b"\\0\\0")
"""
SWAP_FIRST_TWO = "if len(parts) > 2:\n    parts[0], parts[1] = parts[1], parts[0]"
FAIL = 'sys.stderr.write("Error: Mode eng-spa does not exist.\\n")\nsys.exit(3)'
HANG = "time.sleep(30)"


def standin(tmp_path: Path, body: str) -> Path:
    """Write an executable Python script that logs its arguments, then runs ``body``."""
    script = tmp_path / "apertium"
    log = tmp_path / "calls.log"
    script.write_text(f"#!{sys.executable}\n" + _STANDIN.format(log=str(log), body=body))
    script.chmod(0o755)
    return script


def calls(tmp_path: Path) -> list[dict[str, Any]]:
    """Return the stand-in's calls: ``args`` and the number of ``segments`` it was sent."""
    log = tmp_path / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


def modes_dir(tmp_path: Path, *modes: str) -> Path:
    """Create a modes folder holding empty ``.mode`` files named ``modes``."""
    folder = tmp_path / "share" / "modes"
    folder.mkdir(parents=True)
    for mode in modes:
        (folder / f"{mode}.mode").write_text("lt-proc 'x.automorf.bin'\n")
    return folder


def engine_with(modes: Path, binary: Path | str, **options: str) -> ApertiumEngine:
    """Build an engine on ``modes`` and ``binary``."""
    return ApertiumEngine(
        EngineConfig(options={"modes_dir": str(modes), "apertium_bin": str(binary), **options})
    )


def words(text: str) -> set[str]:
    """Return the lower-cased words of ``text``."""
    return set(re.findall(r"\w+", text.lower()))


async def texts(
    engine: ApertiumEngine, sources: Sequence[str], request: TranslationRequest
) -> list[str]:
    """Translate ``sources`` with ``engine`` and return the output texts."""
    return [o.text for o in await engine.translate_batch([Segment(s) for s in sources], request)]


# --- stream format ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_decode_of_encode_gives_the_text_back(text: str) -> None:
    assert decode_batch(encode_batch([text, "x"]) + "\0" * 5, 2) == [text, "x"]


def test_encode_escapes_markup_and_wraps_blank_runs_like_destxt() -> None:
    assert encode_batch(["a [b]  c\n\nd ~ e"]) == (
        "a \\[b\\][  ]c.[][\n\n]d[ ~ ]e.[][lingoflow:0]\0"
    )


@pytest.mark.parametrize(
    ("stream", "count"),
    [
        pytest.param("a[lingoflow:0]\0", 2, id="missing-part"),
        pytest.param("b[lingoflow:1]\0a[lingoflow:0]\0", 2, id="swapped"),
        pytest.param("a[lingoflow:0]\0b[lingoflow:1]\0c\0", 2, id="extra-part"),
        pytest.param("a\0b[lingoflow:1]\0", 2, id="lost-marker"),
        pytest.param("a[lingoflow:0]b\0", 1, id="marker-not-at-end"),
    ],
)
def test_decode_rejects_output_that_does_not_line_up(stream: str, count: int) -> None:
    assert decode_batch(stream, count) is None


def test_encode_rejects_nul() -> None:
    with pytest.raises(InputError, match="NUL"):
        encode_batch(["a\0b"])


# --- discovery and configuration -------------------------------------------------------------


def test_discovery_maps_codes_and_skips_what_lingoflow_cannot_use(tmp_path: Path) -> None:
    modes = modes_dir(
        tmp_path, "eng-spa", "spa-eng", "spa-eng_US", "en-gl", "eng-cat_valencia",
        "hbs-eng", "epo-eng", "eng-spa-tagger", "eng-eng",
    )  # fmt: skip
    (modes / "README").write_text("not a mode")
    (modes / "dir.mode").mkdir()
    pairs = {p.mode: (p.source, p.target, p.variant) for p in discover_pairs(modes)}
    assert pairs == {
        "eng-spa": (ENGLISH, SPANISH, None),
        "spa-eng": (SPANISH, ENGLISH, None),
        "spa-eng_US": (SPANISH, ENGLISH, "US"),
        "en-gl": (ENGLISH, GALICIAN, None),
        "eng-cat_valencia": (ENGLISH, CATALAN, "valencia"),
    }


def test_pairs_languages_and_variant_choice(tmp_path: Path) -> None:
    modes = modes_dir(tmp_path, "spa-eng_US", "spa-eng", "eng-cat_valencia", "en-gl")
    engine = engine_with(modes, "apertium")
    assert engine.supported_languages() == {"en", "es", "ca", "gl"}
    assert engine.supports_pair(ENGLISH, GALICIAN)
    assert not engine.supports_pair(GALICIAN, ENGLISH)
    assert not engine.supports_pair(None, GALICIAN)
    assert engine.pair_for(SPANISH, ENGLISH).mode == "spa-eng"  # the plain mode wins
    assert engine.pair_for(ENGLISH, CATALAN).mode == "eng-cat_valencia"  # the only one


def test_missing_modes_folder_gives_no_pairs(tmp_path: Path) -> None:
    assert discover_pairs(tmp_path / "nowhere" / "modes") == ()


@pytest.mark.anyio
async def test_unsupported_pair_names_the_installed_pairs(tmp_path: Path) -> None:
    engine = engine_with(modes_dir(tmp_path, "eng-spa", "spa-eng"), standin(tmp_path, ""))
    with pytest.raises(UnsupportedLanguagePairError, match=r"English → French.*eng-spa.*spa-eng"):
        await engine.translate_batch([Segment("Hello")], TranslationRequest(FRENCH, ENGLISH))
    with pytest.raises(UnsupportedLanguagePairError, match="known source"):
        await engine.translate_batch([Segment("Hello")], TranslationRequest(SPANISH, None))
    assert calls(tmp_path) == []


def test_missing_binary_is_unavailable_with_install_hint(tmp_path: Path) -> None:
    config = EngineConfig(options={"apertium_bin": str(tmp_path / "no-apertium")})
    availability = ApertiumEngine.availability(config)
    assert not availability.usable
    assert "apt-get install apertium apertium-eng-spa" in availability.reason


def test_no_pairs_is_unavailable(tmp_path: Path) -> None:
    config = EngineConfig(
        options={"modes_dir": str(modes_dir(tmp_path, "hbs-eng")), "apertium_bin": sys.executable}
    )
    availability = ApertiumEngine.availability(config)
    assert not availability.usable
    assert "No Apertium pair" in availability.reason


def test_installed_binary_and_pair_is_available(tmp_path: Path) -> None:
    config = EngineConfig(
        options={"modes_dir": str(modes_dir(tmp_path, "eng-spa")), "apertium_bin": sys.executable}
    )
    assert ApertiumEngine.availability(config).usable


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"modes_dir": "/usr/share/apertium"}, "named 'modes'", id="modes-dir"),
        pytest.param({"mark_unknown": "maybe"}, "true or false", id="mark-unknown"),
    ],
)
def test_bad_options_are_configuration_errors(options: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ApertiumEngine(EngineConfig(options=options))
    assert message in ApertiumEngine.availability(EngineConfig(options=options)).reason


# --- process handling, with stand-ins --------------------------------------------------------


@pytest.mark.anyio
async def test_one_call_for_the_batch_with_null_flush_arguments(tmp_path: Path) -> None:
    modes = modes_dir(tmp_path, "eng-spa")
    engine = engine_with(modes, standin(tmp_path, ECHO.format(transform="")))
    sources = ["  one\n", "", "two\n\nthree", "   ", "four ~ [five]"]
    outputs = await engine.translate_batch([Segment(s) for s in sources], EN_ES)
    assert [o.text for o in outputs] == sources
    assert {o.model for o in outputs} == {"apertium eng-spa"}
    args = ["-z", "-f", "none", "-d", str(modes.parent), "-u", "eng-spa"]
    assert calls(tmp_path) == [{"args": args, "segments": 3}]


@pytest.mark.anyio
async def test_mark_unknown_drops_the_u_flag(tmp_path: Path) -> None:
    engine = engine_with(
        modes_dir(tmp_path, "eng-spa"), standin(tmp_path, ECHO.format(transform="")),
        mark_unknown="true",
    )  # fmt: skip
    await texts(engine, ["one"], EN_ES)
    assert "-u" not in calls(tmp_path)[0]["args"]


@pytest.mark.anyio
async def test_misaligned_output_falls_back_to_one_call_per_segment(tmp_path: Path) -> None:
    script = standin(tmp_path, ECHO.format(transform=SWAP_FIRST_TWO))
    engine = engine_with(modes_dir(tmp_path, "eng-spa"), script)
    sources = [f"segment {n}" for n in range(4)]
    assert await texts(engine, sources, EN_ES) == sources
    assert [call["segments"] for call in calls(tmp_path)] == [4, 1, 1, 1, 1]


class SmallBatchEngine(ApertiumEngine):
    """An engine with tiny batch limits, to exercise chunking."""

    max_batch_segments = 7
    max_batch_chars = 60


@pytest.mark.anyio
async def test_large_batches_are_chunked_in_order(tmp_path: Path) -> None:
    config = EngineConfig(
        options={
            "modes_dir": str(modes_dir(tmp_path, "eng-spa")),
            "apertium_bin": str(standin(tmp_path, ECHO.format(transform=""))),
        }
    )
    sources = [f"s{n}" for n in range(10, 30)] + ["x" * 100] + ["segment 1", "segment 2"]
    assert await texts(SmallBatchEngine(config), sources, EN_ES) == sources
    # 7 segments at most; a chunk ends before 60 characters are passed (a long text goes alone).
    assert [call["segments"] for call in calls(tmp_path)] == [7, 7, 6, 1, 2]


@pytest.mark.anyio
async def test_non_zero_exit_is_an_engine_error_with_stderr(tmp_path: Path) -> None:
    engine = engine_with(modes_dir(tmp_path, "eng-spa"), standin(tmp_path, FAIL))
    with pytest.raises(EngineError, match=r"exit status 3.*Mode eng-spa does not exist"):
        await texts(engine, ["Hello"], EN_ES)


@pytest.mark.anyio
async def test_timeout_kills_the_call(tmp_path: Path) -> None:
    modes = modes_dir(tmp_path, "eng-spa")
    config = EngineConfig(
        timeout=0.5,
        options={"modes_dir": str(modes), "apertium_bin": str(standin(tmp_path, HANG))},
    )
    started = time.monotonic()
    with pytest.raises(EngineTimeoutError):
        await texts(ApertiumEngine(config), ["Hello"], EN_ES)
    assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_missing_binary_raises_unavailable(tmp_path: Path) -> None:
    engine = engine_with(modes_dir(tmp_path, "eng-spa"), tmp_path / "no-apertium")
    with pytest.raises(EngineUnavailableError, match="apt-get install apertium"):
        await texts(engine, ["Hello"], EN_ES)


@pytest.mark.anyio
async def test_empty_batch_makes_no_call(tmp_path: Path) -> None:
    engine = engine_with(modes_dir(tmp_path, "eng-spa"), standin(tmp_path, FAIL))
    assert await engine.translate_batch([], EN_ES) == []
    assert calls(tmp_path) == []


# --- the real Apertium -----------------------------------------------------------------------


@pytest.mark.apertium
@requires_apertium
class TestApertiumContract(EngineContract):
    """The shared engine contract, on the real eng-spa pair."""

    @pytest.fixture
    def engine(self) -> ApertiumEngine:
        return ApertiumEngine()

    @pytest.fixture
    def translation_request(self) -> TranslationRequest:
        return EN_ES


@pytest.mark.apertium
@requires_apertium
def test_real_discovery_finds_eng_spa() -> None:
    engine = ApertiumEngine()
    assert ApertiumEngine.availability(engine.config).usable
    assert "eng-spa" in {p.mode for p in engine.pairs}
    assert engine.supports_pair(ENGLISH, SPANISH)
    assert not engine.supports_pair(ENGLISH, FRENCH)
    assert {"en", "es"} <= engine.supported_languages()


@pytest.mark.anyio
@pytest.mark.apertium
@requires_apertium
async def test_real_sentences_come_back_in_spanish() -> None:
    sources = ["The house is big.", "My dog sleeps in the garden.", "I have a red car."]
    outputs = await texts(ApertiumEngine(), sources, EN_ES)
    assert {"casa", "grande"} <= words(outputs[0])
    assert {"perro", "jardín"} <= words(outputs[1])
    assert {"coche", "rojo"} <= words(outputs[2])
    assert all(o != s for o, s in zip(outputs, sources, strict=True))


@pytest.mark.anyio
@pytest.mark.apertium
@requires_apertium
async def test_spanish_to_english_uses_the_plain_mode() -> None:
    request = TranslationRequest(target=ENGLISH, source=SPANISH)
    [output] = await ApertiumEngine().translate_batch([Segment("La casa es grande.")], request)
    assert output.model == "apertium spa-eng"
    assert {"house", "big"} <= words(output.text)


NUMBERED_TEMPLATES = (
    "I bought {n} apples at the market.",
    "The train leaves at {n} in the morning.",
    "She has {n} books on her desk.",
    "We waited {n} minutes for the bus.",
    "There are {n} houses in the village.",
)


def numbered(count: int) -> list[str]:
    """Return ``count`` sentences, each carrying its own index as its only number."""
    return [NUMBERED_TEMPLATES[n % len(NUMBERED_TEMPLATES)].format(n=n + 100) for n in range(count)]


@pytest.mark.anyio
@pytest.mark.apertium
@requires_apertium
async def test_order_is_kept_for_a_large_batch() -> None:
    outputs = await texts(ApertiumEngine(), numbered(60), EN_ES)
    assert len(outputs) == 60
    for n, output in enumerate(outputs):
        assert re.findall(r"\d+", output) == [str(n + 100)], output


@pytest.mark.anyio
@pytest.mark.apertium
@requires_apertium
async def test_newlines_and_edge_whitespace_are_kept() -> None:
    sources = [
        "  The house is big.  ",
        "\nThe dog\nis black.\n\nThe cat is white.\n",
        "\t",
        "",
        "He said hello.",  # Apertium drops "He" and would start with a space
    ]
    outputs = await texts(ApertiumEngine(), sources, EN_ES)
    assert re.fullmatch(r"  La casa \w+ grande\.  ", outputs[0]), outputs[0]
    assert re.fullmatch(r"\nEl perro\n[^\n]+\.\n\n[^\n]+\.\n", outputs[1]), outputs[1]
    assert outputs[2:4] == ["\t", ""]
    assert outputs[4] == outputs[4].strip() != ""


async def apertium_cli(text: str) -> str:
    """Translate ``text`` alone with the plain ``apertium -u eng-spa`` command (txt format)."""
    result = await anyio.run_process(["apertium", "-u", "eng-spa"], input=text.encode())
    return result.stdout.decode()


@pytest.mark.anyio
@pytest.mark.apertium
@requires_apertium
async def test_batch_matches_apertium_txt_format_on_tricky_text() -> None:
    outputs = await texts(ApertiumEngine(), TRICKY, EN_ES)
    for source, output in zip(TRICKY, outputs, strict=True):
        assert output == (await apertium_cli(source)).strip(), source
