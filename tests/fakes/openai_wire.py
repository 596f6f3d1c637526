"""OpenAI chat completions, embeddings and models: request parsing and response rendering."""

from __future__ import annotations

import json
import time
from typing import Any

from .records import FakeToolCall, Message, RecordedRequest, Turn

STREAM_CONTENT_TYPE = "text/event-stream; charset=utf-8"


def text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content-part list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                parts.append(str(part.get("text", "")))
            else:
                parts.append(str(part))
        return "".join(parts)
    return str(content)


def parse_chat(req: RecordedRequest, body: dict[str, Any]) -> None:
    req.model = body.get("model")
    req.stream = bool(body.get("stream"))
    req.temperature = body.get("temperature")
    req.max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    options = body.get("stream_options") or {}
    req.include_usage = bool(options.get("include_usage"))
    system: list[str] = []
    for raw in body.get("messages") or []:
        role = raw.get("role", "user")
        if role == "developer":
            role = "system"
        content = text_of(raw.get("content"))
        calls = []
        for call in raw.get("tool_calls") or []:
            function = call.get("function") or {}
            try:
                arguments = json.loads(function.get("arguments") or "{}")
            except json.JSONDecodeError:
                arguments = {"_raw": function.get("arguments")}
            calls.append(FakeToolCall(function.get("name", ""), arguments, call.get("id")))
        if role == "system":
            system.append(content)
        req.messages.append(Message(role, content, calls, raw.get("tool_call_id"), raw.get("name")))
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
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            req.json_schema = (fmt.get("json_schema") or {}).get("schema") or {}
        elif fmt.get("type") == "json_object":
            req.json_schema = {}


def parse_embed(req: RecordedRequest, body: dict[str, Any]) -> None:
    req.model = body.get("model")
    value = body.get("input")
    req.inputs = [value] if isinstance(value, str) else [str(v) for v in value or []]


FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls"}


def _tool_call_json(call: FakeToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
    }


def usage_json(turn: Turn) -> dict[str, Any]:
    return {
        "prompt_tokens": turn.input_tokens,
        "completion_tokens": turn.output_tokens,
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }


def chat_body(turn: Turn) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": turn.text if (turn.text or not turn.tool_calls) else None,
        "refusal": None,
    }
    if turn.tool_calls:
        message["tool_calls"] = [_tool_call_json(c) for c in turn.tool_calls]
    return {
        "id": turn.response_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": turn.model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": FINISH.get(turn.finish_reason, turn.finish_reason),
            }
        ],
        "usage": usage_json(turn),
    }


def _sse(data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    return f"data: {text}\n\n".encode()


def chat_stream(turn: Turn, req: RecordedRequest) -> tuple[list[bytes], list[bytes]]:
    """(content pieces, tail pieces): the tail carries the finish reason, usage and [DONE]."""
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": turn.response_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": turn.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if req.include_usage:
            data["usage"] = None
        return data

    pieces = [_sse(chunk({"role": "assistant", "content": "", "refusal": None}))]
    pieces += [_sse(chunk({"content": text})) for text in turn.chunks]
    for index, call in enumerate(turn.tool_calls):
        start = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        pieces.append(_sse(chunk({"tool_calls": [start]})))
        arguments = json.dumps(call.arguments)
        middle = len(arguments) // 2
        for part in (arguments[:middle], arguments[middle:]):
            if part:
                delta = {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
                pieces.append(_sse(chunk(delta)))
    tail = [_sse(chunk({}, FINISH.get(turn.finish_reason, turn.finish_reason)))]
    if req.include_usage:
        final = chunk({})
        final["choices"] = []
        final["usage"] = usage_json(turn)
        tail.append(_sse(final))
    tail.append(_sse("[DONE]"))
    return pieces, tail


BROKEN_JSON = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index'
BROKEN_STREAM_PIECE = b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": \n\n'


def embed_body(model: str, vectors: list[list[float]], tokens: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def models_body(models: list[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"} for m in models
        ],
    }


ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "model_not_found", "Not found."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
    ),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def error_body(status: int, message: str | None, model: str | None) -> dict[str, Any]:
    kind, code, default = ERRORS.get(
        status,
        ("server_error" if status >= 500 else "invalid_request_error", None, f"HTTP {status}"),
    )
    if status == 404 and message is None:
        default = f"The model `{model}` does not exist or you do not have access to it."
    return {"error": {"message": message or default, "type": kind, "param": None, "code": code}}
