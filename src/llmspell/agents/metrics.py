"""Per-agent counters: requests, failures, tool calls, tokens, cost, latency and CPU."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

_COUNTERS = (
    "requests_total",
    "requests_failed",
    "tool_invocations",
    "tool_failures",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "total_duration_ms",
    "cpu_seconds",
    "wall_seconds",
)


@dataclass(slots=True, kw_only=True)
class AgentMetrics:
    requests_total: int = 0
    requests_failed: int = 0
    requests_active: int = 0
    tool_invocations: int = 0
    tool_failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    total_duration_ms: float = 0.0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    last_error: str | None = None
    last_request_at: float | None = None
    tool_usage: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self) -> None:
        with self._lock:
            self.requests_total += 1
            self.requests_active += 1
            self.last_request_at = time.time()

    def end(
        self,
        *,
        duration_s: float,
        cpu_s: float,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
        error: str | None = None,
    ) -> None:
        with self._lock:
            self.requests_active -= 1
            self.total_duration_ms += duration_s * 1000
            self.wall_seconds += duration_s
            self.cpu_seconds += cpu_s
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.cost_usd += cost_usd
            if error is not None:
                self.requests_failed += 1
                self.last_error = error

    def tool_used(self, name: str, *, ok: bool) -> None:
        with self._lock:
            self.tool_invocations += 1
            self.tool_usage[name] = self.tool_usage.get(name, 0) + 1
            if not ok:
                self.tool_failures += 1

    @property
    def avg_latency_ms(self) -> float:
        done = self.requests_total - self.requests_active
        return self.total_duration_ms / done if done else 0.0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            data: dict[str, Any] = {
                name: getattr(self, name) for name in self.__dataclass_fields__ if name[0] != "_"
            }
            data["tool_usage"] = dict(self.tool_usage)
        done = data["requests_total"] - data["requests_active"]
        data["total_tokens"] = data["input_tokens"] + data["output_tokens"]
        data["avg_latency_ms"] = data["total_duration_ms"] / done if done else 0.0
        data["requests_succeeded"] = done - data["requests_failed"]
        data["cpu_percent"] = (
            100.0 * data["cpu_seconds"] / data["wall_seconds"] if data["wall_seconds"] else 0.0
        )
        return data

    def restore(self, data: dict[str, Any]) -> None:
        """Counters from a saved snapshot (active requests are not restored)."""
        with self._lock:
            for key in _COUNTERS:
                if isinstance(data.get(key), int | float):
                    setattr(self, key, data[key])
            if isinstance(data.get("tool_usage"), dict):
                self.tool_usage = {str(k): int(v) for k, v in data["tool_usage"].items()}
            self.last_error = data.get("last_error")
