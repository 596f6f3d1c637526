"""llmspell: script LLM applications in Lua.

`Runtime` is imported on first use so that `import llmspell` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmspell.core.errors import (
    ConfigError,
    FeatureDisabled,
    LLMSpellError,
    ScriptError,
    ScriptExit,
    ScriptMemoryError,
    ScriptTimeout,
    SecurityError,
    ValidationError,
)

if TYPE_CHECKING:
    from llmspell.runtime import Runtime

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FeatureDisabled",
    "LLMSpellError",
    "Runtime",
    "ScriptError",
    "ScriptExit",
    "ScriptMemoryError",
    "ScriptTimeout",
    "SecurityError",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "Runtime":
        from llmspell.runtime import Runtime

        return Runtime
    raise AttributeError(f"module 'llmspell' has no attribute {name!r}")
