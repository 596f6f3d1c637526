"""A fake LLM provider server on loopback: OpenAI, Anthropic and Ollama wire formats.

A real HTTP server (stdlib `ThreadingHTTPServer` in a thread) that the official `openai` and
`anthropic` SDKs and plain httpx talk to as they would to the real services. Tests script what
the "model" says (a queue of replies, or a handler function like pydantic-ai's `FunctionModel`),
inject faults (latency, HTTP errors in each provider's JSON shape, malformed JSON, dropped
connections, cut streams) and assert on every recorded request. The API is documented in
`tests/fakes/README.md`.

    with FakeProviderServer() as fake:
        fake.push("hello")
        client = openai.OpenAI(base_url=fake.openai_base_url, api_key="k", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[...])
        fake.last_chat.messages[-1].content
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import anthropic_wire, ollama_wire, openai_wire
from .records import (
    PROTOCOLS,
    Endpoint,
    FakeToolCall,
    Message,
    Protocol,
    RecordedRequest,
    Reply,
    Turn,
    default_input_tokens,
    default_output_tokens,
    embed_vector,
    minimal_instance,
    split_chunks,
    words,
)

Handler = Callable[[RecordedRequest], "Reply | str | None"]

WIRES = {"openai": openai_wire, "anthropic": anthropic_wire, "ollama": ollama_wire}

DEFAULT_MODELS: dict[str, list[str]] = {
    "openai": ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"],
    "anthropic": ["claude-3-5-haiku-latest", "claude-sonnet-4-5"],
    "ollama": ["llama3.2:latest", "nomic-embed-text:latest"],
}

FAULT_STATUS = {
    "auth": 401,
    "unknown_model": 404,
    "rate_limit": 429,
    "server_error": 500,
    "unavailable": 503,
}
FAULT_KINDS = {
    "delay",
    "http_error",
    "malformed_json",
    "drop",
    "drop_mid",
    "cut_stream",
    *FAULT_STATUS,
}


@dataclass(slots=True, kw_only=True)
class Fault:
    kind: str
    times: int | None = 1
    protocol: str | None = None
    endpoint: str | None = None
    status: int | None = None
    retry_after: float = 0
    message: str | None = None
    delay: float = 0
    chunk_delay: float = 0

    def matches(self, req: RecordedRequest) -> bool:
        return (self.protocol in (None, req.protocol)) and (self.endpoint in (None, req.endpoint))


@dataclass(slots=True, kw_only=True)
class _Plan:
    """What to send back for one request, decided when it arrives."""

    status: int = 200
    headers: dict[str, str] | None = None
    body: bytes = b""
    content_type: str = "application/json"
    pieces: list[bytes] | None = None  # a streamed body: content pieces...
    tail: list[bytes] | None = None  # ...then the end-of-stream pieces
    mode: str = "normal"  # normal | drop | drop_mid | cut_stream
    delay: float = 0
    chunk_delay: float = 0


def _classify(method: str, path: str, headers: dict[str, str]) -> tuple[Protocol, Endpoint]:
    if "/api/" in path:
        tail = path[path.rindex("/api/") :]
        endpoint: Endpoint = {
            "/api/chat": "chat",
            "/api/embed": "embed",
            "/api/embeddings": "embed",
            "/api/tags": "models",
        }.get(tail, "other")  # type: ignore[assignment]
        return "ollama", endpoint
    if path.endswith("/chat/completions"):
        return "openai", "chat"
    if path.endswith("/embeddings"):
        return "openai", "embed"
    if path.endswith("/messages"):
        return "anthropic", "chat"
    anthropic = "anthropic-version" in headers or "x-api-key" in headers
    protocol: Protocol = "anthropic" if anthropic else "openai"
    if path.endswith("/models") and method == "GET":
        return protocol, "models"
    return protocol, "other"


def _api_key(headers: dict[str, str]) -> str | None:
    if "x-api-key" in headers:
        return headers["x-api-key"]
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeLLM/1.0"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self, address: tuple[str, int], fake: FakeProviderServer) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError) or exc is None:
            return
        self.fake.handler_errors.append(exc)


class FakeProviderServer:
    """The fake OpenAI / Anthropic / Ollama server. Thread-safe; `reset()` between tests."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.RLock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._host, self._port = host, port
        self._ids = itertools.count(1)
        self._arrived = threading.Condition(self._lock)
        self.embedding_dim = 8
        self.handler_errors: list[BaseException] = []
        self._init_state()

    def _init_state(self) -> None:
        self._requests: list[RecordedRequest] = []
        self._shared: deque[Reply] = deque()
        self._queues: dict[str, deque[Reply]] = {p: deque() for p in PROTOCOLS}
        self._handlers: dict[str | None, Handler] = {}
        self._faults: list[Fault] = []
        self._keys: dict[str | None, str] = {}
        self._models: dict[str | None, set[str]] = {}
        self._latency = (0.0, 0.0)
        self._call_ids = itertools.count(1)
        self._cancel = threading.Event()
        self.embedding_dim = 8
        self.handler_errors = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeProviderServer:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self._host, self._port), self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-llm-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._cancel.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything scripted or recorded; requests still sleeping are abandoned."""
        with self._lock:
            self._cancel.set()
            self._init_state()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def ollama_base_url(self) -> str:
        return self.url

    def providers_toml(self, api_key: str = "test-key") -> str:
        """`[providers.openai|anthropic|ollama]` tables pointing at this server."""
        rows = [
            ("openai", self.openai_base_url, "gpt-4o-mini"),
            ("anthropic", self.anthropic_base_url, "claude-3-5-haiku-latest"),
            ("ollama", self.ollama_base_url, "llama3.2"),
        ]
        out = []
        for name, base_url, model in rows:
            out.append(
                f'[providers.{name}]\nprovider_type = "{name}"\nbase_url = "{base_url}"\n'
                f'api_key = "{api_key}"\ndefault_model = "{model}"\n'
            )
        return "\n".join(out)

    def env(self, api_key: str = "test-key") -> dict[str, str]:
        """Environment variables pointing the SDKs (and Ollama clients) at this server."""
        return {
            "OPENAI_API_KEY": api_key,
            "OPENAI_BASE_URL": self.openai_base_url,
            "ANTHROPIC_API_KEY": api_key,
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "OLLAMA_HOST": self.ollama_base_url,
        }

    # -- scripting ---------------------------------------------------------------------------

    def push(self, *replies: Reply | str, protocol: str | None = None) -> None:
        """Queue replies (text or `Reply`), for one protocol or (None) for any."""
        items = [Reply(text=r) if isinstance(r, str) else r for r in replies]
        with self._lock:
            queue = self._shared if protocol is None else self._queues[self._check(protocol)]
            queue.extend(items)

    def push_text(
        self,
        text: str,
        *,
        protocol: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        finish_reason: str | None = None,
        chunks: list[str] | None = None,
    ) -> None:
        reply = Reply(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=finish_reason,
            chunks=chunks,
        )
        self.push(reply, protocol=protocol)

    def push_tool_call(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        id: str | None = None,
        text: str = "",
        protocol: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        call = FakeToolCall(name, dict(arguments or {}), id)
        reply = Reply(
            text=text, tool_calls=[call], input_tokens=input_tokens, output_tokens=output_tokens
        )
        self.push(reply, protocol=protocol)

    def push_tool_calls(
        self,
        *calls: tuple[str, dict[str, Any]] | FakeToolCall,
        text: str = "",
        protocol: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        tool_calls = [c if isinstance(c, FakeToolCall) else FakeToolCall(c[0], c[1]) for c in calls]
        reply = Reply(
            text=text, tool_calls=tool_calls, input_tokens=input_tokens, output_tokens=output_tokens
        )
        self.push(reply, protocol=protocol)

    def set_handler(self, handler: Handler | None, *, protocol: str | None = None) -> None:
        """Answer chat requests with `handler(request)` (Reply, str, or None to fall through)."""
        key = None if protocol is None else self._check(protocol)
        with self._lock:
            if handler is None:
                self._handlers.pop(key, None)
            else:
                self._handlers[key] = handler

    def fault(
        self,
        kind: str,
        *,
        times: int | None = 1,
        protocol: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
        retry_after: float = 0,
        message: str | None = None,
        delay: float = 0,
        chunk_delay: float = 0,
    ) -> None:
        """Misbehave on the next `times` matching requests (None: until reset); FIFO order."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULT_KINDS)}")
        if kind == "http_error" and status is None:
            raise ValueError("fault('http_error') needs status=")
        if protocol is not None:
            self._check(protocol)
        fault = Fault(
            kind=kind,
            times=times,
            protocol=protocol,
            endpoint=endpoint,
            status=status,
            retry_after=retry_after,
            message=message,
            delay=delay,
            chunk_delay=chunk_delay,
        )
        with self._lock:
            self._faults.append(fault)

    def set_latency(self, delay: float = 0.0, chunk_delay: float = 0.0) -> None:
        """Wait `delay` s before every answer and `chunk_delay` s before every streamed chunk."""
        with self._lock:
            self._latency = (delay, chunk_delay)

    def require_api_key(self, key: str | None, *, protocol: str | None = None) -> None:
        """Answer 401 unless the request carries `key` (None: accept any or none)."""
        slot = None if protocol is None else self._check(protocol)
        with self._lock:
            if key is None:
                self._keys.pop(slot, None)
            else:
                self._keys[slot] = key

    def set_models(self, models: Iterable[str] | None, *, protocol: str | None = None) -> None:
        """Only these models exist (None: any model is accepted); others get a 404."""
        slot = None if protocol is None else self._check(protocol)
        with self._lock:
            if models is None:
                self._models.pop(slot, None)
            else:
                self._models[slot] = set(models)

    def embed_vector(self, text: str, dim: int | None = None) -> list[float]:
        return embed_vector(text, dim or self.embedding_dim)

    # -- recording ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def chat_requests(self, protocol: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == "chat" and protocol in (None, r.protocol)]

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    @property
    def last_chat(self) -> RecordedRequest | None:
        chats = self.chat_requests()
        return chats[-1] if chats else None

    def wait_for_requests(self, count: int, timeout: float = 2.0) -> list[RecordedRequest]:
        with self._arrived:
            ok = self._arrived.wait_for(lambda: len(self._requests) >= count, timeout)
            if not ok:
                raise TimeoutError(f"{len(self._requests)} requests arrived, wanted {count}")
            return list(self._requests)

    # -- serving -----------------------------------------------------------------------------

    @staticmethod
    def _check(protocol: str) -> str:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; one of {PROTOCOLS}")
        return protocol

    def _serve(self, h: _RequestHandler) -> None:
        raw = self._read_body(h)
        split = urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        protocol, endpoint = _classify(h.command, split.path, headers)
        req = RecordedRequest(
            protocol=protocol,
            endpoint=endpoint,
            method=h.command,
            path=split.path,
            query=split.query,
            headers=headers,
            raw=raw,
            api_key=_api_key(headers),
        )
        bad_json = False
        if raw:
            try:
                req.body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                bad_json = True
        body = req.body if isinstance(req.body, dict) else {}
        try:
            if endpoint == "chat":
                WIRES[protocol].parse_chat(req, body)
            elif endpoint == "embed":
                WIRES[protocol].parse_embed(req, body)  # type: ignore[attr-defined]
            elif protocol == "ollama" and split.path.endswith("/api/show"):
                req.model = body.get("model") or body.get("name")
        except (AttributeError, TypeError, ValueError):
            bad_json = True
        with self._lock:
            self._requests.append(req)
            self._arrived.notify_all()
            cancel = self._cancel
            fault = self._take_fault(req)
            delay, chunk_delay = self._latency
        try:
            plan = self._plan(req, fault, bad_json or (h.command == "POST" and not body))
        except Exception as exc:
            self.handler_errors.append(exc)
            plan = self._error(req, 500, f"fake server: {type(exc).__name__}: {exc}")
        if fault is not None:
            plan.delay = max(plan.delay, fault.delay)
            plan.chunk_delay = max(plan.chunk_delay, fault.chunk_delay)
        plan.delay = max(plan.delay, delay)
        plan.chunk_delay = max(plan.chunk_delay, chunk_delay)
        self._send(h, plan, cancel)

    @staticmethod
    def _read_body(h: _RequestHandler) -> bytes:
        if h.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    h.rfile.readline()
                    return data
                data += h.rfile.read(size)
                h.rfile.readline()
        length = int(h.headers.get("content-length") or 0)
        return h.rfile.read(length) if length else b""

    def _take_fault(self, req: RecordedRequest) -> Fault | None:
        for fault in self._faults:
            if fault.matches(req):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _plan(self, req: RecordedRequest, fault: Fault | None, bad_body: bool) -> _Plan:
        wire = WIRES[req.protocol]
        if fault is not None and fault.kind in FAULT_STATUS:
            return self._error(req, FAULT_STATUS[fault.kind], fault.message, fault.retry_after)
        if fault is not None and fault.kind == "http_error":
            assert fault.status is not None
            return self._error(req, fault.status, fault.message, fault.retry_after)
        if req.endpoint != "other" and not self._authorised(req):
            return self._error(req, 401, None)
        if req.endpoint == "other":
            return self._other(req)
        if req.endpoint == "models":
            models = self._listed_models(req.protocol)
            if req.protocol == "ollama":
                return self._json(ollama_wire.tags_body(models))
            return self._json(wire.models_body(models))
        if bad_body:
            return self._error(req, 400, "could not parse the JSON body of the request")
        if not req.model:
            return self._error(req, 400, "model is required")
        if not self._model_known(req.protocol, req.model):
            return self._error(req, 404, None)
        if req.endpoint == "embed":
            return self._embed(req, fault)
        faulty = fault is not None and fault.kind != "delay"
        turn = self._turn(req, None if faulty else self._scripted(req))
        if req.stream:
            pieces, tail = wire.chat_stream(turn, req)
            plan = _Plan(content_type=wire.STREAM_CONTENT_TYPE, pieces=pieces, tail=tail)
            if req.protocol != "ollama":
                plan.headers = {"cache-control": "no-cache"}
        else:
            plan = self._json(wire.chat_body(turn))
        if faulty:
            assert fault is not None
            self._spoil(plan, fault.kind, wire)
        return plan

    @staticmethod
    def _spoil(plan: _Plan, kind: str, wire: Any) -> None:
        if kind == "drop":
            plan.mode = "drop"
        elif kind == "malformed_json":
            if plan.pieces is None:
                plan.body = wire.BROKEN_JSON
            else:
                plan.pieces = [*plan.pieces[:1], wire.BROKEN_STREAM_PIECE, *plan.pieces[1:]]
        elif kind == "cut_stream" and plan.pieces is not None:
            plan.mode = "cut_stream"
        else:  # drop_mid, or cut_stream on a plain JSON answer
            plan.mode = "drop_mid"

    def _other(self, req: RecordedRequest) -> _Plan:
        if req.protocol == "ollama" and req.path.endswith("/api/version"):
            return self._json({"version": "0.12.0"})
        if req.protocol == "ollama" and req.path.endswith("/api/show"):
            if not req.model or not self._model_known("ollama", req.model):
                return self._error(req, 404, None)
            return self._json(ollama_wire.show_body(req.model))
        return self._error(req, 404, f"no such endpoint: {req.method} {req.path}")

    def _embed(self, req: RecordedRequest, fault: Fault | None) -> _Plan:
        body = req.body if isinstance(req.body, dict) else {}
        dim = int(body.get("dimensions") or self.embedding_dim)
        vectors = [embed_vector(text, dim) for text in req.inputs]
        tokens = max(1, sum(words(t) for t in req.inputs))
        assert req.model is not None
        if req.protocol == "ollama":
            if req.path.endswith("/api/embeddings"):
                plan = self._json({"embedding": vectors[0] if vectors else []})
            else:
                plan = self._json(ollama_wire.embed_body(req.model, vectors, tokens))
        else:
            data = openai_wire.embed_body(req.model, vectors, tokens)
            if body.get("encoding_format") == "base64":
                import base64
                import struct

                for item in data["data"]:
                    packed = struct.pack(f"<{len(item['embedding'])}f", *item["embedding"])
                    item["embedding"] = base64.b64encode(packed).decode()
            plan = self._json(data)
        if fault is not None and fault.kind != "delay":
            self._spoil(plan, fault.kind, WIRES[req.protocol])
        return plan

    def _authorised(self, req: RecordedRequest) -> bool:
        with self._lock:
            key = self._keys.get(req.protocol, self._keys.get(None))
        return key is None or req.api_key == key

    def _model_set(self, protocol: str) -> set[str] | None:
        with self._lock:
            return self._models.get(protocol, self._models.get(None))

    def _model_known(self, protocol: str, model: str) -> bool:
        known = self._model_set(protocol)
        if known is None:
            return True
        if model in known:
            return True
        if protocol == "ollama":
            base = model.removesuffix(":latest")
            return base in known or f"{base}:latest" in known
        return False

    def _listed_models(self, protocol: str) -> list[str]:
        known = self._model_set(protocol)
        models = sorted(known) if known is not None else list(DEFAULT_MODELS[protocol])
        if protocol == "ollama":
            models = [m if ":" in m else f"{m}:latest" for m in models]
        return models

    def _scripted(self, req: RecordedRequest) -> Reply | None:
        with self._lock:
            handler = self._handlers.get(req.protocol, self._handlers.get(None))
        if handler is not None:
            result = handler(req)
            if result is not None:
                return Reply(text=result) if isinstance(result, str) else result
        with self._lock:
            queue = self._queues[req.protocol]
            if queue:
                return queue.popleft()
            if self._shared:
                return self._shared.popleft()
        return None

    def _turn(self, req: RecordedRequest, reply: Reply | None) -> Turn:
        if reply is None:
            if req.json_schema is not None:
                text = json.dumps(minimal_instance(req.json_schema) if req.json_schema else {})
            else:
                text = f"echo: {req.last_user_text or ''}"
            reply = Reply(text=text)
        text = reply.text or ("".join(reply.chunks) if reply.chunks else "")
        prefix = {"openai": "call_", "anthropic": "toolu_", "ollama": "call_"}[req.protocol]
        calls = []
        with self._lock:
            for call in reply.tool_calls:
                call_id = call.id or f"{prefix}{next(self._call_ids)}"
                calls.append(replace(call, id=call_id, arguments=dict(call.arguments)))
            number = next(self._ids)
        response_id = {
            "openai": f"chatcmpl-fake{number}",
            "anthropic": f"msg_fake{number}",
            "ollama": f"ollama-fake{number}",
        }[req.protocol]
        return Turn(
            text=text,
            tool_calls=calls,
            input_tokens=(
                reply.input_tokens if reply.input_tokens is not None else default_input_tokens(req)
            ),
            output_tokens=(
                reply.output_tokens
                if reply.output_tokens is not None
                else default_output_tokens(text, calls)
            ),
            finish_reason=reply.finish_reason or ("tool_calls" if calls else "stop"),
            chunks=list(reply.chunks) if reply.chunks is not None else split_chunks(text),
            model=req.model or "",
            response_id=response_id,
        )

    @staticmethod
    def _json(data: Any, status: int = 200) -> _Plan:
        return _Plan(status=status, body=json.dumps(data).encode())

    def _error(
        self, req: RecordedRequest, status: int, message: str | None, retry_after: float = 0
    ) -> _Plan:
        wire = WIRES[req.protocol]
        plan = self._json(wire.error_body(status, message, req.model), status)
        headers: dict[str, str] = {}
        if status == 429:
            seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
            headers["retry-after"] = str(seconds)
            headers["retry-after-ms"] = str(int(retry_after * 1000))
        if req.protocol == "anthropic":
            headers["request-id"] = f"req_fake{next(self._ids)}"
        if req.protocol == "openai" and status >= 500:
            headers["x-request-id"] = f"req_fake{next(self._ids)}"
        plan.headers = headers
        return plan

    # -- writing -----------------------------------------------------------------------------

    def _send(self, h: _RequestHandler, plan: _Plan, cancel: threading.Event) -> None:
        try:
            if plan.delay and cancel.wait(plan.delay):
                h.close_connection = True
                return
            if plan.mode == "drop":
                h.close_connection = True
                return
            h.send_response(plan.status)
            h.send_header("content-type", plan.content_type)
            for name, value in (plan.headers or {}).items():
                h.send_header(name, value)
            if plan.pieces is None:
                h.send_header("content-length", str(len(plan.body)))
                h.end_headers()
                if plan.mode == "drop_mid":
                    h.wfile.write(plan.body[: max(1, len(plan.body) // 2)])
                    h.close_connection = True
                else:
                    h.wfile.write(plan.body)
                return
            h.send_header("transfer-encoding", "chunked")
            h.end_headers()
            pieces = plan.pieces
            tail = plan.tail or []
            if plan.mode in ("drop_mid", "cut_stream"):
                pieces, tail = pieces[: max(1, len(pieces) // 2)], []
            for piece in [*pieces, *tail]:
                if plan.chunk_delay and cancel.wait(plan.chunk_delay):
                    h.close_connection = True
                    return
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            if plan.mode == "drop_mid":
                h.close_connection = True
                return
            h.wfile.write(b"0\r\n\r\n")
        except (ConnectionError, TimeoutError, OSError):
            h.close_connection = True


__all__ = [
    "DEFAULT_MODELS",
    "FakeProviderServer",
    "FakeToolCall",
    "Message",
    "RecordedRequest",
    "Reply",
]
