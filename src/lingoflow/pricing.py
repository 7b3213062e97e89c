"""Qwen-MT prices, for estimating what a run would cost and recording what it did cost.

Defaults are the international (Singapore) prices in US dollars per million tokens, input and
output, from Alibaba Cloud Model Studio's Qwen-MT documentation (qwen-mt-lite: US region).
Prices change: override them in the config file, one table per model::

    [prices.qwen-mt-plus]
    input = 2.46     # USD per million input tokens
    output = 7.37    # USD per million output tokens

Output tokens are not known before a run; they are estimated as the input tokens times
:data:`OUTPUT_RATIO` (a translation is usually somewhat longer than its source in tokens).

:func:`price_for` finds a model's price: its own entry, else that of the model it is a dated
or regional variant of (``qwen-mt-plus-2025-07-28`` costs what ``qwen-mt-plus`` costs). A model
with no price (a local model, a self-hosted server) costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from lingoflow.errors import ConfigurationError

__all__ = [
    "DEFAULT_PRICES",
    "OUTPUT_RATIO",
    "Price",
    "cost_usd",
    "estimated_output_tokens",
    "format_usd",
    "price_for",
    "price_table",
]

OUTPUT_RATIO = 1.2
"""Estimated output tokens per input token, for every language pair."""


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million input and per million output tokens."""

    input: float
    output: float


DEFAULT_PRICES: Mapping[str, Price] = {
    "qwen-mt-plus": Price(2.46, 7.37),
    "qwen-mt-flash": Price(0.16, 0.49),
    "qwen-mt-turbo": Price(0.16, 0.49),
    "qwen-mt-lite": Price(0.12, 0.36),
}


def price_table(overrides: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, Price]:
    """The default prices with ``overrides`` (model -> {"input", "output"}) applied.

    An override may give only one of ``input`` and ``output``; the other keeps its default.
    A model not in the defaults needs both.
    """
    table = dict(DEFAULT_PRICES)
    for model, values in (overrides or {}).items():
        unknown = set(values) - {"input", "output"}
        if unknown:
            raise ConfigurationError(
                f"[prices.{model}] accepts input and output only, not {', '.join(sorted(unknown))}."
            )
        base = table.get(model)
        if base is None and set(values) != {"input", "output"}:
            raise ConfigurationError(f"[prices.{model}] needs both input and output prices.")
        table[model] = Price(
            float(values.get("input", base.input if base else 0.0)),
            float(values.get("output", base.output if base else 0.0)),
        )
    return table


def estimated_output_tokens(input_tokens: int, ratio: float = OUTPUT_RATIO) -> int:
    """Output tokens expected for ``input_tokens`` of source, rounded up."""
    return math.ceil(input_tokens * ratio)


def cost_usd(price: Price, input_tokens: int, output_tokens: int) -> float:
    """The cost in US dollars of ``input_tokens`` in and ``output_tokens`` out at ``price``."""
    return (input_tokens * price.input + output_tokens * price.output) / 1_000_000


def price_for(model: str, prices: Mapping[str, Price]) -> Price | None:
    """The price of ``model`` (or of the longest priced model it is a variant of), or None."""
    if model in prices:
        return prices[model]
    bases = [name for name in prices if model.startswith(name + "-")]
    return prices[max(bases, key=len)] if bases else None


def format_usd(amount: float) -> str:
    """Write ``amount`` in dollars: cents from $1 up, four decimals below (tokens are cheap)."""
    return f"${amount:,.2f}" if abs(amount) >= 1 else f"${amount:.4f}"
