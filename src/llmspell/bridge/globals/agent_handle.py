"""An agent instance as scripts see it (`agent:execute(...)`), and the result table's shape."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from llmspell.agents import AgentInput, AgentOutput
from llmspell.agents.config import integer_value, names_value, number_value, response_format
from llmspell.agents.memory import message_to_dict
from llmspell.bridge.globals.base import ScriptObject, script_type
from llmspell.core.errors import ValidationError
from llmspell.providers.base import ImagePart

if TYPE_CHECKING:
    from llmspell.agents import Agent, AgentManager

_TEXT_KEYS = ("text", "prompt", "input", "message", "content")


def agent_input(value: Any, opts: Any = None, *, where: str = "agent:execute") -> AgentInput:
    """A string, `{text=...}` or `{prompt=...}` (plus options) as one AgentInput."""
    if isinstance(value, str):
        table = {**_table(opts, where), "text": value}
    elif isinstance(value, dict):
        table = {**_table(opts, where), **value}
    else:
        raise ValidationError(
            f"{where}: pass a string or a table {{text=...}}, got {script_type(value)}"
        )
    text = next((table[k] for k in _TEXT_KEYS if isinstance(table.get(k), str)), "")
    instruction = table.get("instruction")
    if isinstance(instruction, str) and instruction:
        text = f"{instruction}\n\n{text}" if text else instruction
    images = image_parts(table.get("media"), table.get("image"), where)
    if not text:
        raise ValidationError(
            f"{where}: the input has no text; pass a string, {{text=...}} or {{prompt=...}}"
        )
    params = _table(table.get("parameters"), where, key="parameters")

    def pick(key: str) -> Any:
        found = table.get(key)
        return found if found is not None else params.get(key)

    tools = pick("tools")
    return AgentInput(
        text=text,
        system=_opt_str(pick("system") or pick("system_prompt"), where, "system"),
        temperature=number_value(where, "temperature", pick("temperature"), low=0, high=2),
        max_tokens=integer_value(where, "max_tokens", pick("max_tokens"), low=1),
        tools=None if tools is None else names_value(where, "tools", tools),
        response_format=response_format(where, pick("response_format")),
        context=_table(table.get("context"), where, key="context"),
        parameters=params,
        images=images,
    )


_IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


def image_parts(media: Any, image: Any, where: str) -> list[ImagePart]:
    """`media = { {base64=..., format="png"}, ... }` and/or `image = {base64=..., format=}`."""
    entries: list[Any] = []
    if isinstance(media, list):
        entries.extend(media)
    elif isinstance(media, dict) and media:
        entries.append(media)
    elif media not in (None, {}, []):
        raise ValidationError(f"{where}: media must be a list of {{base64=, format=}} tables")
    if image is not None:
        entries.append(image)
    parts = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("base64"), str):
            raise ValidationError(
                f"{where}: each image needs `base64` (the encoded bytes) and an optional "
                "`format` (png, jpeg, gif or webp)"
            )
        kind = str(entry.get("format") or entry.get("mime_type") or "png").lower()
        media_type = kind if "/" in kind else _IMAGE_TYPES.get(kind)
        if media_type is None:
            raise ValidationError(
                f"{where}: image format {kind!r} is not one of png, jpeg, gif, webp"
            )
        parts.append(ImagePart(data=entry["base64"], media_type=media_type))
    return parts


def _table(value: Any, where: str, *, key: str = "options") -> dict[str, Any]:
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: {key} must be a table, got {script_type(value)}")
    return {str(k): v for k, v in value.items()}


def _opt_str(value: Any, where: str, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValidationError(f"{where}: {key} must be a string, got {script_type(value)}")


def result_table(out: AgentOutput) -> dict[str, Any]:
    """SPEC §1.2: `text` (and `content`, `response`), `metadata`, `tool_calls` when tools ran."""
    usage = {
        "input_tokens": out.usage.input_tokens,
        "output_tokens": out.usage.output_tokens,
        "total_tokens": out.usage.total_tokens,
    }
    table: dict[str, Any] = {
        "text": out.text,
        "content": out.text,
        "response": out.text,
        "success": True,
        "metadata": {
            "agent": out.agent,
            "provider": out.provider,
            "model": out.model,
            "usage": usage,
            "cost_usd": out.cost_usd,
            "duration_ms": out.duration_ms,
            "finish_reason": out.finish_reason,
            "rounds": out.rounds,
            # the original's names, still read by its example scripts
            "execution_time_ms": out.duration_ms,
            "token_count": usage["total_tokens"],
            "estimated_tokens": usage["total_tokens"],
            "estimated_cost_cents": out.cost_usd * 100,
        },
    }
    if out.tool_calls:
        table["tool_calls"] = [
            {
                "id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "output": call.output,
                "result": call.result,
                "success": call.success,
                "error": call.error,
                "duration_ms": call.duration_ms,
            }
            for call in out.tool_calls
        ]
    return table


def _stream_args(first: Any, second: Any) -> tuple[Any, Any]:
    """`(input, fn)` or `(input, opts, fn)`: the options and the callback."""
    if callable(first):
        return None, first
    return first, second


STREAM_CHUNK = "agent.stream.chunk"


class AgentHandle(ScriptObject):
    """One agent instance; `name`, `model` and `provider` are plain fields."""

    def __init__(self, manager: AgentManager, agent: Agent) -> None:
        self._manager = manager
        self._agent = agent
        self._alerts: dict[str, float] = {}

    def script_fields(self) -> dict[str, Any]:
        a = self._agent
        return {"name": a.name, "model": a.model, "provider": a.provider, "type": a.kind}

    # Calls ------------------------------------------------------------------------------------

    def execute(self, input: Any, opts: Any = None) -> dict[str, Any]:
        return result_table(self._agent.execute(agent_input(input, opts)))

    invoke = execute

    def stream(self, input: Any, opts_or_fn: Any = None, fn: Any = None) -> dict[str, Any]:
        """Call `fn({text=, delta=, index=})` for each piece of the answer; the final result."""
        opts, callback = _stream_args(opts_or_fn, fn)
        if callback is not None and not callable(callback):
            raise ValidationError(
                f"agent:stream: the callback must be a function, got {script_type(callback)}"
            )
        count = 0
        events = self._manager.events
        bus = events() if events is not None else None
        if bus is not None and not bus.wants(STREAM_CHUNK):
            bus = None
        name = self._agent.name

        def deliver(piece: str) -> None:
            nonlocal count
            count += 1
            if bus is not None:
                bus.publish(
                    STREAM_CHUNK, {"agent": name, "text": piece, "index": count}, source=name
                )
            if callback is not None:
                callback({"text": piece, "delta": piece, "index": count})

        request = agent_input(input, opts, where="agent:stream")
        table = result_table(self._agent.execute(request, on_text=deliver))
        table["chunks_received"] = count
        return table

    invokeStream = stream
    execute_streaming = stream

    def execute_with_context(self, input: Any, context_id: str) -> dict[str, Any]:
        request = agent_input(input, where="agent:execute_with_context")
        return result_table(self._manager.execute_with_context(self._agent, request, context_id))

    def invokeTool(self, name: str, params: Any = None) -> dict[str, Any]:
        params = _table(params, "agent:invokeTool", key="parameters")
        return self._agent.invoke_tool(name, params).to_dict()

    invoke_tool = invokeTool

    # Tools ------------------------------------------------------------------------------------

    def discover_tools(self) -> list[str]:
        return self._agent.tool_names()

    def has_tool(self, name: str) -> bool:
        registry = self._agent.tools
        if registry is None or not registry.exists(name):
            return False
        return registry.info(name).name in self._agent.tool_names()

    def get_tool_metadata(self, name: str) -> dict[str, Any] | None:
        if not self.has_tool(name):
            return None
        return self._agent.tools.info(name).as_dict()  # type: ignore[union-attr]

    def get_all_tool_metadata(self) -> dict[str, Any]:
        return {name: self.get_tool_metadata(name) for name in self._agent.tool_names()}

    # Lifecycle --------------------------------------------------------------------------------

    def get_state(self) -> str:
        return self._agent.lifecycle.state

    get_agent_state = get_state

    def initialize(self) -> None:
        self._agent.lifecycle.initialize()

    def start(self) -> None:
        self._agent.lifecycle.start()

    def pause(self) -> None:
        self._agent.pause()

    def resume(self) -> None:
        self._agent.lifecycle.resume()

    def stop(self) -> None:
        self._agent.stop()

    def terminate(self) -> None:
        self._agent.lifecycle.terminate()

    def recover(self) -> None:
        self._agent.lifecycle.recover()

    def set_error(self, message: Any = "error set by the script") -> None:
        self._agent.lifecycle.set_error(str(message))

    def destroy(self) -> None:
        """Terminate the agent and forget its name (it can be built again)."""
        if self._agent.lifecycle.state != "Terminated":
            self._agent.lifecycle.terminate()
        if self._manager.get(self._agent.name) is self._agent:
            self._manager.remove(self._agent.name)

    def get_state_history(self) -> list[dict[str, Any]]:
        return [t.as_dict() for t in self._agent.lifecycle.history]

    def get_last_error(self) -> str | None:
        return self._agent.lifecycle.last_error or self._agent.metrics.last_error

    def get_recovery_attempts(self) -> int:
        return self._agent.lifecycle.recovery_attempts

    def is_healthy(self) -> bool:
        return self._agent.lifecycle.is_healthy()

    def get_state_metrics(self) -> dict[str, Any]:
        return self._agent.lifecycle.metrics()

    # Monitoring -------------------------------------------------------------------------------

    def get_metrics(self) -> dict[str, Any]:
        metrics = self._agent.metrics.snapshot()
        metrics["agent_id"] = self._agent.name
        metrics["memory_bytes"] = self._agent.conversation.bytes
        metrics["conversation_length"] = len(self._agent.conversation)
        return metrics

    def get_health(self) -> dict[str, Any]:
        return self._agent.health()

    def get_performance(self) -> dict[str, Any]:
        return self._agent.performance()

    def configure_alerts(self, thresholds: Any) -> None:
        """`{error_rate=0.2, avg_latency_ms=5000, cost_usd=1.0}`: limits `get_alerts` checks."""
        table = _table(thresholds, "agent:configure_alerts", key="thresholds")
        for key, value in table.items():
            number_value("agent:configure_alerts", key, value, low=0)
        self._alerts = {k: float(v) for k, v in table.items()}

    def get_alerts(self) -> list[dict[str, Any]]:
        values = {**self.get_metrics(), **self.get_performance()}
        return [
            {"metric": key, "threshold": limit, "value": values[key], "timestamp": time.time()}
            for key, limit in sorted(self._alerts.items())
            if isinstance(values.get(key), int | float) and values[key] > limit
        ]

    # State and memory -------------------------------------------------------------------------

    def save_state(self) -> bool:
        return self._agent.save_state()

    def load_state(self) -> bool:
        return self._agent.load_state()

    def delete_state(self) -> bool:
        return self._agent.delete_state()

    def get_config(self) -> dict[str, Any]:
        return self._agent.config.as_dict()

    def get_info(self) -> dict[str, Any]:
        return self._manager.details(self._agent)

    def get_history(self) -> list[dict[str, Any]]:
        return [message_to_dict(m) for m in self._agent.conversation.window()]

    def clear_history(self) -> None:
        self._agent.conversation.clear()

    reset = clear_history
