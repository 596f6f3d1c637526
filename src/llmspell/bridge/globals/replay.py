"""`Replay`: modes, configs, parameter modifications, schedules and the JSON comparator
(api-cli-config.md §2.15); `Replay.replay(session_id, fn_or_code, config?)` runs a replay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError
from llmspell.replay import config as rc

if TYPE_CHECKING:
    from llmspell.replay import ReplayManager


class ReplayMode(ScriptObject):
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def name(self) -> str:
        return self.mode

    def script_fields(self) -> dict[str, Any]:
        return {"mode": self.mode}


class ModificationObject(ScriptObject):
    def __init__(self, mod: rc.Modification) -> None:
        self.mod = mod

    def get_path(self) -> str:
        return self.mod.path

    def get_value(self) -> Any:
        return self.mod.value

    def is_enabled(self) -> bool:
        return self.mod.enabled

    def set_enabled(self, enabled: bool) -> None:
        self.mod.enabled = bool(enabled)


class ConfigObject(ScriptObject):
    def __init__(self, config: rc.ReplayConfig) -> None:
        self.config = config

    def get_mode(self) -> str:
        return self.config.mode

    def should_compare_results(self) -> bool:
        return self.config.compare_results

    def get_timeout_seconds(self) -> float:
        return self.config.timeout_seconds

    def should_stop_on_error(self) -> bool:
        return self.config.stop_on_error

    def set_stop_on_error(self, value: bool) -> ConfigObject:
        self.config.stop_on_error = bool(value)
        return self

    def get_modifications(self) -> list[dict[str, Any]]:
        return [
            {"path": m.path, "value": m.value, "enabled": m.enabled}
            for m in self.config.modifications
        ]

    def add_modification(self, path: Any, value: Any = None, enabled: bool = True) -> None:
        if isinstance(path, ModificationObject):
            self.config.modifications.append(path.mod)
            return
        if not isinstance(path, str) or not path:
            raise ValidationError(f"add_modification: expected a path string, got {path!r}")
        self.config.modifications.append(rc.Modification(path, value, bool(enabled)))


class ScheduleObject(ScriptObject):
    def __init__(self, schedule: rc.Schedule) -> None:
        self.schedule = schedule

    def type_name(self) -> str:
        return self.schedule.type_name()

    def script_fields(self) -> dict[str, Any]:
        s = self.schedule
        return {
            "delay_seconds": s.delay_seconds,
            "interval_seconds": s.interval_seconds,
            "max_executions": s.max_executions,
            "expression": s.expression,
        }


class Schedules(ScriptObject):
    def once(self, delay_s: float) -> ScheduleObject:
        return ScheduleObject(rc.once(delay_s))

    def interval(
        self, initial_s: float, interval_s: float, max_exec: int | None = None
    ) -> ScheduleObject:
        return ScheduleObject(rc.interval(initial_s, interval_s, max_exec))

    def cron(self, expr: str) -> ScheduleObject:
        return ScheduleObject(rc.cron(expr))


class Modes(ScriptObject):
    def script_fields(self) -> dict[str, Any]:
        return {}

    def script_index(self, key: str) -> Any:
        return ReplayMode(key) if key in rc.MODES else None


class Comparator(ScriptObject):
    def compare_json(self, a: Any, b: Any) -> dict[str, Any]:
        return rc.compare_json(a, b)


def to_config(value: Any) -> rc.ReplayConfig:
    """A config from a config object, a mode (object or name), or an options table."""
    if value is None:
        return rc.ReplayConfig()
    if isinstance(value, ConfigObject):
        return value.config
    if isinstance(value, ReplayMode | str):
        return rc.ReplayConfig(mode=rc.check_mode(value))
    if isinstance(value, dict):
        cfg = rc.ReplayConfig(mode=rc.check_mode(value.get("mode")))
        for mod in value.get("modifications") or []:
            if isinstance(mod, ModificationObject):
                cfg.modifications.append(mod.mod)
            elif isinstance(mod, dict) and isinstance(mod.get("path"), str):
                cfg.modifications.append(
                    rc.Modification(mod["path"], mod.get("value"), mod.get("enabled", True))
                )
            else:
                raise ValidationError(f"Replay modification: expected {{path, value}}, got {mod!r}")
        if "stop_on_error" in value:
            cfg.stop_on_error = bool(value["stop_on_error"])
        return cfg
    raise ValidationError(f"Replay: expected a config, mode or table, got {script_type(value)}")


class ReplayGlobal(ScriptGlobal):
    name = "Replay"

    def __init__(self, manager: ReplayManager | None = None) -> None:
        self._manager = manager

    def script_fields(self) -> dict[str, Any]:
        return {"modes": Modes(), "schedules": Schedules()}

    def create_config(self, mode: Any = None) -> ConfigObject:
        return ConfigObject(rc.ReplayConfig(mode=rc.check_mode(mode)))

    def create_modification(self, path: str, value: Any, enabled: bool = True) -> Any:
        if not isinstance(path, str) or not path:
            raise ValidationError(f"Replay.create_modification: expected a path, got {path!r}")
        return ModificationObject(rc.Modification(path, value, bool(enabled)))

    def create_comparator(self) -> Comparator:
        return Comparator()

    def compare_json(self, a: Any, b: Any) -> dict[str, Any]:
        return rc.compare_json(a, b)

    def replay(self, session_id: str, target: Any = None, config: Any = None) -> dict[str, Any]:
        """Run `target` (a function or spell code) answered from `session_id`'s recording."""
        if self._manager is None:
            raise ValidationError("Replay needs sessions: set `runtime.sessions.enabled = true`")
        return self._manager.replay(session_id, target, to_config(config))
