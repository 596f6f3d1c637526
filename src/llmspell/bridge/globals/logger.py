"""`Logger`: a script's handle on the process log (Python `logging`, logger `llmspell.script`).

Records go wherever the runtime's handlers send `llmspell` logs: stderr at the `--trace` level,
the log file in kernel mode. `setLevel` changes only this script logger (and its children that
set no level of their own): the level lives on this object, not on the shared `logging.Logger`,
so two runtimes in one process never change each other's logging.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject
from llmspell.core import ValidationError
from llmspell.diagnostics import LEVEL_CHOICES, Level, parse_level, to_text

TRACE = 5
"""Python logging has no TRACE; records at 5 carry the name `TRACE` without `addLevelName`."""

_TO_LOGGING: dict[Level, int] = {
    Level.OFF: logging.CRITICAL + 1,
    Level.ERROR: logging.ERROR,
    Level.WARN: logging.WARNING,
    Level.INFO: logging.INFO,
    Level.DEBUG: logging.DEBUG,
    Level.TRACE: TRACE,
}


class _ScriptLogging(ScriptObject):
    """The methods a script logger has; `Logger` itself and `Logger.child(name)` share them."""

    def __init__(self, logger: logging.Logger, parent: _ScriptLogging | None = None) -> None:
        self._logger = logger
        self._parent = parent
        self._level: int | None = None

    def trace(self, message: Any, data: Any = None) -> None:
        self._emit(TRACE, message, data)

    def debug(self, message: Any, data: Any = None) -> None:
        self._emit(logging.DEBUG, message, data)

    def info(self, message: Any, data: Any = None) -> None:
        self._emit(logging.INFO, message, data)

    def warn(self, message: Any, data: Any = None) -> None:
        self._emit(logging.WARNING, message, data)

    warning = warn

    def error(self, message: Any, data: Any = None) -> None:
        self._emit(logging.ERROR, message, data)

    def log(self, level: Any, message: Any, data: Any = None) -> None:
        parsed = parse_level(level)
        if parsed is None:
            raise ValidationError(f"Unknown log level {level!r}. Use one of: {LEVEL_CHOICES}.")
        if parsed is not Level.OFF:
            self._emit(_TO_LOGGING[parsed], message, data)

    def setLevel(self, level: Any) -> bool:
        """Set this logger's level; False (no change) for a name that is not a level."""
        parsed = parse_level(level)
        if parsed is None:
            return False
        self._level = _TO_LOGGING[parsed]
        return True

    def getLevel(self) -> str:
        threshold = self._threshold()
        if threshold is None:
            threshold = self._logger.getEffectiveLevel()
        for level in (Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR):
            if threshold <= _TO_LOGGING[level]:
                return level.label
        return Level.OFF.label

    def child(self, name: Any) -> ScriptLogger:
        """A sub-logger `<this logger>.<name>` with the same methods."""
        if not isinstance(name, str) or not name.strip(". "):
            raise ValidationError(f"Logger.child needs a non-empty name string, got {name!r}.")
        return ScriptLogger(self._logger.getChild(name.strip(". ")), parent=self)

    def _threshold(self) -> int | None:
        node: _ScriptLogging | None = self
        while node is not None:
            if node._level is not None:
                return node._level
            node = node._parent
        return None

    def _emit(self, level: int, message: Any, data: Any) -> None:
        threshold = self._threshold()
        if threshold is None:
            if not self._logger.isEnabledFor(level):
                return
        elif level < threshold:
            return
        text = to_text(message) + _pairs(data)
        extra = None if data is None else {"script_data": data}
        record = self._logger.makeRecord(
            self._logger.name, level, "<script>", 0, text, (), None, extra=extra
        )
        if level == TRACE:
            record.levelname = "TRACE"
        self._logger.handle(record)


class ScriptLogger(_ScriptLogging):
    """What `Logger.child(name)` returns; its `name` field is the full logger name."""

    def script_fields(self) -> dict[str, Any]:
        return {"name": self._logger.name}


class LoggerGlobal(_ScriptLogging, ScriptGlobal):
    name = "Logger"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        super().__init__(logger if logger is not None else logging.getLogger("llmspell.script"))


def _pairs(data: Any) -> str:
    """` key=value key2="two words"` for a table; ` data=<value>` for anything else."""
    if data is None:
        return ""
    if isinstance(data, dict):
        if not data:
            return ""
        return "".join(f" {k}={_value(data[k])}" for k in sorted(data, key=str))
    return f" data={_value(data)}"


def _value(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        plain = value and not any(c.isspace() or c in '"=' for c in value)
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
