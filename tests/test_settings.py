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


def test_dispatch_settings_from_the_config_file_with_lists(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        "[engines.openai]\n"
        'base_url = "http://a/v1"\n'
        'base_urls = ["http://b/v1", "http://c/v1"]\n'
        'api_keys = ["sk-1", "sk-2"]\n'
        "concurrency = 64\n"
        "rpm = 60\n"
        "tpm = 35000\n"
        "retries = 3\n"
        "backoff = 0.25\n"
        "circuit_threshold = 7\n"
        "circuit_reset = 12.5\n"
        'fallback = "local"\n',
        encoding="utf-8",
    )
    config = load_settings({"LINGOFLOW_HOME": str(tmp_path)}).engine_config("openai")
    assert config.all_base_urls == ("http://a/v1", "http://b/v1", "http://c/v1")
    assert config.api_keys == ("sk-1", "sk-2")
    assert (config.concurrency, config.rpm, config.tpm, config.retries) == (64, 60, 35000, 3)
    assert (config.backoff, config.circuit_threshold, config.circuit_reset) == (0.25, 7, 12.5)
    assert config.fallback == "local"
    assert config.options == {}
    assert "sk-1" not in repr(config)


def test_plural_environment_variables_hold_comma_separated_keys_and_urls(
    tmp_path: Path,
) -> None:
    env = {
        "LINGOFLOW_HOME": str(tmp_path),
        "DASHSCOPE_API_KEY": "sk-main",
        "DASHSCOPE_API_KEYS": "sk-a, sk-b,,sk-main",
        "LINGOFLOW_QWEN_MT_RPM": "60",
        "LINGOFLOW_QWEN_MT_TPM": "100000",
        "LINGOFLOW_QWEN_MT_FALLBACK": "local",
        "LINGOFLOW_OPENAI_BASE_URLS": "http://x/v1,http://y/v1",
        "LINGOFLOW_OPENAI_API_KEYS": "k1,k2",
        "LINGOFLOW_OPENAI_CONCURRENCY": "32",
    }
    settings = load_settings(env)
    qwen = settings.engine_config("qwen-mt")
    assert qwen.all_api_keys == ("sk-main", "sk-a", "sk-b")  # the single key stays first
    assert (qwen.rpm, qwen.tpm, qwen.fallback) == (60, 100000, "local")
    openai = settings.engine_config("openai", concurrency=4, rpm=None)
    assert openai.all_base_urls == ("http://x/v1", "http://y/v1")
    assert openai.api_keys == ("k1", "k2")
    assert openai.concurrency == 4  # the flag wins over the environment
    assert openai.rpm is None


def test_a_non_numeric_rate_limit_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({"LINGOFLOW_HOME": str(tmp_path), "LINGOFLOW_OPENAI_RPM": "lots"})
    with pytest.raises(ConfigurationError, match="Invalid setting rpm for engine 'openai'"):
        settings.engine_config("openai")
