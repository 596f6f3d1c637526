"""`Tool`: invoke, list, inspect and register tools."""

from __future__ import annotations

from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ToolNotFound, ValidationError
from llmspell.tools.registry import ToolRegistry


def _params(tool: str, params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if isinstance(params, dict):
        return {str(k): v for k, v in params.items()}
    if isinstance(params, list) and not params:
        return {}
    raise ValidationError(
        f"Tool '{tool}': parameters must be a table of named values, got {script_type(params)}"
    )


def parameter_list(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The original's `schema.parameters` shape: `{name, type, description, required, default}`."""
    required = set(schema.get("required", []))
    out = []
    for name, spec in schema.get("properties", {}).items():
        entry: dict[str, Any] = {
            "name": name,
            "type": spec.get("type") or _any_of_type(spec),
            "description": spec.get("description", ""),
            "required": name in required,
        }
        if "default" in spec:
            entry["default"] = spec["default"]
        out.append(entry)
    return out


def _any_of_type(spec: dict[str, Any]) -> str:
    types = [s.get("type") for s in spec.get("anyOf", []) if s.get("type") not in (None, "null")]
    if "enum" in spec:
        return "string"
    return types[0] if types else "any"


class ToolHandle(ScriptObject):
    """`Tool.get(name)` and `Tool.<name>`: one tool, callable as `t:execute{...}`."""

    def __init__(self, registry: ToolRegistry, name: str) -> None:
        self._registry = registry
        self._name = name

    def script_fields(self) -> dict[str, Any]:
        tool = self._registry.get(self._name)
        info = self._registry.info(self._name)
        schema = tool.parameters_schema()
        return {
            **info.as_dict(),
            "schema": {
                "name": info.name,
                "description": info.description,
                "parameters": parameter_list(schema),
                "json_schema": schema,
            },
        }

    def execute(self, params: Any = None) -> dict[str, Any]:
        return self._registry.invoke(self._name, _params(self._name, params)).to_dict()

    invoke = execute
    call = execute

    def getSchema(self) -> dict[str, Any]:
        return self._registry.get(self._name).parameters_schema()


class ToolGlobal(ScriptGlobal):
    name = "Tool"

    def __init__(self, registry: ToolRegistry) -> None:
        self._registry = registry

    def script_index(self, key: str) -> ToolHandle | None:
        """`Tool.calculator`, `Tool["web-search"]`: a handle, or nil when no such tool."""
        if self._registry.exists(key):
            return ToolHandle(self._registry, key)
        return None

    def invoke(self, name: str, params: Any = None, options: Any = None) -> dict[str, Any]:
        """Run a tool: the result table has success, text, result, error and metadata."""
        if not isinstance(name, str):
            raise ValidationError(
                f"Tool.invoke: the tool name must be a string, got {script_type(name)}"
            )
        return self._registry.invoke(name, _params(name, params)).to_dict()

    execute = invoke

    def list(self) -> list[dict[str, Any]]:
        return [info.as_dict() for info in self._registry.list_tools()]

    def get(self, name: str) -> ToolHandle | None:
        return ToolHandle(self._registry, name) if self._registry.exists(name) else None

    def exists(self, name: str) -> bool:
        return self._registry.exists(name)

    def categories(self) -> list[str]:
        return self._registry.categories()

    def discover(self, filter: Any = None) -> list[dict[str, Any]]:
        query = filter if isinstance(filter, dict) else {}
        found = self._registry.discover(category=query.get("category"), tag=query.get("tag"))
        return [info.as_dict() for info in found]

    def search(self, *words: str) -> list[dict[str, Any]]:
        return [info.as_dict() for info in self._registry.search(words)]

    def get_schema(self, name: str) -> dict[str, Any]:
        return self._registry.get(name).parameters_schema()

    def register(self, spec: Any) -> str:
        """`Tool.register{name=, description=, parameters=, execute=function(params) end}`."""
        from llmspell.tools.script_tool import ScriptTool, normalise_schema

        if not isinstance(spec, dict):
            raise ValidationError(
                "Tool.register: pass a table {name=, description=, parameters=, execute=}"
            )
        name = spec.get("name")
        execute = spec.get("execute") or spec.get("handler") or spec.get("fn")
        if not isinstance(name, str) or not name:
            raise ValidationError("Tool.register: `name` must be a non-empty string")
        if not callable(execute):
            raise ValidationError(f"Tool.register {name!r}: `execute` must be a function")
        tool = ScriptTool(
            name=name,
            description=str(spec.get("description", "")),
            parameters=normalise_schema(name, spec.get("parameters")),
            execute=execute,
            category=str(spec.get("category", "custom")),
            security_level=spec.get("security_level", "safe"),
            tags=tuple(spec.get("tags") or ()),
            version=str(spec.get("version", "1.0.0")),
        )
        self._registry.register(tool, replace=bool(spec.get("replace", False)))
        return name

    def unregister(self, name: str) -> bool:
        if not self._registry.unregister(name):
            if self._registry.exists(name):
                raise ValidationError(
                    f"Tool.unregister: {name!r} is built in and cannot be removed"
                )
            raise ToolNotFound(f"Tool '{name}' not found")
        return True
