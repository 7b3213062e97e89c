"""One HTTP client for OpenAI-style ``/chat/completions`` servers, shared by remote engines.

Qwen-MT's compatible mode and every OpenAI-compatible server (vLLM, Ollama, llama.cpp's
server) speak the same request/response shape, so the transport, response parsing, SSE
streaming and the translation of foreign errors into :mod:`lingoflow.errors` live here once.
Engines only build request bodies and interpret content.

One connection pool per engine instance (per endpoint and key when the dispatch layer pools
several), created once and reused by every request (HTTP/1.1 keep-alive), never a client per
request. It keeps as many connections alive as requests may be in flight (``max_connections``,
the engine's concurrency), so a busy run never closes and reopens connections (httpx's default
keeps 20).

The pool is a few ``httpx.AsyncClient`` of at most :data:`CONNECTIONS_PER_CLIENT` connections
each, every request going to the least busy one. httpcore's pool bookkeeping costs the square
of its connection count on every request start and end (it scans every connection, and for
each idle one counts all of them again): with 64 connections in one client a request cost
11 ms of CPU and capped throughput near 35 requests a second; split over clients of 8 it costs
about 1.3 ms (measured against a local server answering in 200 ms).
"""

from __future__ import annotations

import json
import math
import ssl
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx

from lingoflow.errors import (
    EngineAuthError,
    EngineBadRequestError,
    EngineConnectionError,
    EngineHTTPError,
    EngineRateLimitedError,
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
)
from lingoflow.types import Usage

__all__ = ["CONNECTIONS_PER_CLIENT", "ChatCompletion", "ChatCompletionsClient", "parse_usage"]

CONNECTIONS_PER_CLIENT = 8
"""Connections per ``httpx.AsyncClient`` of one pool (see the module docstring for why)."""


@dataclass(frozen=True, slots=True)
class ChatCompletion:
    """The parts of a non-streamed chat completion lingoflow uses."""

    content: str
    model: str
    usage: Usage
    finish_reason: str | None = None


def parse_usage(payload: Mapping[str, Any] | None) -> Usage:
    """Read token counts from an OpenAI-style ``usage`` object (missing fields count as 0)."""
    if not payload:
        return Usage()
    return Usage(
        int(payload.get("prompt_tokens") or payload.get("input_tokens") or 0),
        int(payload.get("completion_tokens") or payload.get("output_tokens") or 0),
    )


class ChatCompletionsClient:
    """POST chat-completion bodies to ``{base_url}/chat/completions`` and read the answers.

    ``provider`` names the upstream in error messages; ``key_hint`` tells the user where the
    key comes from (for example ``"DASHSCOPE_API_KEY"``). ``max_connections`` bounds the open
    connections and is also how many are kept alive between requests. ``transport`` is the
    test seam (with one, the pool is a single client).
    """

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        api_key: str | None = None,
        key_hint: str = "the API key setting",
        timeout: float = 30.0,
        max_connections: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self.key_hint = key_hint
        wanted = max(1, max_connections)
        count = 1 if transport is not None else math.ceil(wanted / CONNECTIONS_PER_CLIENT)
        each = math.ceil(wanted / count)
        self._clients = [
            httpx.AsyncClient(
                base_url=self.base_url + "/",
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                limits=httpx.Limits(max_connections=each, max_keepalive_connections=each),
                transport=transport,
                verify=_ssl_context(),
            )
            for _ in range(count)
        ]
        self._busy = [0] * count

    async def complete(self, body: Mapping[str, Any]) -> ChatCompletion:
        """Send a non-streaming request and return its first choice."""
        try:
            with self._least_busy() as client:
                response = await client.post("chat/completions", json={**body, "stream": False})
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        self._raise_for_status(response)
        payload = self._json(response.text)
        try:
            choice = payload["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EngineResponseError(
                f"{self.provider} answered without a message: {response.text[:200]!r}"
            ) from exc
        if not isinstance(content, str):
            raise EngineResponseError(f"{self.provider} answered with empty content.")
        return ChatCompletion(
            content=content,
            model=str(payload.get("model") or body.get("model") or ""),
            usage=parse_usage(payload.get("usage")),
            finish_reason=choice.get("finish_reason"),
        )

    async def stream(self, body: Mapping[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """Send a streaming request; yield each server-sent ``data:`` chunk as parsed JSON."""
        with self._least_busy() as client:
            chunks = self._stream(client, body)
            try:
                async for chunk in chunks:
                    yield chunk
            finally:
                await chunks.aclose()  # release the connection when the caller stops early

    async def aclose(self) -> None:
        """Close the connection pool."""
        for client in self._clients:
            await client.aclose()

    @contextmanager
    def _least_busy(self) -> Iterator[httpx.AsyncClient]:
        """Lend the pool's client with the fewest requests in flight."""
        index = min(range(len(self._busy)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            yield self._clients[index]
        finally:
            self._busy[index] -= 1

    async def _stream(
        self, client: httpx.AsyncClient, body: Mapping[str, Any]
    ) -> AsyncGenerator[dict[str, Any], None]:
        request = client.build_request("POST", "chat/completions", json={**body, "stream": True})
        try:
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        try:
            if response.is_error:
                await response.aread()
                self._raise_for_status(response)
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                yield self._json(data)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        finally:
            await response.aclose()

    def _json(self, text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EngineResponseError(
                f"{self.provider} answered with invalid JSON: {text[:200]!r}"
            ) from exc
        if not isinstance(value, dict):
            raise EngineResponseError(f"{self.provider} answered with {text[:200]!r}.")
        return value

    def _transport_error(self, exc: httpx.HTTPError) -> Exception:
        if isinstance(exc, httpx.TimeoutException):
            return EngineTimeoutError(
                f"{self.provider} at {self.base_url} did not answer in time ({exc!r}). "
                "Retry later or raise the timeout."
            )
        return EngineConnectionError(
            f"Cannot reach {self.provider} at {self.base_url}: {exc}. "
            "Check the base URL and that the server is running."
        )

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _error_detail(response.text)
        where = f"{self.provider} (HTTP {status}: {detail})"
        if status in (401, 403):
            raise EngineAuthError(
                f"{where} rejected the API key. Check {self.key_hint}.",
                status_code=status,
                body=response.text,
            )
        if status == 429:
            raise EngineRateLimitedError(
                f"{where} is rate-limiting requests. Wait and retry, or lower the concurrency.",
                status_code=status,
                body=response.text,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise EngineServerError(
                f"{where} failed on its side. Retry later.", status_code=status, body=response.text
            )
        if status in (400, 404, 405, 413, 422):
            raise EngineBadRequestError(
                f"{where} rejected the request. Check the model name, base URL and input.",
                status_code=status,
                body=response.text,
            )
        raise EngineHTTPError(
            f"{where} answered with an error.", status_code=status, body=response.text
        )


@cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA store costs ~0.2 s per client otherwise."""
    return httpx.create_ssl_context()


def _error_detail(text: str) -> str:
    """Pull the human message out of an OpenAI- or DashScope-style error body."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()[:200] or "no body"
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            message = error.get("message") or error.get("code")
            if message:
                return str(message)[:300]
        elif isinstance(error, str):
            return error[:300]
    return text.strip()[:200]


def _retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header: seconds, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
