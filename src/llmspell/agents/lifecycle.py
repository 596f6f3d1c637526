"""An agent's lifecycle state machine, with its transition history (reference §2.4)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from llmspell.core.errors import AgentError

State = Literal[
    "Uninitialized",
    "Initializing",
    "Ready",
    "Running",
    "Paused",
    "Terminating",
    "Terminated",
    "Error",
    "Recovering",
]

MAX_RECOVERY_ATTEMPTS = 3
_HISTORY_LIMIT = 1000


@dataclass(slots=True, frozen=True)
class Transition:
    source: State
    target: State
    timestamp: float  # seconds since the epoch
    elapsed: float  # seconds spent in `source`
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "timestamp": self.timestamp,
            "elapsed": self.elapsed,
            "reason": self.reason,
        }


class Lifecycle:
    """Legal moves only; an illegal one raises AgentError naming the state it needs."""

    def __init__(self, agent: str) -> None:
        self.agent = agent
        self.state: State = "Uninitialized"
        self.history: list[Transition] = []
        self.last_error: str | None = None
        self.recovery_attempts = 0
        self.error_count = 0
        self._created = time.time()
        self._entered = time.monotonic()
        self._time_in: dict[str, float] = {}
        self._lock = threading.RLock()

    def _move(self, target: State, reason: str) -> None:
        now = time.monotonic()
        elapsed = now - self._entered
        self._time_in[self.state] = self._time_in.get(self.state, 0.0) + elapsed
        self.history.append(Transition(self.state, target, time.time(), elapsed, reason))
        if len(self.history) > _HISTORY_LIMIT:
            del self.history[: len(self.history) - _HISTORY_LIMIT]
        self.state = target
        self._entered = now

    def _need(self, action: str, *allowed: State) -> None:
        if self.state not in allowed:
            needs = " or ".join(allowed)
            raise AgentError(
                f"Agent '{self.agent}' cannot {action}: it is {self.state} ({action} needs {needs})"
            )

    def initialize(self) -> None:
        with self._lock:
            self._need("initialize", "Uninitialized")
            self._move("Initializing", "initialize")
            self._move("Ready", "initialized")

    def start(self) -> None:
        with self._lock:
            self._need("start", "Ready", "Paused")
            self._move("Running", "start")

    def pause(self) -> None:
        with self._lock:
            self._need("pause", "Running")
            self._move("Paused", "pause")

    def resume(self) -> None:
        with self._lock:
            self._need("resume", "Paused")
            self._move("Running", "resume")

    def stop(self) -> None:
        with self._lock:
            self._need("stop", "Running")
            self._move("Ready", "stop")

    def terminate(self) -> None:
        with self._lock:
            if self.state in ("Terminated", "Terminating"):
                raise AgentError(f"Agent '{self.agent}' is already terminated")
            self._move("Terminating", "terminate")
            self._move("Terminated", "terminated")

    def set_error(self, message: str) -> None:
        with self._lock:
            if self.state == "Terminated":
                raise AgentError(f"Agent '{self.agent}' is terminated; it cannot enter Error")
            self.last_error = message
            self.error_count += 1
            self._move("Error", message)

    def recover(self) -> None:
        with self._lock:
            self._need("recover", "Error")
            if self.recovery_attempts >= MAX_RECOVERY_ATTEMPTS:
                raise AgentError(
                    f"Agent '{self.agent}' cannot recover: {MAX_RECOVERY_ATTEMPTS} recovery "
                    "attempts used; terminate it and build a new one"
                )
            self.recovery_attempts += 1
            self._move("Recovering", "recover")
            self._move("Ready", "recovered")

    def ready_to_run(self) -> None:
        """Before a call: initialise and start as needed, or say why the agent cannot run."""
        with self._lock:
            if self.state == "Uninitialized":
                self.initialize()
            if self.state == "Ready":
                self.start()
            if self.state == "Running":
                return
            fix = {
                "Paused": "call agent:resume() first",
                "Error": "call agent:recover() first",
            }.get(self.state, "build a new agent")
            raise AgentError(f"Agent '{self.agent}' cannot run: it is {self.state}; {fix}")

    def restore(self, state: str) -> None:
        """After `load_state`: a saved Running/Paused agent comes back Ready/Paused."""
        with self._lock:
            target = {"Running": "Ready", "Paused": "Paused", "Ready": "Ready"}.get(state)
            if target and target != self.state and self.state != "Terminated":
                self._move(target, "state loaded")  # type: ignore[arg-type]

    def is_healthy(self) -> bool:
        return self.state in ("Ready", "Running", "Paused")

    def metrics(self) -> dict[str, Any]:
        with self._lock:
            times = dict(self._time_in)
            times[self.state] = times.get(self.state, 0.0) + time.monotonic() - self._entered
            last = self.history[-1].as_dict() if self.history else None
            return {
                "current_state": self.state,
                "total_transitions": len(self.history),
                "error_count": self.error_count,
                "recovery_attempts": self.recovery_attempts,
                "uptime": time.time() - self._created,
                "last_transition": last,
                "state_time_distribution": times,
            }
