"""lingoflow: a self-hosted multilingual translation workflow engine.

The public API is what ``__all__`` lists; ``tests/test_public_api.py`` pins it.

>>> from lingoflow import Translator                       # doctest: +SKIP
>>> with Translator("local") as translator:
...     print(translator.translate("Hello!", to="es").text)
"""

from lingoflow.engines.base import Availability, Engine, EngineConfig
from lingoflow.engines.registry import create_engine, engine_names, register
from lingoflow.errors import LingoflowError
from lingoflow.languages import Language, all_languages, resolve
from lingoflow.translator import Translator
from lingoflow.types import (
    Detection,
    EngineOutput,
    Example,
    GlossaryEntry,
    Provenance,
    Segment,
    Term,
    Translation,
    TranslationRequest,
    Usage,
)

__version__ = "0.1.0"

__all__ = [
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
]
