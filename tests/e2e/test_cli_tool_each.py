"""`llmspell tool invoke` works for every built-in tool, on real files in an allowed folder.

The network tools talk to an HTTP server and an SMTP server on 127.0.0.1 started here, allowed
through `[tools.http_request] allowed_hosts` as a user would allow a local service.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import threading
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from llmspell.tools.builtin import BUILTIN_TOOLS

PAGE = (
    "<html><head><title>Local page</title></head><body><main><h1>Hello</h1>"
    '<p>Some text.</p><a href="/data.json">data</a></main></body></html>'
)
SITEMAP = (
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>https://site.test/a</loc></url></urlset>"
)
SEARCH_PAGE = (
    '<div class="result"><h2><a class="result__a" href="https://example.com/">Example</a>'
    '</h2><a class="result__snippet">An example page.</a></div>'
)
GET = {
    "/page.html": ("text/html; charset=utf-8", PAGE),
    "/sitemap.xml": ("application/xml", SITEMAP),
    "/data.json": ("application/json", '{"items": [1, 2, 3]}'),
}
POST = {
    "/graphql": ("application/json", '{"data": {"hello": "world"}}'),
    "/hook": ("application/json", '{"received": true}'),
    "/html/": ("text/html; charset=utf-8", SEARCH_PAGE),
}


class _Site(BaseHTTPRequestHandler):
    """Pages, a sitemap, JSON, a GraphQL endpoint, a webhook and a DuckDuckGo results page."""

    def do_GET(self) -> None:
        self._answer(GET.get(self.path))

    def do_HEAD(self) -> None:
        self._answer(GET.get(self.path))

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(POST.get(self.path))

    def _answer(self, found: tuple[str, str] | None) -> None:
        kind, body = found or ("text/plain", "no such page")
        data = body.encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, int]]:
    """(base URL of the HTTP server, port of the SMTP server)."""
    web = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        smtp_port = int(sock.getsockname()[1])
    smtp = Controller(_Inbox(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        yield f"http://127.0.0.1:{web.server_address[1]}", smtp_port
    finally:
        smtp.stop()
        web.shutdown()
        web.server_close()
        thread.join(timeout=2)


def _fixtures(folder: Path) -> None:
    from PIL import Image
    from pypdf import PdfWriter

    (folder / "data.csv").write_text("name,score\nada,91\nbob,78\n")
    (folder / "data.json").write_text('{"items": [1, 2, 3]}')
    (folder / "notes.txt").write_text("alpha\nbeta needle\ngamma\n")
    Image.new("RGB", (40, 20), "red").save(folder / "pic.png")
    with wave.open(str(folder / "tone.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Blank"})
    with (folder / "doc.pdf").open("wb") as handle:
        writer.write(handle)
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    with sqlite3.connect(folder / "data.db") as conn:
        conn.execute("CREATE TABLE scores (name TEXT, score INTEGER)")
        conn.execute("INSERT INTO scores VALUES ('ada', 91), ('bob', 78)")
    conn.close()


def _calls(d: Path, web: str = "http://127.0.0.1:9") -> dict[str, dict[str, object]]:
    return {
        "base64_encoder": {"operation": "encode", "input": "hello"},
        "calculator": {"input": "2 + 3 * 4"},
        "date_time_handler": {"operation": "now", "timezone": "UTC"},
        "hash_calculator": {"operation": "hash", "algorithm": "sha256", "input": "abc"},
        "text_manipulator": {"operation": "uppercase", "input": "shout"},
        "uuid_generator": {"operation": "generate"},
        "citation-formatter": {
            "operation": "format_citation",
            "style": "apa",
            "references": [{"authors": ["Ada Lovelace"], "title": "Notes", "year": 1843}],
        },
        "csv_analyzer": {"operation": "analyze", "path": str(d / "data.csv")},
        "json_processor": {"operation": "query", "path": str(d / "data.json"), "query": ".items"},
        "data_validation": {"input": {"age": 5}, "schema": {"type": "object"}},
        "template_engine": {"input": "Hi {{ name }}", "context": {"name": "Ada"}},
        "diff_calculator": {"old_text": "a\nb\n", "new_text": "a\nc\n"},
        "graph-builder": {
            "operation": "build",
            "nodes": ["a", "b"],
            "edges": [{"from": "a", "to": "b"}],
        },
        "file_operations": {"operation": "read", "path": str(d / "notes.txt")},
        "file_search": {"pattern": "needle", "path": str(d)},
        "file_converter": {
            "operation": "convert",
            "path": str(d / "data.csv"),
            "to_format": "json",
        },
        "file_watcher": {"input": str(d), "duration_seconds": 0.2},
        "archive_handler": {
            "operation": "create",
            "path": str(d / "bundle.zip"),
            "input": [str(d / "notes.txt")],
        },
        "environment_reader": {"operation": "get", "variable_name": "HOME"},
        "process_executor": {"command": "echo", "args": ["from", "a", "tool"]},
        "system_monitor": {"operation": "memory"},
        "service_checker": {"target": "127.0.0.1:1", "check_type": "tcp", "timeout_seconds": 1},
        "image_processor": {"operation": "metadata", "file_path": str(d / "pic.png")},
        "audio_processor": {"operation": "metadata", "file_path": str(d / "tone.wav")},
        "video_processor": {"operation": "detect", "file_path": str(d / "clip.mp4")},
        "pdf-processor": {"operation": "metadata", "input": str(d / "doc.pdf")},
        "database-connector": {
            "url": f"sqlite:///{d / 'data.db'}",
            "query": "SELECT name FROM scores WHERE score > ?",
            "params": [80],
        },
        "http_request": {"url": f"{web}/data.json"},
        "graphql_query": {"endpoint": f"{web}/graphql", "query": "{ hello }"},
        "api-tester": {"url": f"{web}/data.json", "assertions": {"json": {"$.items[0]": 1}}},
        "webhook-caller": {"url": f"{web}/hook", "payload": {"event": "ping"}},
        "web-scraper": {"url": f"{web}/page.html"},
        "url-analyzer": {"url": f"{web}/page.html", "fetch": True},
        "sitemap-crawler": {"url": f"{web}/sitemap.xml"},
        "webpage-monitor": {"url": f"{web}/page.html"},
        "web_search": {"query": "example", "provider": "duckduckgo"},
        "email-sender": {"to": "ada@example.com", "subject": "Hello", "body": "From a tool."},
    }


@pytest.fixture(scope="module")
def setup(tmp_path_factory, servers):
    web, smtp_port = servers
    folder = tmp_path_factory.mktemp("tools")
    _fixtures(folder)
    config = folder / "llmspell.toml"
    config.write_text(
        f'[tools.file_operations]\nallowed_paths = ["{folder}"]\n'
        '[tools.http_request]\nallowed_hosts = ["*", "127.0.0.1"]\n'
        f'[tools.search.providers.duckduckgo]\nbase_url = "{web}"\n'
        f'[tools.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n'
        'enable_tls = false\nfrom_address = "bot@example.com"\n'
    )
    return folder, config, web


def test_every_builtin_has_a_call_here():
    assert set(_calls(Path("/x"))) == set(BUILTIN_TOOLS)


@pytest.mark.parametrize("name", sorted(BUILTIN_TOOLS))
def test_tool_invoke_runs_each_builtin(cli, setup, name):
    folder, config, web = setup
    params = json.dumps(_calls(folder, web)[name])
    result = cli("-c", str(config), "--output", "json", "tool", "invoke", name, "--params", params)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["success"] is True, document
    assert document["metadata"]["tool"] == name


def test_video_metadata_needs_ffmpeg_or_names_it(cli, setup):
    folder, config, _web = setup
    params = json.dumps({"operation": "metadata", "file_path": str(folder / "clip.mp4")})
    result = cli("-c", str(config), "tool", "invoke", "video_processor", "--params", params)
    if shutil.which("ffprobe") is None:
        assert result.code == 1 and "ffprobe" in result.stderr
    else:
        assert result.code in (0, 1)  # a 64-byte stub is not a playable video
