"""Canonical JSON, content hashes, signatures and segment keys."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

import lingoflow
from lingoflow.signature import Signature, canonical_json, content_hash, segment_key

SIGNATURE = Signature("qwen-mt", "qwen-mt-plus", "abc", "ui@3", "0.1.0")


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": [1, "é", None]}) == '{"a":[1,"é",null],"b":1}'


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


def test_content_hash_is_sha256_of_canonical_json_and_ignores_key_order() -> None:
    expected = hashlib.sha256('{"a":1,"b":"ü"}'.encode()).hexdigest()
    assert content_hash({"b": "ü", "a": 1}) == content_hash({"a": 1, "b": "ü"}) == expected


def test_create_hashes_options_and_stamps_the_running_version() -> None:
    signature = Signature.create("qwen-mt", "qwen-mt-flash", {"b": 2, "a": 1}, "ui@1")
    assert signature.options_hash == content_hash({"a": 1, "b": 2})
    assert signature.lingoflow_version == lingoflow.__version__
    assert Signature("e", "m").lingoflow_version == lingoflow.__version__
    assert Signature.create("e", "m").options_hash == ""


def test_signature_round_trips_through_json() -> None:
    assert Signature.from_json(SIGNATURE.to_json()) == SIGNATURE
    assert SIGNATURE.hash == content_hash(SIGNATURE.as_dict())
    assert str(SIGNATURE) == (
        "engine:qwen-mt|model:qwen-mt-plus|options_hash:abc|glossary_version:ui@3"
        "|lingoflow_version:0.1.0"
    )


def test_segment_key_is_stable_and_covers_text_languages_and_every_signature_field() -> None:
    key = segment_key("Hello", "en", "de", SIGNATURE)
    assert key == segment_key("Hello", "en", "de", Signature(*SIGNATURE.as_dict().values()))
    variants = [
        segment_key("Hello ", "en", "de", SIGNATURE),
        segment_key("Hello", "en", "fr", SIGNATURE),
        segment_key("Hello", "es", "de", SIGNATURE),
        *(
            segment_key("Hello", "en", "de", replace(SIGNATURE, **{name: "other"}))
            for name in SIGNATURE.as_dict()
        ),
    ]
    assert len({key, *variants}) == len(variants) + 1
    assert len(key) == 64
