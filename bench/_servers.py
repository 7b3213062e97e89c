"""Local servers for benches: an OpenAI-compatible chat endpoint with a fixed answer delay.

:class:`SlowChatServer` starts this file as a child process (so the server's CPU time is not
charged to the measured process's interpreter, and it can use the other core), which serves
``POST /v1/chat/completions`` on asyncio: just enough HTTP/1.1 (keep-alive,
``Content-Length`` bodies) for hundreds of requests to wait their delay at once. Every answer
is ``[<n>] <segment>``, the segment being the text after the prompt's last blank line (where
lingoflow's prompt puts it), with OpenAI-style ``usage`` in whitespace words.
``GET /v1/stats`` returns the completed calls and the peak in flight; ``POST /v1/stats/reset``
zeroes them. Only the standard library is used, and only 127.0.0.1 is bound.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from types import TracebackType
from typing import Any, Self

__all__ = ["ChatApp", "SlowChatServer"]

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


class SlowChatServer:
    """Run the chat server in a child process; use as ``with SlowChatServer(0.05) as s:``."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self._process: subprocess.Popen[str] | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        """The API root, as the ``openai`` engine's ``base_url`` expects it."""
        return f"http://127.0.0.1:{self._port}/v1"

    def start(self) -> Self:
        """Start the child process and wait until it has bound its port."""
        command = [sys.executable, __file__, "--delay", str(self.delay)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"The bench chat server did not start: {line!r}")
        self._port = int(line.split()[1])
        return self

    def stop(self) -> None:
        """Stop the child process."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=10)

    def stats(self) -> dict[str, int]:
        """Return ``calls`` (completed chat completions) and ``max_in_flight``."""
        with urllib.request.urlopen(f"{self.base_url}/stats", timeout=10) as response:
            stats: dict[str, int] = json.load(response)
        return stats

    def reset(self) -> None:
        """Zero the call count and the in-flight peak."""
        request = urllib.request.Request(f"{self.base_url}/stats/reset", data=b"{}")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ChatApp:
    """The server itself: answers chat completions after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.max_in_flight = 0
        self._in_flight = 0

    async def serve(self, port: int = 0) -> None:
        """Serve forever on 127.0.0.1:``port``; print ``PORT <n>`` once bound."""
        server = await asyncio.start_server(self._connection, "127.0.0.1", port, backlog=1024)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one keep-alive connection until the client closes it."""
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
                status, payload = await self._answer(method, path, body)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        route = path.rstrip("/")
        if route == "/v1/stats":
            return 200, {"calls": self.calls, "max_in_flight": self.max_in_flight}
        if route == "/v1/stats/reset":
            self.calls = self.max_in_flight = 0
            return 200, {}
        if method != "POST" or route != "/v1/chat/completions":
            return 404, {"error": {"message": f"No route {method} {path}"}}
        try:
            body = json.loads(raw)
            prompt = body["messages"][-1]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return 400, {"error": {"message": "Expected a chat completion body."}}
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self._in_flight -= 1
        self.calls += 1
        text = f"[{self.calls}] {prompt.rsplit(chr(10) * 2, 1)[-1]}"
        return 200, _completion(body.get("model", "default"), text, prompt)


def _completion(model: str, text: str, prompt: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = len(prompt.split()), len(text.split())
    return {
        "id": f"chatcmpl-bench-{time.monotonic_ns()}",
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
    """Serve until terminated (the child process side of :class:`SlowChatServer`)."""
    parser = argparse.ArgumentParser(description="OpenAI-compatible chat server with a delay")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(ChatApp(args.delay).serve(args.port))


if __name__ == "__main__":
    main()
