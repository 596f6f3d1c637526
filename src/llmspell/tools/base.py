"""What a tool is: parameters as a pydantic model, a `run` method, and a uniform result."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from llmspell.tools.context import ToolContext

SecurityLevel = Literal["safe", "restricted", "privileged"]
LEVEL_ORDER: dict[str, int] = {"safe": 0, "restricted": 1, "privileged": 2}


class ToolParams(BaseModel):
    """Base of every tool's parameters: unknown keys are refused, names are the schema."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


P = TypeVar("P", bound=ToolParams)


@dataclass(slots=True, kw_only=True)
class ToolResult:
    """A tool's answer (SPEC §1.4): `text` for people, `result` for code, extras on top."""

    success: bool = True
    text: str = ""
    result: Any = None
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, text: str, result: Any = None, **extra: Any) -> ToolResult:
        return cls(success=True, text=text, result=result, extra=extra)

    @classmethod
    def fail(cls, error: str, result: Any = None, **extra: Any) -> ToolResult:
        """A negative answer reported in band (the call itself worked)."""
        return cls(success=False, text=error, result=result, error=error, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "success": self.success,
            "text": self.text,
            "result": self.result,
            "metadata": self.metadata,
        }
        if self.error is not None:
            out["error"] = self.error
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


class Tool(ABC, Generic[P]):
    """A built-in tool. Subclasses set the class attributes and implement `run`."""

    name: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    version: ClassVar[str] = "1.0.0"
    security_level: ClassVar[SecurityLevel] = "safe"
    tags: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[ToolParams]]
    #: result keys and what they mean, per operation where it matters (for docs/tools.md)
    result_keys: ClassVar[dict[str, str]] = {}
    #: how the tool is confined, for docs/tools.md
    security_notes: ClassVar[str] = ""
    #: a harmless call `llmspell tool test` makes; "{tmp}" in a string is a fresh temp folder
    example: ClassVar[dict[str, Any] | None] = None

    @abstractmethod
    def run(self, params: P, ctx: ToolContext) -> ToolResult:
        """Do the work; raise ToolExecutionError (or let OSError/ValueError out) on failure."""

    @classmethod
    def parameters_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the parameters (what agents send to a model)."""
        cached: dict[str, Any] | None = cls.__dict__.get("_schema_cache")
        if cached is None:
            cached = cls.Params.model_json_schema()
            cached.pop("title", None)
            cls._schema_cache = cached  # type: ignore[attr-defined]
        return cached

    def validate(self, params: dict[str, Any]) -> P:
        return self.Params.model_validate(params)  # type: ignore[return-value]
