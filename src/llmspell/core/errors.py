"""The llmspell error tree.

```text
LLMSpellError          message, hint, where; exit_code = 1
  ConfigError          exit_code = 2; file and dotted key
  UsageError           exit_code = 2; bad command-line input
  ScriptError          chunk:line, Lua traceback
    ScriptTimeout      also TimeoutError
    ScriptMemoryError  also MemoryError
    ScriptExit         os.exit(n) from a spell; carries the exit code
  FeatureDisabled      names the config key that enables the feature
  SecurityError
    PathNotAllowed
    CommandNotAllowed
    HostNotAllowed
  ValidationError      a script value of the wrong shape
  StorageError         a store cannot be read or written (never silently recreated)
  StateError           a State operation was refused (key rules, size limits)
  SessionError         a session or artifact operation failed
  QuotaExceeded        a RAG tenant is over a quota (vectors, bytes, queries, tokens)
  ToolError
    ToolNotFound       `Tool 'x' not found`
    ToolParameterError names the tool, the parameter and what was expected
    ToolExecutionError the tool ran and failed
  ProviderError        names the provider and model
    ProviderAuthError  a missing or rejected API key
    ProviderHTTPError  an HTTP error status from the provider (status, body)
    ProviderTimeout    also TimeoutError
    ProviderConnectionError  the endpoint could not be reached
  AgentError           an agent could not be built or a call could not finish
```

Every message says what went wrong, where, and how to fix it.
"""

from __future__ import annotations

from pathlib import Path


class LLMSpellError(Exception):
    """Base of every error llmspell raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        joiner = " " if self.message.rstrip().endswith((".", ";", ":", "!", "?")) else ". "
        return f"{self.message.rstrip()}{joiner}{self.hint}"


class ConfigError(LLMSpellError):
    """A configuration file or value is malformed; names the file and the dotted key."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        where = []
        if self.file:
            where.append(self.file)
        if key:
            where.append(f"key `{key}`")
        prefix = f"{': '.join(where)}: " if where else ""
        super().__init__(f"{prefix}{message}", hint=hint)


class UsageError(LLMSpellError):
    """The command line asked for something impossible."""

    exit_code = 2


class ScriptError(LLMSpellError):
    """A spell failed: carries the chunk name, line and Lua traceback."""

    def __init__(
        self,
        message: str,
        *,
        chunk: str | None = None,
        line: int | None = None,
        traceback: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.chunk = chunk
        self.line = line
        self.traceback = traceback


class ScriptTimeout(ScriptError, TimeoutError):
    """A spell ran past its wall-clock limit."""


class ScriptMemoryError(ScriptError, MemoryError):
    """A spell allocated past its memory limit."""


class ScriptExit(ScriptError):
    """`os.exit(n)` from a spell: not a failure unless n != 0."""

    def __init__(self, code: int) -> None:
        super().__init__(f"script called os.exit({code})")
        self.code = code


class FeatureDisabled(LLMSpellError):
    """A global whose feature is turned off in config was used."""

    def __init__(self, feature: str, key: str) -> None:
        super().__init__(
            f"{feature} is disabled. Set `{key} = true` in llmspell.toml to enable it."
        )
        self.feature = feature
        self.key = key


class SecurityError(LLMSpellError):
    """An operation was refused by a security rule."""


class PathNotAllowed(SecurityError):
    """A file path lies outside the allowed roots."""


class CommandNotAllowed(SecurityError):
    """A process or command is not permitted."""


class HostNotAllowed(SecurityError):
    """An outbound address is not permitted."""


class ValidationError(LLMSpellError):
    """A value passed from a script has the wrong shape or type."""


class StorageError(LLMSpellError):
    """An embedded store cannot be opened, read or written."""


class StateError(LLMSpellError):
    """A State operation was refused: an invalid key, an oversized value, a failed migration."""


class SessionError(LLMSpellError):
    """A session or artifact operation failed (unknown id, wrong status, over a limit)."""


class QuotaExceeded(LLMSpellError):
    """A tenant is over one of its `rag.tenancy` quotas; nothing was stored or searched."""

    def __init__(
        self, message: str, *, tenant: str, quota: str, used: int, limit: int, hint: str | None
    ) -> None:
        super().__init__(message, hint=hint)
        self.tenant = tenant
        self.quota = quota
        self.used = used
        self.limit = limit


class ToolError(LLMSpellError):
    """A tool could not be found, was given bad parameters, or failed."""


class ToolNotFound(ToolError):
    """No tool of that name (after `-`/`_` folding)."""


class ToolParameterError(ToolError):
    """A tool parameter is missing or has the wrong type or value."""


class ToolExecutionError(ToolError):
    """A tool ran and failed."""


class ProviderError(LLMSpellError):
    """An LLM provider call failed; the message names the provider, model and cause."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.model = model


class ProviderAuthError(ProviderError):
    """The API key is missing or was rejected."""


class ProviderHTTPError(ProviderError):
    """The provider answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: str = "",
        provider: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, model=model)
        self.status = status
        self.body = body


class ProviderTimeout(ProviderError, TimeoutError):
    """The provider did not answer in time."""


class ProviderConnectionError(ProviderError):
    """The provider's endpoint could not be reached."""


class AgentError(LLMSpellError):
    """An agent could not be built, or a call could not finish (e.g. too many tool calls)."""


class WorkflowError(LLMSpellError):
    """A workflow could not be built or a run failed; names the workflow and the step."""

    def __init__(
        self,
        message: str,
        *,
        workflow: str | None = None,
        step: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.workflow = workflow
        self.step = step
