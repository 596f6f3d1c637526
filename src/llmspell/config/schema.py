"""`LLMSpellConfig`: the whole `llmspell.toml`, with engines, runtime and app sections."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from llmspell.config.observability import DebugConfig, EventsConfig, HooksConfig, LoggingConfig
from llmspell.config.providers import ProvidersConfig
from llmspell.config.rag import RagConfig
from llmspell.config.section import ConfigProblem, Field, Section
from llmspell.config.service import DaemonConfig, KernelConfig
from llmspell.config.tools import ToolsConfig

StdlibLevel = Literal["none", "basic", "standard", "all"]
SecurityLevel = Literal["safe", "privileged", "unrestricted"]
StateBackend = Literal["memory", "sqlite"]
CompressionType = Literal["gzip", "zstd", "lz4", "none"]

BUILTIN_ENGINES = ("lua", "javascript")
_STATE_BACKENDS = {"embedded": "sqlite"}
_OLD_STATE_BACKENDS = {"sled": "sqlite"}


class LuaConfig(Section):
    """`[engines.lua]`: the Lua 5.4 engine that runs spells."""

    _moved = {
        "stdlib_level": "engines.lua.stdlib",
        "memory_limit": "engines.lua.max_memory_bytes",
        "sandbox_mode": "engines.lua.security_level",
    }

    stdlib: StdlibLevel = Field(
        default="standard",
        values={"full": "all"},
        description=(
            "How much of the Lua standard library spells get: none, basic, standard or all "
            "(`full` means all)."
        ),
    )
    max_memory_bytes: int = Field(
        default=50_000_000, ge=0, description="Memory limit of one Lua state in bytes; 0: no limit."
    )
    enable_debug: bool = Field(
        default=False, description="Keep the Lua `debug` library and line hooks."
    )
    timeout_ms: int = Field(
        default=0,
        ge=0,
        description=(
            "Wall-time limit per script in ms; 0: only `runtime.script_timeout_seconds` "
            "applies (the tighter of the two wins)."
        ),
    )
    security_level: SecurityLevel = Field(
        default="safe",
        description=(
            "safe (files only under allowed paths, no os.execute/io.popen), privileged or "
            "unrestricted; case-insensitive."
        ),
    )


class JavaScriptConfig(Section):
    """`[engines.javascript]`: reserved for the JavaScript engine."""

    strict_mode: bool = Field(default=True, description="Run scripts in strict mode.")
    max_heap_size_bytes: int = Field(
        default=50_000_000, ge=0, description="Heap limit; 0: no limit."
    )
    enable_console: bool = Field(default=True, description="Provide `console.log`.")
    timeout_ms: int = Field(
        default=0, ge=0, description="Wall-time limit in ms; 0: runtime default."
    )
    security_level: SecurityLevel = Field(
        default="safe", description="safe, privileged or unrestricted."
    )


class EnginesConfig(Section):
    """`[engines]`: script engines; any other `[engines.<name>]` table is kept in `custom`."""

    _extras: ClassVar[str | None] = "custom"

    lua: LuaConfig = Field(default_factory=LuaConfig, description="Lua engine.")
    javascript: JavaScriptConfig = Field(
        default_factory=JavaScriptConfig, description="JavaScript engine.", aliases=("js",)
    )
    custom: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Settings of other engines, by engine name."
    )


class RuntimeSecurityConfig(Section):
    """`[runtime.security]`: what a spell may do by itself."""

    allow_file_access: bool = Field(
        default=False,
        description="Grant spells file access beyond what their security level allows by default.",
    )
    allow_network_access: bool = Field(
        default=True, description="Let spells and tools reach the network."
    )
    allow_process_spawn: bool = Field(
        default=False,
        description="Let spells use os.execute/io.popen when the security level offers them.",
    )
    allow_config_changes: bool = Field(
        default=True,
        description=(
            "Let spells change providers for their own run (`Config.setProvider`, "
            "`Config.removeProvider`); nothing is written to disk."
        ),
    )
    max_memory_bytes: int = Field(
        default=0,
        ge=0,
        description=(
            "Memory cap for any engine in bytes; 0: none (the tighter of this and "
            "`engines.lua.max_memory_bytes` wins)."
        ),
    )
    max_execution_time_ms: int = Field(
        default=0,
        ge=0,
        description="Wall-time cap in ms; 0: none (the tightest time limit wins).",
    )


class BackupConfig(Section):
    """`[runtime.state_persistence.backup]`: `llmspell backup` settings."""

    backup_dir: str | None = Field(
        default=None,
        description="Where backups go; unset: `<llmspell home>/backups`.",
        example='"./backups"',
    )
    compression_enabled: bool = Field(default=True, description="Compress backups.")
    compression_type: CompressionType = Field(
        default="zstd", description="zstd, gzip, lz4 (needs the `lz4` package) or none."
    )
    compression_level: int = Field(default=3, ge=1, le=9, description="Compression level, 1-9.")
    incremental_enabled: bool = Field(
        default=True, description="Store only changes since the last one."
    )
    max_backups: int = Field(default=10, ge=0, description="Backups kept; 0: all.")
    max_backup_age: int = Field(
        default=2_592_000, ge=0, description="Seconds a backup is kept (30 days); 0: forever."
    )


class StatePersistenceConfig(Section):
    """`[runtime.state_persistence]`: the store behind the `State` global."""

    enabled: bool = Field(default=True, description="Keep the State global's data.")
    backend_type: StateBackend = Field(
        default="sqlite",
        values=_STATE_BACKENDS,
        deprecated=_OLD_STATE_BACKENDS,
        description=(
            "sqlite (embedded, persists under the llmspell home; `embedded` is a synonym) or "
            "memory (lost at exit). The old `sled` is read as sqlite."
        ),
    )
    migration_enabled: bool = Field(
        default=False, description="Run schema migrations of stored values."
    )
    backup_on_migration: bool = Field(default=True, description="Back up before migrating.")
    backup_enabled: bool = Field(
        default=False, description="Allow `llmspell backup` and State backups."
    )
    schema_directory: str | None = Field(
        default=None,
        description="Directory of the state store; unset: `<llmspell home>/state`.",
        example='"./llmspell_state"',
    )
    max_state_size_bytes: int = Field(
        default=10_000_000, gt=0, description="Largest single stored value, in bytes."
    )
    backup: BackupConfig = Field(default_factory=BackupConfig, description="Backups.")


class SessionsConfig(Section):
    """`[runtime.sessions]`: the `Session` and `Artifact` globals."""

    enabled: bool = Field(default=False, description="Turn sessions and artifacts on.")
    max_sessions: int = Field(default=100, gt=0, description="Sessions kept active.")
    max_artifacts_per_session: int = Field(default=1000, gt=0, description="Artifacts per session.")
    artifact_compression_threshold: int = Field(
        default=10_240, ge=0, description="Artifacts larger than this many bytes are compressed."
    )
    session_timeout_seconds: int = Field(default=3600, gt=0, description="Idle time before expiry.")
    storage_backend: StateBackend = Field(
        default="sqlite",
        values=_STATE_BACKENDS,
        deprecated=_OLD_STATE_BACKENDS,
        description="sqlite (persists under the llmspell home) or memory.",
    )


class RuntimeConfig(Section):
    """`[runtime]`: running spells."""

    _moved = {
        "log_level": "logging.level",
        "debug": "debug",
        "hooks": "hooks",
        "events": "events",
    }

    max_concurrent_scripts: int = Field(default=10, gt=0, description="Spells running at once.")
    script_timeout_seconds: int = Field(
        default=300, gt=0, description="Wall-time limit of one spell run, in seconds."
    )
    enable_streaming: bool = Field(default=True, description="Allow streaming agent output.")
    security: RuntimeSecurityConfig = Field(
        default_factory=RuntimeSecurityConfig, description="Spell permissions."
    )
    state_persistence: StatePersistenceConfig = Field(
        default_factory=StatePersistenceConfig, description="State store."
    )
    sessions: SessionsConfig = Field(default_factory=SessionsConfig, description="Sessions.")


class AppConfig(Section):
    """`[app]`: metadata of an application folder, read by `llmspell app`."""

    name: str | None = Field(default=None, description="Display name; unset: the folder name.")
    description: str | None = Field(default=None, description="One-line summary.")
    version: str | None = Field(default=None, description="Application version.")
    complexity: str | None = Field(
        default=None, description="Free text such as Simple or Advanced."
    )
    agents: int | None = Field(default=None, ge=0, description="Number of agents the app uses.")
    tags: list[str] = Field(default=[], description="Search tags.")


def _engine_name(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class LLMSpellConfig(Section):
    """The whole configuration (`llmspell.toml`)."""

    _moved = {
        "state": "runtime.state_persistence",
        "sessions": "runtime.sessions",
        "security": "runtime.security",
    }

    default_engine: str = Field(
        default="lua",
        before=_engine_name,
        values={"js": "javascript"},
        description="Engine for spells: lua, javascript, or an `[engines.<name>]` table.",
    )
    engines: EnginesConfig = Field(default_factory=EnginesConfig, description="Engines.")
    providers: ProvidersConfig = Field(default_factory=ProvidersConfig, description="Providers.")
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig, description="Runtime.")
    tools: ToolsConfig = Field(default_factory=ToolsConfig, description="Tools.")
    hooks: HooksConfig = Field(default_factory=HooksConfig, description="Hooks.")
    events: EventsConfig = Field(default_factory=EventsConfig, description="Events.")
    debug: DebugConfig = Field(default_factory=DebugConfig, description="Debug output.")
    rag: RagConfig = Field(default_factory=RagConfig, description="RAG.")
    kernel: KernelConfig = Field(default_factory=KernelConfig, description="Kernel service.")
    daemon: DaemonConfig = Field(default_factory=DaemonConfig, description="Daemon mode.")
    logging: LoggingConfig = Field(default_factory=LoggingConfig, description="Logging.")
    app: AppConfig = Field(default_factory=AppConfig, description="Application metadata.")

    def check(self) -> None:
        engine = self.default_engine
        if engine not in BUILTIN_ENGINES and engine not in self.engines.custom:
            raise ConfigProblem(
                "default_engine",
                f"unknown engine {engine!r}; expected 'lua', 'javascript' or the name of an "
                "[engines.<name>] table",
            )

    def timeout_setting(self) -> tuple[float, str]:
        """The wall-time limit of one spell and the key that sets it (the tightest of three)."""
        limits = [(float(self.runtime.script_timeout_seconds), "runtime.script_timeout_seconds")]
        for millis, key in (
            (self.engines.lua.timeout_ms, "engines.lua.timeout_ms"),
            (self.runtime.security.max_execution_time_ms, "runtime.security.max_execution_time_ms"),
        ):
            if millis:
                limits.append((millis / 1000, key))
        return min(limits, key=lambda limit: limit[0])

    def memory_setting(self) -> tuple[int, str]:
        """The Lua memory limit (0: none) and the key that sets it (the tighter of two)."""
        limits = [
            (limit, key)
            for limit, key in (
                (self.engines.lua.max_memory_bytes, "engines.lua.max_memory_bytes"),
                (self.runtime.security.max_memory_bytes, "runtime.security.max_memory_bytes"),
            )
            if limit
        ]
        if not limits:
            return 0, "engines.lua.max_memory_bytes"
        return min(limits, key=lambda limit: limit[0])

    def effective_timeout_seconds(self) -> float:
        """The wall-time limit of one spell: the tightest of the three time settings."""
        return self.timeout_setting()[0]

    def effective_memory_limit_bytes(self) -> int:
        """The Lua memory limit: the tighter of the two memory settings; 0 means none."""
        return self.memory_setting()[0]
