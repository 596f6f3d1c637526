"""A real HTTP server on 127.0.0.1 for tool tests; the `server` fixture is one of these.

Each test registers routes: a route is a function taking the recorded `Request` and returning
`(status, headers, body)`; `body` may be bytes, str, a dict/list (sent as JSON), or an iterator of
byte chunks (streamed with no Content-Length, so only reading it reveals its size). Every request
is recorded.

```python
def test_x(server, invoke):
    server.route("/hello", lambda req: (200, {"X-A": "1"}, {"hi": req.arg("name")}))
    server.json("/data", {"a": 1})                      # fixed JSON answer
    server.redirect("/old", "/hello")                   # 302 (or status=...) to a path or URL
    server.sequence("/flaky", [(503, {}, ""), (200, {}, "ok")])   # successive answers
    server.slow("/slow", 2.0)                           # answers after 2 s
    server.route_all(handler)                           # every path no route names
    r = invoke("http_request", url=server.url("/hello?name=x"))
    assert server.requests[-1].headers["user-agent"].startswith("llmspell")
```

`server_factory()` (tests/tools/conftest.py) starts more servers, for cross-host redirects or
one stand-in per remote service.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], Any]
Route = Callable[["Request"], Answer]


@dataclass(slots=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def arg(self, name: str) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else None

    def args(self) -> dict[str, str]:
        """Every query parameter with its first value."""
        return {name: values[0] for name, values in self.query.items()}

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.text, keep_blank_values=True)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        owner = self.server.owner
        owner.requests.append(request)
        route = (
            owner.routes.get((self.command, parts.path))
            or owner.routes.get((None, parts.path))
            or owner.fallback
        )
        try:
            status, headers, payload = route(request) if route else (404, {}, "no such route")
        except Exception as exc:  # a broken route shows up as a 500 and in `errors`
            owner.errors.append(exc)
            status, headers, payload = 500, {}, f"route failed: {exc!r}"
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(status, headers, payload)

    def _answer(self, status: int, headers: dict[str, str], payload: Any) -> None:
        chunks: Iterable[bytes] | None = None
        if isinstance(payload, dict | list):
            data = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **headers}
        elif isinstance(payload, str):
            data = payload.encode()
            headers = {"Content-Type": "text/plain; charset=utf-8", **headers}
        elif isinstance(payload, bytes):
            data = payload
        else:
            data, chunks = b"", payload
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if chunks is None and not any(k.lower() == "content-length" for k in headers):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if chunks is None:
            self.wfile.write(data)
            return
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: TestServer


class TestServer:
    """A real HTTP server on 127.0.0.1 with per-test routes; see the module docstring."""

    __test__ = False

    def __init__(self) -> None:
        self.routes: dict[tuple[str | None, str], Route] = {}
        self.fallback: Route | None = None
        self.requests: list[Request] = []
        self.errors: list[Exception] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return self.base + path

    def route(self, path: str, handler: Route, *, method: str | None = None) -> None:
        """Answer `path` (any method, or only `method`) with `handler(request)`."""
        self.routes[(method.upper() if method else None, path)] = handler

    def route_all(self, handler: Route) -> None:
        """Answer every path that no `route` names with `handler(request)`."""
        self.fallback = handler

    def json(self, path: str, data: Any, *, status: int = 200, **headers: str) -> None:
        self.route(path, lambda _req: (status, dict(headers), data))

    def text(
        self, path: str, body: str, *, status: int = 200, content_type: str = "text/plain"
    ) -> None:
        self.route(path, lambda _req: (status, {"Content-Type": content_type}, body))

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        """`path` redirects to `location` (a path on this server or a full URL)."""
        self.route(path, lambda _req: (status, {"Location": location}, b""))

    def sequence(self, path: str, answers: list[Answer]) -> None:
        """Successive requests to `path` get the successive answers (the last one repeats)."""
        remaining = list(answers)

        def answer(_req: Request) -> Answer:
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]

        self.route(path, answer)

    def slow(self, path: str, seconds: float, answer: Answer = (200, {}, "slow")) -> None:
        def wait(_req: Request) -> Answer:
            time.sleep(seconds)
            return answer

        self.route(path, wait)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
