"""Settings: defaults < config file < environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError
from lingoflow.settings import load_settings


def test_defaults_use_local_engine_and_given_home(tmp_path: Path) -> None:
    settings = load_settings({"LINGOFLOW_HOME": str(tmp_path)})
    assert settings.engine == "local"
    assert settings.home == tmp_path
    assert settings.engine_config("local").home == str(tmp_path)


def test_environment_overrides_config_file_and_flags_override_environment(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'engine = "openai"\n'
        "[engines.qwen-mt]\n"
        'model = "qwen-mt-plus"\n'
        'region = "beijing"\n'
        "[engines.openai]\n"
        'base_url = "http://from-file/v1"\n'
        "timeout = 5\n",
        encoding="utf-8",
    )
    env = {
        "LINGOFLOW_HOME": str(tmp_path),
        "DASHSCOPE_API_KEY": "sk-secret",
        "LINGOFLOW_QWEN_MT_MODEL": "qwen-mt-turbo",
        "LINGOFLOW_OPENAI_BASE_URL": "http://from-env/v1",
    }
    settings = load_settings(env)
    assert settings.engine == "openai"
    qwen = settings.engine_config("qwen-mt")
    assert (qwen.model, qwen.api_key, qwen.options["region"]) == (
        "qwen-mt-turbo",
        "sk-secret",
        "beijing",
    )
    assert "sk-secret" not in repr(qwen)
    openai = settings.engine_config("openai", base_url="http://from-flag/v1", model=None)
    assert openai.base_url == "http://from-flag/v1"
    assert openai.timeout == 5.0


def test_invalid_config_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("engine = \n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings({"LINGOFLOW_HOME": str(tmp_path)})


def test_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings({"LINGOFLOW_CONFIG": str(tmp_path / "nope.toml")})


def test_non_numeric_timeout_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({"LINGOFLOW_HOME": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="Invalid setting"):
        settings.engine_config("openai", timeout="soon")
