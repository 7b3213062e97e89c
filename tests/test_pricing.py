"""The price table: defaults from the Qwen-MT reference, overrides from the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingoflow.errors import ConfigurationError
from lingoflow.pricing import (
    DEFAULT_PRICES,
    Price,
    cost_usd,
    estimated_output_tokens,
    format_usd,
    price_for,
    price_table,
)
from lingoflow.settings import load_settings


def test_defaults_are_the_international_prices() -> None:
    assert DEFAULT_PRICES["qwen-mt-plus"] == Price(2.46, 7.37)
    assert DEFAULT_PRICES["qwen-mt-flash"] == Price(0.16, 0.49)
    assert DEFAULT_PRICES["qwen-mt-turbo"] == Price(0.16, 0.49)
    assert DEFAULT_PRICES["qwen-mt-lite"] == Price(0.12, 0.36)


def test_cost_and_output_estimate() -> None:
    assert estimated_output_tokens(10) == 12
    assert estimated_output_tokens(11) == 14  # 13.2 rounded up
    assert cost_usd(Price(2.0, 8.0), 1_000_000, 500_000) == pytest.approx(6.0)


def test_config_file_overrides_prices(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[prices.qwen-mt-plus]\ninput = 3\noutput = 9.5\n"
        "[prices.qwen-mt-lite]\noutput = 0.5\n"
        "[prices.my-model]\ninput = 1\noutput = 2\n",
        encoding="utf-8",
    )
    settings = load_settings({"LINGOFLOW_HOME": str(tmp_path)}, config)

    table = price_table(settings.prices)

    assert table["qwen-mt-plus"] == Price(3.0, 9.5)
    assert table["qwen-mt-lite"] == Price(0.12, 0.5)
    assert table["qwen-mt-flash"] == DEFAULT_PRICES["qwen-mt-flash"]
    assert table["my-model"] == Price(1.0, 2.0)


@pytest.mark.parametrize(
    "text",
    [
        'prices = "cheap"\n',
        '[prices.qwen-mt-plus]\ninput = "a lot"\n',
        "[prices.qwen-mt-plus]\ninput = -1\n",
    ],
)
def test_bad_price_config_is_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_settings({"LINGOFLOW_HOME": str(tmp_path)}, config)


def test_price_table_refuses_unknown_keys_and_half_new_models() -> None:
    with pytest.raises(ConfigurationError):
        price_table({"qwen-mt-plus": {"inputs": 1.0}})
    with pytest.raises(ConfigurationError):
        price_table({"new-model": {"input": 1.0}})


@pytest.mark.parametrize(
    ("model", "price"),
    [
        pytest.param("qwen-mt-plus", DEFAULT_PRICES["qwen-mt-plus"], id="exact"),
        pytest.param("qwen-mt-plus-2025-07-28", DEFAULT_PRICES["qwen-mt-plus"], id="dated"),
        pytest.param("qwen-mt-lite-us", Price(9.0, 9.0), id="longest-prefix"),
        pytest.param("qwen-mt-plusplus", None, id="not-a-variant"),
        pytest.param("qwen2.5-0.5b", None, id="local-model"),
    ],
)
def test_price_for_finds_a_model_or_the_model_it_is_a_variant_of(
    model: str, price: Price | None
) -> None:
    table = {**DEFAULT_PRICES, "qwen-mt-lite-us": Price(9.0, 9.0)}
    assert price_for(model, table) == price
    assert price_for("qwen-mt-lite-us-2026", table) == Price(9.0, 9.0)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        pytest.param(1234.5, "$1,234.50", id="dollars"),
        pytest.param(1.0, "$1.00", id="one"),
        pytest.param(0.00042, "$0.0004", id="fractions"),
        pytest.param(0.0, "$0.0000", id="zero"),
    ],
)
def test_format_usd(amount: float, text: str) -> None:
    assert format_usd(amount) == text
