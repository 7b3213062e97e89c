"""A real local OpenAI-compatible chat server in its own process, for dispatch tests and benches.

:class:`FakeOpenAIServer` starts this file as a child process (so the server never competes
with the client's event loop and can use the other core) serving ``POST /v1/chat/completions``
on asyncio streams: just enough HTTP/1.1 (keep-alive, ``Content-Length`` bodies) for hundreds
of requests to be held at once. Only 127.0.0.1 is bound. Behaviour, set by flags and changed
live with ``POST /v1/control``:

- ``latency``: seconds before each answer.
- ``failure_rate`` / ``failures`` / ``seed``: that share of requests, drawn by a seeded random
  generator, fails with one of the kinds: ``server_error`` (500), ``rate_limit`` (429 with
  ``Retry-After: retry_after``), ``stall`` (no answer for ``stall`` seconds, then the
  connection is closed), ``disconnect`` (closed without an answer), ``malformed_json`` (200
  with a truncated JSON body).
- ``limit`` / ``window``: at most ``limit`` requests accepted in any ``window`` seconds (by
  arrival); the rest get 429 with ``Retry-After`` (seconds until the oldest leaves the window).
- ``keys``: the accepted ``Authorization: Bearer`` keys (empty: any, or none); others get 401.
- ``models``: the served model names (empty: any name, as llama.cpp's server); others get 404,
  as vLLM answers.
- ``inject``: failure kinds for the next requests, one each, before any random failure.

It "translates" deterministically: ``[<Target>] <SEGMENT IN CAPITALS>``, the segment being the
user message after its last blank line (where lingoflow's prompt puts it) and the target the
language named in the prompt's first line; a Qwen-MT body (``translation_options``) is read
as DashScope's wire format instead. ``usage`` counts whitespace-separated words.

``GET /v1/stats`` returns counters (``calls``, ``ok``, ``failed`` by kind, ``rate_limited``,
``unauthorized``, ``max_in_flight``); ``GET /v1/log`` every request with its arrival time
(seconds since the server started, server clock), status, kind, key and segment;
``POST /v1/reset`` forgets both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter, deque
from types import TracebackType
from typing import Any, Self

__all__ = ["FAILURE_KINDS", "FakeOpenAIServer", "fake_translation"]

FAILURE_KINDS = ("server_error", "rate_limit", "stall", "disconnect", "malformed_json")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
_REASONS |= {429: "Too Many Requests", 500: "Internal Server Error"}
_TARGET = re.compile(r"\bto ([^\n.]+)\.")


def fake_translation(segment: str, target: str) -> str:
    """The fake's answer for ``segment`` into ``target`` (an English language name)."""
    return f"[{target}] {segment.upper()}"


class FakeOpenAIServer:
    """Run the fake in a child process: ``with FakeOpenAIServer(latency=0.01) as server:``.

    Keyword arguments are the settings described in the module docstring.
    """

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The API root, as the ``openai`` engine's ``base_url`` expects it."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Self:
        """Start the child process and wait until it has bound its port."""
        command = [sys.executable, __file__, "--settings", json.dumps(self.settings)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"The fake OpenAI server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        """Stop the child process."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()

    def stats(self) -> dict[str, Any]:
        """Return the counters."""
        result: dict[str, Any] = self._call("GET", "stats")
        return result

    def log(self) -> list[dict[str, Any]]:
        """Return every request received since the start or the last reset."""
        result: list[dict[str, Any]] = self._call("GET", "log")
        return result

    def reset(self) -> None:
        """Forget the counters and the log."""
        self._call("POST", "reset", {})

    def control(self, **settings: Any) -> None:
        """Change settings while running (``failure_rate=1.0``, ``limit=None`` ...)."""
        self._call("POST", "control", settings)

    def _call(self, method: str, route: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.base_url}/{route}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _Reply:
    """What to do with one request: answer (status, headers, body) or an action."""

    def __init__(
        self,
        status: int = 200,
        payload: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        action: str = "answer",
    ) -> None:
        self.status = status
        self.body = raw if raw is not None else json.dumps(payload).encode()
        self.headers = headers or {}
        self.action = action


class ChatApp:
    """The server side: settings, counters, the request log and the answers."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.latency = 0.0
        self.failure_rate = 0.0
        self.failures: list[str] = list(FAILURE_KINDS)
        self.retry_after = 1.0
        self.stall = 30.0
        self.limit: int | None = None
        self.window = 60.0
        self.keys: list[str] = []
        self.models: list[str] = []
        self.injected: deque[str] = deque()
        self.random = random.Random(0)
        self.started = time.monotonic()
        self.configure(settings)
        self.reset()

    def configure(self, settings: dict[str, Any]) -> None:
        for name, value in settings.items():
            if name == "seed":
                self.random = random.Random(value)
            elif name in ("latency", "failure_rate", "retry_after", "stall", "window"):
                setattr(self, name, float(value))
            elif name in ("failures", "keys", "models"):
                setattr(self, name, list(value))
            elif name == "inject":
                self.injected.extend(value)
            elif name == "limit":
                self.limit = None if value is None else int(value)
            else:
                raise ValueError(f"unknown setting {name!r}")

    def reset(self) -> None:
        self.stats: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.log: list[dict[str, Any]] = []
        self.accepted: deque[float] = deque()
        self.in_flight = self.max_in_flight = 0

    async def serve(self, port: int = 0) -> None:
        """Serve forever on 127.0.0.1:``port``; print ``PORT <n>`` once bound."""
        server = await asyncio.start_server(self._connection, "127.0.0.1", port, backlog=1024)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one keep-alive connection until either side closes it."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                reply = await self._handle(method, path.rstrip("/"), headers, body)
                if reply.action == "stall":
                    await asyncio.sleep(self.stall)
                if reply.action != "answer":
                    break
                extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
                writer.write(
                    f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(reply.body)}\r\n"
                    f"{extra}\r\n".encode()
                    + reply.body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass  # the client closed the connection
        finally:
            writer.close()

    async def _handle(self, method: str, route: str, headers: dict[str, str], raw: bytes) -> _Reply:
        if route == "/v1/stats":
            return _Reply(payload=self._stats())
        if route == "/v1/log":
            return _Reply(payload=self.log)
        if route == "/v1/reset":
            self.reset()
            return _Reply(payload={})
        if route == "/v1/control":
            self.configure(json.loads(raw))
            return _Reply(payload={})
        if method != "POST" or route != "/v1/chat/completions":
            return _Reply(404, {"error": {"message": f"No route {method} {route}"}})
        return await self._chat(headers, raw)

    async def _chat(self, headers: dict[str, str], raw: bytes) -> _Reply:
        arrived = time.monotonic()
        self.stats["calls"] += 1
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            body = json.loads(raw)
            segment, target = _read_body(body)
        except (ValueError, KeyError, IndexError, TypeError):
            return self._record(arrived, key, "", "bad_request", _error(400, "Bad body."))
        if self.keys and key not in self.keys:
            reply = _error(401, "Incorrect API key provided.")
            return self._record(arrived, key, segment, "unauthorized", reply)
        if self.models and body.get("model") not in self.models:
            reply = _error(404, f"The model `{body.get('model')}` does not exist.")
            return self._record(arrived, key, segment, "bad_request", reply)
        wait = self._window_wait(arrived)
        if wait > 0:
            reply = _error(429, "Rate limit reached.", retry_after=wait)
            return self._record(arrived, key, segment, "rate_limited", reply)
        self.accepted.append(arrived)
        if self.injected:
            kind = self.injected.popleft()
            return self._record(arrived, key, segment, kind, self._failure(kind))
        if self.failure_rate and self.random.random() < self.failure_rate:
            kind = self.random.choice(self.failures)
            return self._record(arrived, key, segment, kind, self._failure(kind))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        answer = fake_translation(segment, target)
        reply = _Reply(payload=_completion(str(body.get("model", "default")), answer, segment))
        return self._record(arrived, key, segment, "ok", reply)

    def _window_wait(self, now: float) -> float:
        """Seconds until one more request fits the enforced window (0: it fits now)."""
        if self.limit is None:
            return 0.0
        while self.accepted and self.accepted[0] <= now - self.window:
            self.accepted.popleft()
        if len(self.accepted) < self.limit:
            return 0.0
        return self.accepted[0] + self.window - now

    def _failure(self, kind: str) -> _Reply:
        if kind == "server_error":
            return _error(500, "The server had an error while processing your request.")
        if kind == "rate_limit":
            return _error(429, "Rate limit reached.", retry_after=self.retry_after)
        if kind == "malformed_json":
            return _Reply(raw=b'{"id": "chatcmpl-broken", "choices": [{"message": ')
        return _Reply(action=kind)  # stall, disconnect

    def _record(self, arrived: float, key: str, segment: str, kind: str, reply: _Reply) -> _Reply:
        self.log.append(
            {
                "t": arrived - self.started,
                "status": reply.status if reply.action == "answer" else 0,  # 0: no answer
                "kind": kind,
                "key": key,
                "segment": segment,
            }
        )
        if kind == "ok":
            self.stats["ok"] += 1
        elif kind in ("rate_limited", "unauthorized", "bad_request"):
            self.stats[kind] += 1
        else:
            self.failed[kind] += 1
        return reply

    def _stats(self) -> dict[str, Any]:
        names = ("calls", "ok", "rate_limited", "unauthorized", "bad_request")
        return {
            **{name: self.stats[name] for name in names},
            "failed": dict(self.failed),
            "max_in_flight": self.max_in_flight,
        }


def _read_body(body: dict[str, Any]) -> tuple[str, str]:
    """Return (segment, target language name) from an OpenAI or a Qwen-MT body."""
    content = body["messages"][-1]["content"]
    if not isinstance(content, str):
        raise TypeError("content must be a string")
    options = body.get("translation_options")
    if isinstance(options, dict):
        return content, str(options["target_lang"])
    target = _TARGET.search(content)
    return content.rsplit("\n\n", 1)[-1], target.group(1) if target else "?"


def _error(status: int, message: str, *, retry_after: float | None = None) -> _Reply:
    headers = {"Retry-After": f"{retry_after:.3f}"} if retry_after is not None else {}
    return _Reply(status, {"error": {"message": message, "code": status}}, headers=headers)


def _completion(model: str, text: str, prompt: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = len(prompt.split()), len(text.split())
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def main() -> None:
    """Serve until terminated (the child process side of :class:`FakeOpenAIServer`)."""
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible chat server")
    parser.add_argument("--settings", default="{}", help="JSON object of settings")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(ChatApp(json.loads(args.settings)).serve(args.port))


if __name__ == "__main__":
    main()
