"""Core types shared by every layer: the error tree."""

from llmspell.core.errors import (
    CommandNotAllowed,
    ConfigError,
    FeatureDisabled,
    HostNotAllowed,
    LLMSpellError,
    PathNotAllowed,
    ScriptError,
    ScriptExit,
    ScriptMemoryError,
    ScriptTimeout,
    SecurityError,
    UsageError,
    ValidationError,
)

__all__ = [
    "CommandNotAllowed",
    "ConfigError",
    "FeatureDisabled",
    "HostNotAllowed",
    "LLMSpellError",
    "PathNotAllowed",
    "ScriptError",
    "ScriptExit",
    "ScriptMemoryError",
    "ScriptTimeout",
    "SecurityError",
    "UsageError",
    "ValidationError",
]
