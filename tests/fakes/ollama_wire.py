"""Ollama's native API (/api/chat, /api/embed, /api/tags): request parsing and rendering."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from .records import FakeToolCall, Message, RecordedRequest, Turn

STREAM_CONTENT_TYPE = "application/x-ndjson"
DONE_REASON = {"stop": "stop", "length": "length", "tool_calls": "stop"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_chat(req: RecordedRequest, body: dict[str, Any]) -> None:
    req.model = body.get("model")
    req.stream = body.get("stream", True) is not False  # Ollama streams unless told not to
    options = body.get("options") or {}
    req.temperature = options.get("temperature")
    req.max_tokens = options.get("num_predict")
    system: list[str] = []
    for raw in body.get("messages") or []:
        role = raw.get("role", "user")
        content = raw.get("content") or ""
        calls = []
        for call in raw.get("tool_calls") or []:
            function = call.get("function") or {}
            arguments = function.get("arguments") or {}
            if isinstance(arguments, str):
                try:
                    arguments = json.loads(arguments)
                except json.JSONDecodeError:
                    arguments = {"_raw": arguments}
            calls.append(FakeToolCall(function.get("name", ""), arguments, call.get("id")))
        if role == "system":
            system.append(content)
        name = raw.get("tool_name") or raw.get("name")
        req.messages.append(Message(role, content, calls, raw.get("tool_call_id"), name))
    req.system = "\n".join(system) if system else None
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        req.tools.append(
            {
                "name": function.get("name"),
                "description": function.get("description", ""),
                "parameters": function.get("parameters", {}),
            }
        )
    fmt = body.get("format")
    if fmt == "json":
        req.json_schema = {}
    elif isinstance(fmt, dict):
        req.json_schema = fmt


def parse_embed(req: RecordedRequest, body: dict[str, Any]) -> None:
    req.model = body.get("model")
    value = body.get("input", body.get("prompt"))
    req.inputs = [value] if isinstance(value, str) else [str(v) for v in value or []]


def _tool_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "function": {"index": i, "name": c.name, "arguments": c.arguments}}
        for i, c in enumerate(turn.tool_calls)
    ]


def _final(turn: Turn, content: str, with_calls: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if with_calls and turn.tool_calls:
        message["tool_calls"] = _tool_calls(turn)
    return {
        "model": turn.model,
        "created_at": _now(),
        "message": message,
        "done": True,
        "done_reason": DONE_REASON.get(turn.finish_reason, turn.finish_reason),
        "total_duration": 1_000_000,
        "load_duration": 100_000,
        "prompt_eval_count": turn.input_tokens,
        "prompt_eval_duration": 200_000,
        "eval_count": turn.output_tokens,
        "eval_duration": 700_000,
    }


def chat_body(turn: Turn) -> dict[str, Any]:
    return _final(turn, turn.text, with_calls=True)


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data) + "\n").encode()


def chat_stream(turn: Turn, req: RecordedRequest) -> tuple[list[bytes], list[bytes]]:
    """(content pieces, tail pieces): the tail is the `done: true` line with the counts."""
    pieces = []
    for text in turn.chunks:
        message = {"role": "assistant", "content": text}
        pieces.append(
            _line({"model": turn.model, "created_at": _now(), "message": message, "done": False})
        )
    if turn.tool_calls:
        message = {"role": "assistant", "content": "", "tool_calls": _tool_calls(turn)}
        pieces.append(
            _line({"model": turn.model, "created_at": _now(), "message": message, "done": False})
        )
    return pieces, [_line(_final(turn, "", with_calls=False))]


BROKEN_JSON = b'{"model": "x", "message": {"role": "assistant", "content": "hel'
BROKEN_STREAM_PIECE = b'{"model": "x", "message": {"role": "assi\n'


def embed_body(model: str, vectors: list[list[float]], tokens: int) -> dict[str, Any]:
    return {
        "model": model,
        "embeddings": vectors,
        "total_duration": 1_000_000,
        "load_duration": 100_000,
        "prompt_eval_count": tokens,
    }


def tags_body(models: list[str]) -> dict[str, Any]:
    return {
        "models": [
            {
                "name": m,
                "model": m,
                "modified_at": "2024-10-22T00:00:00Z",
                "size": 2_000_000_000,
                "digest": hashlib.sha256(m.encode()).hexdigest(),
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": m.split(":")[0],
                    "families": [m.split(":")[0]],
                    "parameter_size": "3.2B",
                    "quantization_level": "Q4_K_M",
                },
            }
            for m in models
        ]
    }


def show_body(model: str) -> dict[str, Any]:
    return {
        "modelfile": f"FROM {model}",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": {"format": "gguf", "family": model.split(":")[0], "parameter_size": "3.2B"},
        "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
        "capabilities": ["completion", "tools"],
    }


MESSAGES = {
    400: "invalid request",
    401: "unauthorized",
    403: "forbidden",
    429: "too many requests",
    500: "internal server error",
    503: "server busy, please try again. maximum pending requests exceeded",
}


def error_body(status: int, message: str | None, model: str | None) -> dict[str, Any]:
    if message is None and status == 404:
        message = f'model "{model}" not found, try pulling it first'
    return {"error": message or MESSAGES.get(status, f"HTTP {status}")}
