"""Exact value conversion between Lua and Python.

Lua -> Python:
- strings become `str` when they are valid UTF-8, otherwise `bytes` (binary data survives);
- integers stay `int`, floats stay `float`, booleans `bool`, nil `None`;
- a table whose keys are exactly 1..n becomes a `list`; a table whose keys are all positive
  integers with a few holes (largest key <= 2 x number of keys) becomes a `list` with `None` in the
  holes; any other table becomes a `dict` (integer keys stay integers); `{}` becomes `{}`;
- functions become `LuaCallable` (callable from Python); other values are refused.

Python -> Lua: the reverse, with `list`/`tuple` as 1-based sequences, `bytes` as raw strings,
`ScriptObject` instances as tables of methods, and `Multi` as several return values.
Nesting deeper than `MAX_DEPTH` (usually a cycle) is an error naming the depth.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from llmspell.bridge.globals.base import Multi, ScriptObject
from llmspell.core.errors import ValidationError

if TYPE_CHECKING:
    from llmspell.bridge.lua.engine import LuaEngine

MAX_DEPTH = 100

_runtime_probe = lupa.LuaRuntime(encoding=None)
LuaTable = type(_runtime_probe.table())
LuaFunction = type(_runtime_probe.eval("function() end"))
LuaThread = type(_runtime_probe.eval("coroutine.create(function() end)"))
del _runtime_probe


class LuaCallable:
    """A Lua function held by Python; calling it runs it on the script thread."""

    __slots__ = ("_engine", "_fn")

    def __init__(self, engine: LuaEngine, fn: Any) -> None:
        self._engine = engine
        self._fn = fn

    def __call__(self, *args: Any) -> Any:
        return self._engine.call_function(self._fn, args)

    def __repr__(self) -> str:
        return "<lua function>"


class Converter:
    """Converts values for one Lua runtime."""

    def __init__(
        self,
        engine: LuaEngine,
        new_table: Callable[..., Any],
        make_object: Callable[[ScriptObject], Any],
    ) -> None:
        self._engine = engine
        self._new_table = new_table
        self._make_object = make_object

    # Lua -> Python -------------------------------------------------------------------------

    def to_py(self, value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if kind is bytes:
            try:
                return value.decode()
            except UnicodeDecodeError:
                return value
        if kind is LuaTable:
            return self._table_to_py(value, depth)
        if kind is LuaFunction:
            return LuaCallable(self._engine, value)
        if kind is LuaThread:
            raise ValidationError("a coroutine cannot be passed outside Lua")
        return value

    def _table_to_py(self, table: Any, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise ValidationError(
                f"table nested deeper than {MAX_DEPTH} levels (does it contain itself?)"
            )
        to_py = self.to_py
        out: dict[Any, Any] = {}
        sequence = True
        for key, value in table.items():
            kind = type(key)
            if kind is bytes:
                sequence = False
                with contextlib.suppress(UnicodeDecodeError):
                    key = key.decode()
            elif kind is not int or key <= 0:
                sequence = False
                if kind is LuaTable:
                    if isinstance(value, ScriptObject):
                        return value
                    continue
                if kind is LuaFunction:
                    continue
            value_kind = type(value)
            if value_kind is bytes:
                try:
                    out[key] = value.decode()
                except UnicodeDecodeError:
                    out[key] = value
            elif value_kind is LuaTable or value_kind is LuaFunction or value_kind is LuaThread:
                out[key] = to_py(value, depth + 1)
            else:
                out[key] = value
        if sequence and out:
            top = max(out)
            if top <= 2 * len(out):
                return [out.get(i) for i in range(1, top + 1)]
        return out

    # Python -> Lua -------------------------------------------------------------------------

    def to_lua(self, value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if kind is str:
            return value.encode()
        if value is None or kind is bool or kind is int or kind is bytes:
            return value
        if kind is float:
            return value
        if kind is Multi:
            return tuple(self.to_lua(v, depth) for v in value)
        if depth >= MAX_DEPTH:
            raise ValidationError(
                f"value nested deeper than {MAX_DEPTH} levels (does it contain itself?)"
            )
        if isinstance(value, Mapping):
            table = self._new_table()
            for k, v in value.items():
                if v is None:
                    continue
                table[self._key_to_lua(k)] = self.to_lua(v, depth + 1)
            return table
        if isinstance(value, list | tuple):
            return self._new_table(*[self.to_lua(v, depth + 1) for v in value])
        if isinstance(value, ScriptObject):
            return self._make_object(value)
        if isinstance(value, LuaCallable):
            return value._fn
        if kind in (LuaTable, LuaFunction):
            return value
        if isinstance(value, str):
            return str(value).encode()
        if isinstance(value, int | float):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        if isinstance(value, _dt.datetime | _dt.date):
            return value.isoformat().encode()
        if isinstance(value, PurePath):
            return str(value).encode()
        if isinstance(value, set | frozenset):
            return self._new_table(*[self.to_lua(v, depth + 1) for v in sorted(value, key=str)])
        raise ValidationError(f"cannot pass a Python {type(value).__name__} value to Lua")

    @staticmethod
    def _key_to_lua(key: Any) -> Any:
        if isinstance(key, str):
            return key.encode()
        if isinstance(key, bool):
            return key
        if isinstance(key, int):
            return key
        if isinstance(key, float) and not math.isnan(key):
            return key
        return str(key).encode()
