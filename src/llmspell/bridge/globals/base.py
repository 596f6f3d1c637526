"""The language-neutral way to define what a script sees.

A global is a Python class whose public methods are exactly the functions a script calls:

```python
class JsonGlobal(ScriptGlobal):
    name = "JSON"

    def parse(self, text: str) -> Any: ...
    def stringify(self, value: Any, opts: dict | None = None) -> str: ...
    encode = stringify            # an alias is just another public name
```

Methods take and return plain Python values (str, bytes, int, float, bool, None, dict, list),
`ScriptFunction` for callbacks, `ScriptObject` instances for things with methods of their own
(a timer, a builder), and `Multi` for several return values. Any engine (Lua now, JavaScript
later) converts at its edge, accepts both `obj:m()` and `obj.m()` call styles, and turns a raised
exception into a catchable script error carrying the message.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, ClassVar, Protocol

from llmspell.core.scripting import ScriptObject

__all__ = [
    "Multi",
    "ScriptFunction",
    "ScriptGlobal",
    "ScriptHost",
    "ScriptObject",
    "disabled_stand_in",
    "script_methods",
    "script_type",
]

_NOT_METHODS = frozenset({"script_fields", "script_index"})


class ScriptGlobal(ScriptObject):
    """A script global: `name` is what scripts call it."""

    name: ClassVar[str]


class Multi(tuple):
    """Several return values (`return a, b` in Lua)."""

    __slots__ = ()


class ScriptFunction(Protocol):
    """A callable from script code (a Lua function), safe to call from any thread."""

    def __call__(self, *args: Any) -> Any: ...


def script_type(value: Any) -> str:
    """A converted value's type as a script names it, for messages: nil, number, table, ..."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict | list):
        return "table"
    if callable(value):
        return "function"
    return type(value).__name__


_methods_cache: dict[type, dict[str, Callable[..., Any]]] = {}


def script_methods(cls: type[ScriptObject]) -> dict[str, Callable[..., Any]]:
    """Public methods of `cls` keyed by their script names, computed once per class."""
    found = _methods_cache.get(cls)
    if found is not None:
        return found
    found = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if attr.startswith("_") or attr in _NOT_METHODS:
                continue
            if isinstance(value, FunctionType):
                found[attr] = value
            elif isinstance(value, staticmethod | classmethod):
                found.pop(attr, None)
    _methods_cache[cls] = found
    return found


class ScriptHost(Protocol):
    """What a global may ask of the engine running the script."""

    def write_stdout(self, text: str) -> None: ...

    def write_stderr(self, text: str) -> None: ...

    def stack_frames(
        self, max_depth: int = 50, *, with_locals: bool = False
    ) -> list[dict[str, Any]]:
        """Frames of the running script, innermost first: function, source, line, locals."""
        ...

    def memory_used(self) -> int:
        """Bytes the script engine currently holds."""
        ...

    def memory_limit(self) -> int | None: ...

    def collect_garbage(self) -> None: ...


def disabled_stand_in(real: type[ScriptGlobal], *, feature: str, key: str) -> ScriptGlobal:
    """A global whose feature is off: the same names, each raising FeatureDisabled(key)."""
    from llmspell.core.errors import FeatureDisabled

    def refuse(self: ScriptGlobal, *args: Any) -> Any:
        raise FeatureDisabled(feature, key)

    namespace: dict[str, Any] = {"name": real.name}
    for method in script_methods(real):
        namespace[method] = refuse
    stand_in = type(f"Disabled{real.__name__}", (ScriptGlobal,), namespace)
    return stand_in()
