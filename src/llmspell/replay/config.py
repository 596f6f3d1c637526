"""Replay modes, configuration, parameter modifications, schedules and the JSON comparator."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from llmspell.core.errors import ValidationError

MODES = ("exact", "modified", "simulate", "debug")


def check_mode(mode: Any) -> str:
    name = "exact" if mode is None else getattr(mode, "mode", mode)
    if not isinstance(name, str) or name.strip().lower() not in MODES:
        raise ValidationError(f"Unknown replay mode {name!r}; use one of: {', '.join(MODES)}")
    return name.strip().lower()


@dataclass(slots=True)
class Modification:
    """`path` into the recording (`"<n>.response.text"`, `"<n>.result.text"`; n is 1-based)."""

    path: str
    value: Any
    enabled: bool = True


@dataclass(slots=True)
class ReplayConfig:
    mode: str = "exact"
    modifications: list[Modification] = field(default_factory=list)
    compare_results: bool = True
    timeout_seconds: float = 30.0
    stop_on_error: bool = True
    tags: list[str] = field(default_factory=list)


def apply_modifications(calls: list[dict[str, Any]], mods: list[Modification]) -> list[dict]:
    """A copy of the recorded calls with the enabled modifications applied."""
    out = copy.deepcopy(calls)
    for mod in mods:
        if not mod.enabled:
            continue
        parts = [p for p in str(mod.path).replace("[", ".").replace("]", "").split(".") if p]
        if len(parts) < 2 or not parts[0].isdigit():
            raise ValidationError(
                f"Replay modification path {mod.path!r}: expected '<call number>.<field>...', "
                "e.g. '1.response.text'"
            )
        index = int(parts[0]) - 1
        if not 0 <= index < len(out):
            raise ValidationError(
                f"Replay modification path {mod.path!r}: the recording has {len(out)} calls"
            )
        target: Any = out[index]
        for key in parts[1:-1]:
            target = (
                target[int(key) - 1] if isinstance(target, list) else target.setdefault(key, {})
            )
        last = parts[-1]
        if isinstance(target, list):
            target[int(last) - 1] = mod.value
        else:
            target[last] = mod.value
    return out


# Schedules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: str  # once | interval | cron
    delay_seconds: float = 0.0
    interval_seconds: float = 0.0
    max_executions: int | None = None
    expression: str = ""

    def type_name(self) -> str:
        return self.kind


def once(delay_s: float) -> Schedule:
    return Schedule("once", delay_seconds=_seconds(delay_s, "once"))


def interval(initial_s: float, interval_s: float, max_exec: int | None = None) -> Schedule:
    every = _seconds(interval_s, "interval")
    if every <= 0:
        raise ValidationError("Replay.schedules.interval: the interval must be above 0 seconds")
    return Schedule(
        "interval",
        delay_seconds=_seconds(initial_s, "interval"),
        interval_seconds=every,
        max_executions=None if max_exec is None else int(max_exec),
    )


def cron(expr: str) -> Schedule:
    if not isinstance(expr, str) or len(expr.split()) not in (5, 6, 7):
        raise ValidationError(f"Replay.schedules.cron: {expr!r} is not a cron expression")
    return Schedule("cron", expression=expr)


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(f"Replay.schedules.{where}: expected seconds >= 0, got {value!r}")
    return float(value)


# Comparator ---------------------------------------------------------------------------------


def compare_json(a: Any, b: Any) -> dict[str, Any]:
    """`{identical, similarity_score (0..1), summary, differences={ {path, description} }}`."""
    differences: list[dict[str, str]] = []
    total = _diff(a, b, "$", differences)
    same = max(total - len(differences), 0)
    score = 1.0 if total == 0 else round(same / total, 4)
    identical = not differences
    summary = (
        "identical" if identical else f"{len(differences)} difference(s); similarity {score:.0%}"
    )
    return {
        "identical": identical,
        "similarity_score": 1.0 if identical else score,
        "summary": summary,
        "differences": differences,
    }


def _diff(a: Any, b: Any, path: str, out: list[dict[str, str]]) -> int:
    """Compare; append differences; the number of leaf comparisons made."""
    if isinstance(a, dict) and isinstance(b, dict):
        count = 0
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}"
            if key not in b:
                out.append({"path": sub, "description": "only in the first value"})
                count += 1
            elif key not in a:
                out.append({"path": sub, "description": "only in the second value"})
                count += 1
            else:
                count += _diff(a[key], b[key], sub, out)
        return max(count, 1)
    if isinstance(a, list) and isinstance(b, list):
        count = 0
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i + 1}]"
            if i >= len(b):
                out.append({"path": sub, "description": "only in the first value"})
                count += 1
            elif i >= len(a):
                out.append({"path": sub, "description": "only in the second value"})
                count += 1
            else:
                count += _diff(a[i], b[i], sub, out)
        return max(count, 1)
    if type(a) is not type(b) and not (_num(a) and _num(b)):
        out.append({"path": path, "description": f"type {_kind(a)} != {_kind(b)}"})
    elif a != b:
        out.append({"path": path, "description": f"{_show(a)} != {_show(b)}"})
    return 1


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _show(v: Any) -> str:
    text = json.dumps(v, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
