"""A local stand-in for DashScope's OpenAI-compatible chat endpoint, as strict as the real one.

:class:`FakeDashScope` runs a real HTTP server (stdlib ``ThreadingHTTPServer``, one thread per
request) on 127.0.0.1 with an ephemeral port, under ``/compatible-mode/v1`` like DashScope, so
engines are tested through their real HTTP client. It:

- rejects what DashScope rejects, with DashScope's status codes and error-body shape
  (``{"error": {"code", "message", "param", "type"}, "request_id"}``): a missing or wrong key
  (401 ``invalid_api_key``), an unknown model (404 ``model_not_found``), a system message (400
  ``invalid_parameter_error`` "Role must be in [user, assistant]."), more than one message,
  missing ``translation_options`` or languages, ``domains`` that is not a string, malformed
  ``terms``/``tm_list``. Where DashScope's exact wording is unknown the message is ours;
- "translates" deterministically (replaceable with ``translate=``): applies each term
  (source -> target) and prefixes the target language, ``"[German] Hallo world"``;
- counts tokens as whitespace-separated words (:func:`count_tokens`): prompt = content, terms,
  tm_list and domains (DashScope bills all of them as input); completion = the output;
- streams SSE ``chat.completion.chunk`` objects: deltas for flash/lite, the whole text so far for
  plus/turbo, a last chunk with ``choices: []`` and ``usage`` when ``include_usage`` is set, then
  ``data: [DONE]``;
- records every request it receives (``requests``, ``bodies``) and the peak number handled at
  once (``max_in_flight``);
- injects failures on demand (:meth:`FakeDashScope.inject`): 429 with ``Retry-After``, 500,
  malformed JSON, a hang, a dropped connection.

Invariants: the fake never reaches the network beyond 127.0.0.1, and ``stop`` releases every
hanging or delayed request before it returns.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self

__all__ = [
    "API_PREFIX",
    "DEFAULT_API_KEY",
    "DEFAULT_MODELS",
    "Failure",
    "FakeDashScope",
    "RecordedRequest",
    "count_tokens",
    "fake_translate",
]

API_PREFIX = "/compatible-mode/v1"
DEFAULT_API_KEY = "sk-fake-dashscope-key"
DEFAULT_MODELS: Mapping[str, Literal["cumulative", "delta"]] = {
    "qwen-mt-plus": "cumulative",
    "qwen-mt-flash": "delta",
    "qwen-mt-turbo": "cumulative",
    "qwen-mt-lite": "delta",
}

Failure = Literal["rate_limit", "server_error", "malformed_json", "hang", "disconnect"]
Translator = Callable[[str, Mapping[str, Any]], str]

_KEY_MESSAGE = (
    "Incorrect API key provided. For details, see: "
    "https://www.alibabacloud.com/help/en/model-studio/error-code#apikey-error"
)


def fake_translate(text: str, options: Mapping[str, Any]) -> str:
    """Apply each term (source -> target) and prefix the target language: ``[German] ...``."""
    for term in options.get("terms", ()):
        text = text.replace(term["source"], term["target"])
    return f"[{options['target_lang']}] {text}"


def count_tokens(text: str) -> int:
    """Count the fake's tokens: whitespace-separated words."""
    return len(text.split())


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the fake received it; ``body`` is parsed JSON, or raw text if not JSON."""

    path: str
    body: Any
    authorized: bool


@dataclass(frozen=True, slots=True)
class _Reply:
    """What the handler writes back; ``events`` (SSE data payloads) makes it a stream."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    events: tuple[str, ...] | None = None
    action: Literal["respond", "hang", "disconnect"] = "respond"


class DashScopeAPIError(Exception):
    """A rejection, answered with DashScope's compatible-mode error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.error_type = error_type
        self.headers = dict(headers or {})

    def reply(self) -> _Reply:
        """Return the HTTP reply carrying this error."""
        error = {"code": self.code, "param": None, "message": self.message, "type": self.error_type}
        payload = {"error": error, "id": _new_id(), "request_id": str(uuid.uuid4())}
        return _json_reply(payload, status=self.status, headers=self.headers)


def _invalid(message: str) -> DashScopeAPIError:
    return DashScopeAPIError(400, "invalid_parameter_error", message)


def _new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def _json_reply(
    payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _Reply(status=status, body=body, headers=dict(headers or {}))


def _failure_reply(failure: Failure, retry_after: float | None) -> _Reply:
    """Return the reply that simulates ``failure``."""
    if failure == "rate_limit":
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        message = "Requests rate limit exceeded, please try again later."
        error = DashScopeAPIError(
            429, "limit_requests", message, error_type="limit_requests", headers=headers
        )
        return error.reply()
    if failure == "server_error":
        message = (
            "An internal error has occured, please try again later or contact service support."
        )
        return DashScopeAPIError(
            500, "internal_error", message, error_type="internal_error"
        ).reply()
    if failure == "malformed_json":
        return _Reply(body=b'{"id": "chatcmpl-broken", "choices": [{"message": ')
    return _Reply(action=failure)


def _load_body(raw: bytes) -> dict[str, Any]:
    """Parse the request body or reject it as DashScope does."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    return body


def _check_model(body: Mapping[str, Any], models: Mapping[str, str]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _invalid("Field required: model")
    if model not in models:
        raise DashScopeAPIError(
            404,
            "model_not_found",
            f"The model `{model}` does not exist or you do not have access to it.",
        )
    return model


def _check_messages(body: Mapping[str, Any]) -> str:
    """Return the one user message's content; reject any other conversation shape."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("Field required: messages")
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    if any(role not in ("user", "assistant") for role in roles):
        raise _invalid("Role must be in [user, assistant].")
    if roles != ["user"]:
        raise _invalid("Qwen-MT accepts exactly one user message: no multi-turn conversation.")
    content = messages[0].get("content")
    if not isinstance(content, str) or not content.strip():
        raise _invalid("The user message content must be a non-empty string.")
    return content


def _check_options(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``translation_options`` if it has the shape Qwen-MT requires."""
    options = body.get("translation_options")
    if not isinstance(options, dict):
        raise _invalid("Field required: translation_options")
    for name in ("source_lang", "target_lang"):
        if not isinstance(options.get(name), str) or not options[name].strip():
            raise _invalid(f"Field required: translation_options.{name}")
    if "domains" in options and not isinstance(options["domains"], str):
        raise _invalid("translation_options.domains: Input should be a valid string")
    for name in ("terms", "tm_list"):
        if name in options:
            _check_pairs(name, options[name])
    return options


def _check_pairs(name: str, value: Any) -> None:
    if not isinstance(value, list) or not all(_is_pair(item) for item in value):
        raise _invalid(f"translation_options.{name}: Input should be a list of source/target pairs")


def _is_pair(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("source"), str)
        and isinstance(item.get("target"), str)
    )


def _prompt_tokens(content: str, options: Mapping[str, Any]) -> int:
    pairs = [*options.get("terms", ()), *options.get("tm_list", ())]
    extra = " ".join(f"{p['source']} {p['target']}" for p in pairs)
    return count_tokens(content) + count_tokens(extra) + count_tokens(options.get("domains", ""))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeDashScope) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up (timeout test): nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with fake.tracking():
            reply = fake.handle(self.path, self.headers.get("Authorization"), raw)
            self._send(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _send(self, reply: _Reply) -> None:
        if reply.action == "hang":
            self.server.fake.wait(self.server.fake.hang_seconds)
            return
        if reply.action == "disconnect":
            return  # close without a status line
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.events is None:
            self._send_body(reply.body)
        else:
            self._send_events(reply.events)

    def _send_body(self, body: bytes) -> None:
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_events(self, events: tuple[str, ...]) -> None:
        self.send_header("Content-Type", "text/event-stream;charset=UTF-8")
        self.end_headers()
        for data in events:
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()


class FakeDashScope:
    """A strict local DashScope (compatible mode); use as ``with FakeDashScope() as fake:``.

    ``models`` maps each accepted model to its stream mode; ``translate`` makes the output from
    the content and ``translation_options``; ``chunk_size`` is the characters per stream chunk;
    ``latency`` (seconds, or a function of the content) delays every answer; ``hang_seconds`` is
    how long an injected hang lasts at most.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        models: Mapping[str, Literal["cumulative", "delta"]] = DEFAULT_MODELS,
        translate: Translator = fake_translate,
        chunk_size: int = 4,
        latency: float | Callable[[str], float] = 0.0,
        hang_seconds: float = 30.0,
    ) -> None:
        self.api_key = api_key
        self.models = dict(models)
        self.translate = translate
        self.chunk_size = max(1, chunk_size)
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.max_in_flight = 0
        self._in_flight = 0
        self._requests: list[RecordedRequest] = []
        self._failures: deque[tuple[Failure, float | None]] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("FakeDashScope is not running: call start() or use `with`.")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The compatible-mode base URL, as an engine's ``base_url`` setting expects it."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def bodies(self) -> list[Any]:
        """The bodies of every request received so far."""
        return [request.body for request in self.requests]

    def start(self) -> Self:
        """Start serving in a background thread."""
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def inject(self, failure: Failure, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests with ``failure`` instead of a translation."""
        with self._lock:
            self._failures.extend([(failure, retry_after)] * times)

    def reset(self) -> None:
        """Forget recorded requests, pending failures and the in-flight peak."""
        with self._lock:
            self._requests.clear()
            self._failures.clear()
            self.max_in_flight = 0

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when the server stops."""
        self._stopping.wait(seconds)

    @contextmanager
    def tracking(self) -> Iterator[None]:
        """Count one request in flight while the block runs."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def handle(self, path: str, authorization: str | None, raw: bytes) -> _Reply:
        """Record one request and return the reply DashScope would give."""
        authorized = authorization == f"Bearer {self.api_key}"
        self._record(RecordedRequest(path, _parse_or_raw(raw), authorized))
        failure = self._next_failure()
        if failure is not None:
            return _failure_reply(*failure)
        try:
            return self._answer(path, authorized, raw)
        except DashScopeAPIError as exc:
            return exc.reply()

    def _answer(self, path: str, authorized: bool, raw: bytes) -> _Reply:
        if path.rstrip("/") != f"{API_PREFIX}/chat/completions":
            raise DashScopeAPIError(404, "not_found", f"No such endpoint: {path}")
        if not authorized:
            raise DashScopeAPIError(401, "invalid_api_key", _KEY_MESSAGE)
        body = _load_body(raw)
        model = _check_model(body, self.models)
        content = _check_messages(body)
        options = _check_options(body)
        output = self.translate(content, options)
        usage = _usage(_prompt_tokens(content, options), count_tokens(output))
        self.wait(self.latency(content) if callable(self.latency) else self.latency)
        if body.get("stream"):
            return self._stream_reply(body, model, output, usage)
        return _json_reply(_completion(model, output, usage))

    def _stream_reply(
        self, body: Mapping[str, Any], model: str, output: str, usage: dict[str, int]
    ) -> _Reply:
        stream_options = body.get("stream_options") or {}
        chunks = _stream_chunks(model, output, self.models[model] == "cumulative", self.chunk_size)
        if stream_options.get("include_usage"):
            chunks.append({**_chunk_shell(chunks[0]["id"], model), "choices": [], "usage": usage})
        events = [json.dumps(chunk, ensure_ascii=False) for chunk in chunks]
        return _Reply(events=(*events, "[DONE]"))

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_failure(self) -> tuple[Failure, float | None] | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None


def _parse_or_raw(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode(errors="replace")


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(model: str, output: str, usage: dict[str, int]) -> dict[str, Any]:
    message = {"role": "assistant", "content": output}
    choice = {"index": 0, "finish_reason": "stop", "message": message, "logprobs": None}
    return {
        "id": _new_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": usage,
        "system_fingerprint": None,
    }


def _chunk_shell(chunk_id: str, model: str) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "usage": None,
        "system_fingerprint": None,
    }


def _stream_chunks(model: str, output: str, cumulative: bool, size: int) -> list[dict[str, Any]]:
    """Cut ``output`` into chunks: each the whole text so far if ``cumulative``, else a delta."""
    chunk_id = _new_id()
    pieces = [output[i : i + size] for i in range(0, len(output), size)] or [""]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": output[: i + len(p)] if cumulative else p} for i, p in _offsets(pieces)]
    chunks = []
    for index, delta in enumerate(deltas):
        finish = "stop" if index == len(deltas) - 1 else None
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        chunks.append({**_chunk_shell(chunk_id, model), "choices": [choice]})
    return chunks


def _offsets(pieces: list[str]) -> Iterator[tuple[int, str]]:
    """Yield each piece with its start offset in the joined text."""
    start = 0
    for piece in pieces:
        yield start, piece
        start += len(piece)
