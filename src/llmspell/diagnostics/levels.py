"""Debug levels and the names scripts may spell them with."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """A debug level; higher is more verbose. An entry shows when its level <= the current one."""

    OFF = 0
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4
    TRACE = 5

    @property
    def label(self) -> str:
        """The lowercase name scripts see (`getLevel()` returns it)."""
        return self.name.lower()


_ALIASES: dict[str, Level] = {
    "off": Level.OFF,
    "none": Level.OFF,
    "0": Level.OFF,
    "error": Level.ERROR,
    "err": Level.ERROR,
    "1": Level.ERROR,
    "warn": Level.WARN,
    "warning": Level.WARN,
    "2": Level.WARN,
    "info": Level.INFO,
    "3": Level.INFO,
    "debug": Level.DEBUG,
    "4": Level.DEBUG,
    "trace": Level.TRACE,
    "5": Level.TRACE,
}

LEVEL_CHOICES = "off|none|0, error|err|1, warn|warning|2, info|3, debug|4, trace|5"


def parse_level(value: object) -> Level | None:
    """The level named by `value` (a case-insensitive name or a number 0-5), or None."""
    if isinstance(value, Level):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return Level(value) if 0 <= value <= 5 else None
    if isinstance(value, str):
        return _ALIASES.get(value.strip().lower())
    return None
