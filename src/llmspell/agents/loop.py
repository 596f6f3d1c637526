"""The tool-call loop: ask the model, run the tools it asks for, feed the results back, repeat.

Tools run through the ToolRegistry (`invoke`), so parameter validation, the security ceiling,
rate limits and path rules apply exactly as for `Tool.invoke` from a script. A tool that fails
does not end the turn: its error goes back to the model as the tool's answer, so the model can
correct its arguments or answer without it. The loop ends at the first answer without tool
calls, or with AgentError at `max_tool_calls` or `max_execution_time`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.agents.io import ToolCallRecord
from llmspell.core.errors import AgentError, LLMSpellError
from llmspell.providers import (
    ChatMessage,
    ChatRequest,
    ChatResponse,
    ToolCall,
    ToolSpec,
    Usage,
)

if TYPE_CHECKING:
    from llmspell.hooks import HookRegistry
    from llmspell.providers import ChatModel
    from llmspell.providers.pricing import Price
    from llmspell.tools.registry import ToolRegistry


@dataclass(slots=True, kw_only=True)
class Turn:
    """One finished exchange: the messages to remember and what it cost."""

    messages: list[ChatMessage]  # user message first, final answer last
    response: ChatResponse
    usage: Usage = field(default_factory=Usage)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    rounds: int = 0
    chunks: int = 0
    cost_usd: float | None = None  # set when the turn prices itself (a composite's members)


@dataclass(slots=True, kw_only=True)
class Limits:
    agent: str
    max_tool_calls: int
    max_execution_time: float
    deadline: float  # time.monotonic() value
    price: Price | None = None  # prices each model call for AfterLLMCall's `cost_usd`


def tool_specs(registry: ToolRegistry | None, names: list[str], *, agent: str) -> list[ToolSpec]:
    """The JSON schemas of the named tools (`"*"`: every registered tool)."""
    if not names:
        return []
    if registry is None:
        raise AgentError(f"Agent '{agent}' has tools but no tool registry to run them")
    if "*" in names:
        names = registry.names()
    specs = []
    seen: set[str] = set()
    for name in names:
        if not registry.exists(name):
            raise AgentError(
                f"Agent '{agent}': allowed tool {name!r} is not registered. "
                "See `llmspell tool list`, or register it with Tool.register{...}"
            )
        info = registry.info(name)
        if info.name in seen:
            continue
        seen.add(info.name)
        schema = registry.get(name).parameters_schema()
        specs.append(ToolSpec(name=info.name, description=info.description, parameters=schema))
    return specs


def run_turn(
    model: ChatModel,
    request: ChatRequest,
    *,
    limits: Limits,
    registry: ToolRegistry | None,
    on_text: Callable[[str], None] | None = None,
    on_tool: Callable[[str, bool], None] | None = None,
    usage: Usage | None = None,
    hooks: HookRegistry | None = None,
) -> Turn:
    """Run one user turn; `request.messages` ends with the user's message and is extended.

    `usage` accumulates tokens as rounds finish, so a caller still knows what a failed turn
    consumed.
    """
    first_new = len(request.messages) - 1
    usage = usage if usage is not None else Usage()
    records: list[ToolCallRecord] = []
    offered = {spec.name.lower().replace("-", "_"): spec.name for spec in request.tools}
    rounds = chunks = 0
    while True:
        _check_time(limits, model)
        rounds += 1
        if hooks is not None and hooks.any(BEFORE_LLM, AFTER_LLM):
            response, got = _hooked_call(hooks, model, request, on_text, limits)
        elif on_text is None:
            response, got = model.chat(request), 0
        else:
            response, got = _stream(model, request, on_text)
        chunks += got
        usage.input_tokens += response.usage.input_tokens
        usage.output_tokens += response.usage.output_tokens
        if not response.tool_calls:
            request.messages.append(ChatMessage(role="assistant", content=response.text))
            break
        if len(records) + len(response.tool_calls) > limits.max_tool_calls:
            raise AgentError(
                f"Agent '{limits.agent}' ({model.provider}/{model.model}) stopped: the model "
                f"asked for more tool calls than `max_tool_calls` = {limits.max_tool_calls} "
                f"allows ({len(records)} run, {len(response.tool_calls)} more asked). Raise it "
                "with :max_tool_calls(n) or make the task smaller."
            )
        request.messages.append(
            ChatMessage(
                role="assistant", content=response.text or None, tool_calls=response.tool_calls
            )
        )
        for call in response.tool_calls:
            record = _run_tool(registry, offered, call.id, call.name, call.arguments)
            records.append(record)
            if on_tool is not None:
                on_tool(record.name, record.success)
            request.messages.append(
                ChatMessage(
                    role="tool", content=record.output, tool_call_id=call.id, name=call.name
                )
            )
    return Turn(
        messages=request.messages[first_new:],
        response=response,
        usage=usage,
        tool_calls=records,
        rounds=rounds,
        chunks=chunks,
    )


BEFORE_LLM = "BeforeLLMCall"
AFTER_LLM = "AfterLLMCall"


def _hooked_call(
    hooks: HookRegistry,
    model: ChatModel,
    request: ChatRequest,
    on_text: Callable[[str], None] | None,
    limits: Limits,
) -> tuple[ChatResponse, int]:
    """One model call between BeforeLLMCall and AfterLLMCall.

    The contexts carry the whole request (`request.messages`: role, content, tool_calls,
    tool_call_id, name) and, after, the whole response (text, tool_calls as {id, name,
    arguments}, usage, finish_reason) and `cost_usd`, the call's price.

    Before: cancel fails the turn; replace (or skipped, with "") answers without calling the
    model: a string is the answer's text, a table {text, tool_calls, usage, finish_reason} is
    the whole answer (so a replayed turn can ask for tools again); modified with a string or
    `{text=}` replaces the last user message's text; with
    `{temperature=, max_tokens=}` changes those. After: modified or replace changes the
    answer's text (tool calls the model asked for are then dropped on replace).
    """
    import dataclasses

    from llmspell.hooks import HookContext

    agent = limits.agent

    def context(point: str, subject: str, **data: Any) -> HookContext:
        last = request.messages[-1] if request.messages else None
        return HookContext(
            point=point,
            component_type="llm",
            component_name=f"{model.provider}/{model.model}",
            data={
                "agent": agent,
                "provider": model.provider,
                "model": model.model,
                "request": {
                    "text": last.content if last is not None else None,
                    "messages": [message_table(m) for m in request.messages],
                    "message_count": len(request.messages),
                    "temperature": request.temperature,
                    "max_tokens": request.max_tokens,
                    "tools": [t.name for t in request.tools],
                },
                **data,
            },
            metadata={"agent": agent},
            subject=subject,
        )

    before = hooks.fire(BEFORE_LLM, context(BEFORE_LLM, "request"))
    kind = before.kind
    if kind == "cancel":
        raise AgentError(
            f"Agent '{agent}': the call to {model.provider}/{model.model} was cancelled by a "
            f"hook: {before.result.reason}"
        )
    if kind in ("replace", "skipped"):
        if kind == "replace":
            return response_from(before.result.data, model.provider, model.model), 0
        return ChatResponse(text="", provider=model.provider, model=model.model), 0
    if before.modified:
        _apply_request(request, before.data)
    if on_text is None:
        response, got = model.chat(request), 0
    else:
        response, got = _stream(model, request, on_text)
    if hooks.has(AFTER_LLM):
        table = response_table(response)
        cost = limits.price.cost(response.usage) if limits.price is not None else 0.0
        after = hooks.fire(AFTER_LLM, context(AFTER_LLM, "response", response=table, cost_usd=cost))
        if after.kind == "cancel":
            raise AgentError(
                f"Agent '{agent}': the answer of {model.provider}/{model.model} was cancelled "
                f"by a hook: {after.result.reason}"
            )
        if after.kind == "replace":
            response = dataclasses.replace(
                response, text=_hook_text(after.result.data), tool_calls=[]
            )
        elif after.modified:
            response = dataclasses.replace(response, text=_hook_text(after.data))
    return response, got


def message_table(message: ChatMessage) -> dict[str, Any]:
    """A request message as plain data (images left out but counted)."""
    table: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        table["tool_calls"] = [_call_table(c) for c in message.tool_calls]
    if message.tool_call_id is not None:
        table["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        table["name"] = message.name
    if message.images:
        table["images"] = len(message.images)
    return table


def response_table(response: ChatResponse) -> dict[str, Any]:
    """A model answer as plain data: text, tool_calls, usage, finish_reason."""
    return {
        "text": response.text,
        "tool_calls": [_call_table(c) for c in response.tool_calls],
        "usage": {
            "input_tokens": response.usage.input_tokens,
            "output_tokens": response.usage.output_tokens,
        },
        "finish_reason": response.finish_reason,
    }


def response_from(value: Any, provider: str, model: str) -> ChatResponse:
    """The ChatResponse for a hook's `replace`: a string (text) or {text, tool_calls, usage,
    finish_reason}."""
    if not isinstance(value, dict) or not any(
        k in value for k in ("tool_calls", "usage", "finish_reason")
    ):
        return ChatResponse(text=_hook_text(value), provider=provider, model=model)
    text = value.get("text")
    calls = []
    raw_calls = value.get("tool_calls") or []
    if isinstance(raw_calls, dict):  # a Lua array may arrive as {1=..., 2=...}
        raw_calls = [raw_calls[k] for k in sorted(raw_calls, key=str)]
    for i, raw in enumerate(raw_calls, 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise AgentError(f"A hook's replacement tool call #{i} needs a name: {raw!r}")
        args = raw.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                args = {"input": args}
        calls.append(
            ToolCall(
                id=str(raw.get("id") or f"call_{i}"),
                name=raw["name"],
                arguments=dict(args) if isinstance(args, dict) else {},
            )
        )
    raw_usage = value.get("usage") if isinstance(value.get("usage"), dict) else {}
    usage = Usage(
        input_tokens=int(raw_usage.get("input_tokens") or 0),
        output_tokens=int(raw_usage.get("output_tokens") or 0),
    )
    finish = value.get("finish_reason")
    if finish not in ("stop", "length", "tool_calls", "content_filter", "error"):
        finish = "tool_calls" if calls else "stop"
    return ChatResponse(
        text=text if isinstance(text, str) else "",
        provider=provider,
        model=model,
        usage=usage,
        tool_calls=calls,
        finish_reason=finish,
    )


def _call_table(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def _hook_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"]
    return "" if value is None else json.dumps(value, default=str, ensure_ascii=False)


def _apply_request(request: ChatRequest, data: Any) -> None:
    text = data if isinstance(data, str) else None
    if isinstance(data, dict):
        if isinstance(data.get("text"), str):
            text = data["text"]
        for key in ("temperature", "max_tokens"):
            value = data.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                setattr(request, key, value)
    if text is not None and request.messages and request.messages[-1].role == "user":
        request.messages[-1].content = text


def _check_time(limits: Limits, model: ChatModel) -> None:
    if time.monotonic() > limits.deadline:
        raise AgentError(
            f"Agent '{limits.agent}' ({model.provider}/{model.model}) ran past "
            f"`max_execution_time` = {limits.max_execution_time:g} s; raise it with "
            ":max_execution_time(secs)"
        )


def _stream(
    model: ChatModel, request: ChatRequest, on_text: Callable[[str], None]
) -> tuple[ChatResponse, int]:
    chunks = 0
    for event in model.stream(request):
        if event.kind == "text":
            if event.text:
                chunks += 1
                on_text(event.text)
        elif event.response is not None:
            return event.response, chunks
    raise AgentError(f"{model.provider}/{model.model}: the stream ended without a final response")


def _run_tool(
    registry: ToolRegistry | None,
    offered: dict[str, str],
    call_id: str,
    name: str,
    arguments: dict[str, Any],
) -> ToolCallRecord:
    started = time.perf_counter()
    canonical = offered.get(name.lower().replace("-", "_"))
    if canonical is None or registry is None:
        error = f"Tool '{name}' is not available to this agent; use one of: " + (
            ", ".join(sorted(offered.values())) or "none"
        )
        return ToolCallRecord(
            id=call_id,
            name=name,
            arguments=arguments,
            output=f"Error: {error}",
            success=False,
            error=error,
        )
    try:
        result = registry.invoke(canonical, arguments)
    except LLMSpellError as exc:
        error = str(exc)
        return ToolCallRecord(
            id=call_id,
            name=canonical,
            arguments=arguments,
            output=f"Error: {error}",
            success=False,
            error=error,
            duration_ms=_ms(started),
        )
    output = result.text
    if not output and result.result is not None:
        output = json.dumps(result.result, default=str, ensure_ascii=False)
    if not result.success:
        output = f"Error: {result.error or output}"
    output = output or "(no output)"
    return ToolCallRecord(
        id=call_id,
        name=canonical,
        arguments=arguments,
        output=output,
        success=result.success,
        error=result.error,
        result=result.result,
        duration_ms=_ms(started),
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
