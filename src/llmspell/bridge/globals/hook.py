"""`Hook`: register Lua functions at hook points; they run when tools, agents, model calls and
workflows reach those points, and their return value decides what happens.

```lua
local h = Hook.register("BeforeToolExecution", function(ctx)
    if ctx.tool == "file_operations" then return {type = "cancel", reason = "no files"} end
    return {type = "modified", data = {input = ctx.params.input:upper()}}
end, "high")
print(h.id, h:hook_point())
h:unregister()                       -- or Hook.unregister(h) / Hook.unregister(h.id)
for _, info in ipairs(Hook.list("BeforeToolExecution")) do print(info.name) end
```

Returns: nil or "continue"; "skip"/"skipped"; "cancel" or any other string (the reason);
`{type="modified", data=}`, `{type="cancel", reason=}`, `{type="redirect", target=}`,
`{type="replace", data=}`, `{type="retry", delay_ms=}`, `{type="skipped", reason=}`.
"""

from __future__ import annotations

from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError
from llmspell.hooks import ALL_POINTS, FIRED, HookRegistry, canonical_point
from llmspell.hooks.registry import PRIORITIES, parse_priority

LANGUAGE = "lua"


class HookHandle(ScriptObject):
    """What `Hook.register` returns: `id`, `point` fields; `:unregister()`, `:hook_point()`."""

    def __init__(self, registry: HookRegistry, hook_id: str, point: str) -> None:
        self._registry = registry
        self._id = hook_id
        self._point = point

    def script_fields(self) -> dict[str, Any]:
        return {"id": self._id, "point": self._point}

    def get_id(self) -> str:
        return self._id

    def hook_point(self) -> str:
        return self._point

    def unregister(self) -> bool:
        return self._registry.unregister(self._id)

    def is_registered(self) -> bool:
        return self._registry.get(self._id) is not None


def _hook_id(value: Any) -> str | None:
    if isinstance(value, HookHandle):
        return value.get_id()
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


class HookGlobal(ScriptGlobal):
    name = "Hook"

    def __init__(self, registry: HookRegistry) -> None:
        self._registry = registry

    def register(self, point: Any, fn: Any, priority: Any = None) -> HookHandle:
        """`Hook.register(point, fn(ctx), priority?)`; priority is highest, high, normal
        (default), low, lowest, a number (lower runs first), or a table
        `{priority=, name=, description=, tags=}`."""
        if not callable(fn):
            raise ValidationError(
                f"Hook.register: the second argument must be a function, got {script_type(fn)}"
            )
        options: dict[str, Any] = {}
        if isinstance(priority, dict):
            options, priority = priority, priority.get("priority")
        canonical = canonical_point(point)
        tags = options.get("tags")
        hook_id = self._registry.register(
            canonical,
            fn,
            priority=parse_priority(priority),
            name=str(options["name"]) if options.get("name") else None,
            language=LANGUAGE,
            description=str(options.get("description") or ""),
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        )
        return HookHandle(self._registry, hook_id, canonical)

    def unregister(self, handle: Any) -> bool:
        """`Hook.unregister(handle_or_id)` -> whether a hook was removed."""
        hook_id = _hook_id(handle)
        return hook_id is not None and self._registry.unregister(hook_id)

    def list(self, filter: Any = None) -> list[dict[str, Any]]:
        """`Hook.list(point?)` or `Hook.list{hook_point=, language=, priority=, tag=}`."""
        if filter is None or (isinstance(filter, list) and not filter):
            return [h.info() for h in self._registry.list(internal=False)]
        if isinstance(filter, str):
            return [h.info() for h in self._registry.list(filter, internal=False)]
        if not isinstance(filter, dict):
            raise ValidationError(
                f"Hook.list: the filter must be a point name or a table, got {script_type(filter)}"
            )
        point = filter.get("hook_point") or filter.get("point")
        hooks = self._registry.list(point if isinstance(point, str) else None, internal=False)
        language = filter.get("language")
        if isinstance(language, str):
            hooks = [h for h in hooks if h.language == language.lower()]
        if filter.get("priority") is not None:
            rank = parse_priority(filter["priority"])
            hooks = [h for h in hooks if h.priority == rank]
        tag = filter.get("tag")
        if isinstance(tag, str):
            hooks = [h for h in hooks if tag in h.tags]
        return [h.info() for h in hooks]

    def points(self) -> list[str]:
        """Every hook point name (the ones that fire today are in `Hook.fired_points()`)."""
        return list(ALL_POINTS)

    def fired_points(self) -> list[str]:
        return [p for p in ALL_POINTS if p in FIRED]

    def priorities(self) -> list[str]:
        return list(PRIORITIES)

    def clear(self) -> bool:
        """Remove every hook a spell or a caller registered (the runtime's own stay)."""
        self._registry.clear(keep_internal=True)
        return True

    def enabled(self) -> bool:
        return self._registry.enabled
