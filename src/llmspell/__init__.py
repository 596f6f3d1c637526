"""llmspell: script LLM applications in Lua."""

from llmspell.core.errors import (
    ConfigError,
    FeatureDisabled,
    LLMSpellError,
    ScriptError,
    ScriptExit,
    ScriptMemoryError,
    ScriptTimeout,
    SecurityError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FeatureDisabled",
    "LLMSpellError",
    "ScriptError",
    "ScriptExit",
    "ScriptMemoryError",
    "ScriptTimeout",
    "SecurityError",
    "__version__",
]
