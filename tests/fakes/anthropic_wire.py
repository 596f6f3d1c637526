"""Anthropic messages and models: request parsing and response rendering."""

from __future__ import annotations

import json
from typing import Any

from .records import FakeToolCall, Message, RecordedRequest, Turn

STREAM_CONTENT_TYPE = "text/event-stream; charset=utf-8"
STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return str(content)


def parse_chat(req: RecordedRequest, body: dict[str, Any]) -> None:
    req.model = body.get("model")
    req.stream = bool(body.get("stream"))
    req.temperature = body.get("temperature")
    req.max_tokens = body.get("max_tokens")
    system = body.get("system")
    if system is not None:
        req.system = _text(system)
        req.messages.append(Message("system", req.system))
    for raw in body.get("messages") or []:
        role = raw.get("role", "user")
        content = raw.get("content")
        if isinstance(content, str):
            req.messages.append(Message(role, content))
            continue
        texts: list[str] = []
        calls: list[FakeToolCall] = []
        for block in content or []:
            kind = block.get("type")
            if kind == "text":
                texts.append(str(block.get("text", "")))
            elif kind == "tool_use":
                calls.append(
                    FakeToolCall(block.get("name", ""), block.get("input") or {}, block.get("id"))
                )
            elif kind == "tool_result":
                req.messages.append(
                    Message(
                        "tool", _text(block.get("content")), tool_call_id=block.get("tool_use_id")
                    )
                )
        if texts or calls or not content:
            req.messages.append(Message(role, "".join(texts), calls))
    for tool in body.get("tools") or []:
        req.tools.append(
            {
                "name": tool.get("name"),
                "description": tool.get("description", ""),
                "parameters": tool.get("input_schema", {}),
            }
        )
    for key in ("output_config", "output_format"):
        value = body.get(key)
        if isinstance(value, dict):
            fmt = value.get("format", value) if key == "output_config" else value
            if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
                req.json_schema = fmt.get("schema") or {}


def _blocks(turn: Turn) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if turn.text or not turn.tool_calls:
        blocks.append({"type": "text", "text": turn.text})
    for call in turn.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    return blocks


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def chat_body(turn: Turn) -> dict[str, Any]:
    return {
        "id": turn.response_id,
        "type": "message",
        "role": "assistant",
        "model": turn.model,
        "content": _blocks(turn),
        "stop_reason": STOP.get(turn.finish_reason, turn.finish_reason),
        "stop_sequence": None,
        "usage": _usage(turn.input_tokens, turn.output_tokens),
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def chat_stream(turn: Turn, req: RecordedRequest) -> tuple[list[bytes], list[bytes]]:
    """(content pieces, tail pieces): the tail carries message_delta (usage) and message_stop."""
    start = chat_body(turn)
    start["content"] = []
    start["stop_reason"] = None
    start["usage"] = _usage(turn.input_tokens, 1)
    pieces = [_event("message_start", {"type": "message_start", "message": start})]
    pieces.append(_event("ping", {"type": "ping"}))
    index = 0
    if turn.text or not turn.tool_calls:
        block = {"type": "text", "text": ""}
        pieces.append(
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        for text in turn.chunks:
            delta = {"type": "text_delta", "text": text}
            pieces.append(
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        pieces.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for call in turn.tool_calls:
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        pieces.append(
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        arguments = json.dumps(call.arguments)
        middle = len(arguments) // 2
        for part in ("", arguments[:middle], arguments[middle:]):
            delta = {"type": "input_json_delta", "partial_json": part}
            pieces.append(
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        pieces.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    delta = {"stop_reason": STOP.get(turn.finish_reason, turn.finish_reason), "stop_sequence": None}
    tail = [
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": delta,
                "usage": {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens},
            },
        ),
        _event("message_stop", {"type": "message_stop"}),
    ]
    return pieces, tail


BROKEN_JSON = b'{"id": "msg_broken", "type": "message", "content": [{"type": "te'
BROKEN_STREAM_PIECE = b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'


def models_body(models: list[str]) -> dict[str, Any]:
    data = [
        {"type": "model", "id": m, "display_name": m, "created_at": "2024-10-22T00:00:00Z"}
        for m in models
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": models[0] if models else None,
        "last_id": models[-1] if models else None,
    }


ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of requests has exceeded your rate limit."),
    500: ("api_error", "Internal server error"),
    503: ("overloaded_error", "Overloaded"),
    529: ("overloaded_error", "Overloaded"),
}


def error_body(status: int, message: str | None, model: str | None) -> dict[str, Any]:
    kind, default = ERRORS.get(
        status, ("api_error" if status >= 500 else "invalid_request_error", f"HTTP {status}")
    )
    if status == 404 and message is None:
        default = f"model: {model}"
    return {"type": "error", "error": {"type": kind, "message": message or default}}
