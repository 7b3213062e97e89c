"""The dispatch layer: concurrency, rate limits, retries, key/endpoint pools around an engine.

Engines only speak their wire format; everything about *how often, how many at once, with
which key, and what if it fails* lives here, around them:

- :mod:`~lingoflow.dispatch.engine`: ``DispatchingEngine``, one request per segment, run
  concurrently, in order or as they finish;
- :mod:`~lingoflow.dispatch.adaptive`: the concurrency limit, halved on 429s, regained slowly;
- :mod:`~lingoflow.dispatch.ratelimit`: requests and tokens per minute, per key and model,
  over a sliding window;
- :mod:`~lingoflow.dispatch.retry`: which errors are retried, exponential backoff with jitter,
  ``Retry-After`` honoured (tenacity);
- :mod:`~lingoflow.dispatch.pool` and :mod:`~lingoflow.dispatch.breaker`: several keys and
  base URLs, least-loaded choice, rejected keys taken out, failing endpoints rested and probed;
- :mod:`~lingoflow.dispatch.factory`: ``build_engine``, which wraps the engines that opt in.
"""

from lingoflow.dispatch.adaptive import AdaptiveLimit
from lingoflow.dispatch.breaker import CircuitBreaker
from lingoflow.dispatch.engine import DispatchingEngine, DispatchPolicy
from lingoflow.dispatch.factory import build_engine, is_dispatched, policy_for
from lingoflow.dispatch.pool import EndpointPool, Member
from lingoflow.dispatch.ratelimit import RateLimiter, RateLimits, estimate_tokens
from lingoflow.dispatch.retry import RetryPolicy, is_transient

__all__ = [
    "AdaptiveLimit",
    "CircuitBreaker",
    "DispatchPolicy",
    "DispatchingEngine",
    "EndpointPool",
    "Member",
    "RateLimiter",
    "RateLimits",
    "RetryPolicy",
    "build_engine",
    "estimate_tokens",
    "is_dispatched",
    "is_transient",
    "policy_for",
]
