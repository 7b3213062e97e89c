"""Pin lingoflow's public API: adding or removing a name must be a deliberate change."""

from __future__ import annotations

import lingoflow


def test_exported_members_are_pinned() -> None:
    assert set(lingoflow.__all__) == {
        "Availability",
        "Detection",
        "Engine",
        "EngineConfig",
        "EngineOutput",
        "Example",
        "GlossaryEntry",
        "Language",
        "LingoflowError",
        "Provenance",
        "Segment",
        "Term",
        "Translation",
        "TranslationRequest",
        "Translator",
        "Usage",
        "__version__",
        "all_languages",
        "create_engine",
        "engine_names",
        "register",
        "resolve",
    }


def test_every_exported_member_exists_and_public_names_have_docstrings() -> None:
    for name in lingoflow.__all__:
        member = getattr(lingoflow, name)
        if callable(member):
            assert member.__doc__, f"{name} has no docstring"


def test_builtin_engines_are_registered_through_entry_points() -> None:
    assert {"qwen-mt", "openai", "local", "apertium"} <= set(lingoflow.engine_names())
