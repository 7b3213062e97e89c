"""Offline language detection on real sentences (NTREX-128 sample) and on edge cases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lingoflow import detection
from lingoflow.detection import detect
from lingoflow.errors import InputError
from lingoflow.languages import all_languages

SAMPLE = Path(__file__).parent / "data" / "ntrex-sample"
# NTREX file stem -> Qwen-MT code of the language it is written in.
NTREX_CODES = {
    "arb": "ar", "deu": "de", "eng": "en", "fra": "fr", "hin": "hi", "ind": "id", "ita": "it",
    "jpn": "ja", "kor": "ko", "nld": "nl", "pol": "pl", "por": "pt", "rus": "ru", "spa": "es",
    "tha": "th", "tur": "tr", "ukr": "uk", "vie": "vi", "zho-CN": "zh", "zho-TW": "zh_tw",
}  # fmt: skip


def ntrex_sentences() -> list[tuple[str, str, str]]:
    """Return (case id, sentence, expected Qwen-MT code) for every sample sentence."""
    sentences = []
    for stem, code in NTREX_CODES.items():
        lines = (SAMPLE / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
        sentences += [(f"{stem}-{n}", line, code) for n, line in enumerate(lines, 21)]
    return sentences


def test_the_sample_is_complete() -> None:
    assert sorted(path.stem for path in SAMPLE.glob("*.txt")) == sorted(NTREX_CODES)
    assert len(ntrex_sentences()) == 5 * len(NTREX_CODES)


@pytest.mark.parametrize(
    ("text", "code"), [pytest.param(text, code, id=id_) for id_, text, code in ntrex_sentences()]
)
def test_detects_real_sentences(text: str, code: str) -> None:
    detection = detect(text)
    assert detection.language.code == code
    assert 0.4 < detection.confidence <= 1.0


def test_confident_on_real_sentences() -> None:
    confidences = [detect(text).confidence for _, text, _ in ntrex_sentences()]
    assert sum(confidences) / len(confidences) > 0.9


def test_the_identifier_is_built_once() -> None:
    detect("Ein Satz auf Deutsch.")
    detect("Une phrase en français.")
    assert detection._identifier.cache_info().currsize == 1
    assert detection._identifier.cache_info().misses <= 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # The same sentence in both scripts, then the other way round.
        pytest.param("这是一个关于语言检测的简单测试。", "zh", id="simplified"),
        pytest.param("這是一個關於語言檢測的簡單測試。", "zh_tw", id="traditional"),
        pytest.param("我们明天去图书馆看书。", "zh", id="simplified-library"),
        pytest.param("我們明天去圖書館看書。", "zh_tw", id="traditional-library"),
        # Written Cantonese is told by its own words, whatever the script.
        pytest.param("佢哋喺邊度食緊飯", "yue", id="cantonese"),
        pytest.param("我唔知你講緊乜嘢。可唔可以講多次", "yue", id="cantonese-question"),
        pytest.param("我哋聽日去睇戲啦", "yue", id="cantonese-plans"),
        # Model labels that differ from Qwen-MT codes.
        pytest.param(
            "Jeg liker å lese bøker om kvelden, spesielt når det regner ute.", "nb", id="bokmal"
        ),
    ],
)
def test_detects_chinese_variants_and_mapped_labels(text: str, code: str) -> None:
    assert detect(text).language.code == code


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\t ", id="whitespace"),
        pytest.param("!!! ... ???", id="punctuation"),
        pytest.param("「」。、…\uff01\uff1f", id="cjk-punctuation"),
        pytest.param("12 345,67 - 89%", id="digits"),
        pytest.param("🙂👍", id="emoji"),
    ],
)
def test_text_without_letters_raises(text: str) -> None:
    with pytest.raises(InputError, match="without letters"):
        detect(text)


@pytest.mark.parametrize(
    "text",
    [pytest.param("ok", id="two-letters"), pytest.param("x = f(y)", id="code")],
)
def test_every_answer_is_a_registry_language(text: str) -> None:
    detection = detect(text)
    assert detection.language in all_languages()
    assert 0.0 <= detection.confidence <= 1.0


def test_import_loads_no_model() -> None:
    code = (
        "import sys, lingoflow.detection\n"
        "print(sorted({'py3langid', 'hanzidentifier', 'cantonesedetect'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
