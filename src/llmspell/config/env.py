"""Environment overrides: one table from variable name to dotted config key and value type.

The table is the single source for the loader and for docs/configuration.md (a test checks that
every row appears there). Only variables that are set and non-empty override anything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Literal

from llmspell.core.errors import ConfigError

EnvKind = Literal["bool", "int", "float", "str", "list"]

KIND_TEXT: dict[str, str] = {
    "bool": "true or false",
    "int": "integer",
    "float": "number",
    "str": "string",
    "list": "comma-separated list",
}


class EnvOverride:
    """One row: `name` sets every key in `keys` to its value parsed as `kind`."""

    __slots__ = ("keys", "kind", "name")

    def __init__(self, name: str, keys: str | tuple[str, ...], kind: EnvKind) -> None:
        self.name = name
        self.keys = (keys,) if isinstance(keys, str) else keys
        self.kind = kind

    def __repr__(self) -> str:
        return f"EnvOverride({self.name!r}, {self.keys!r}, {self.kind!r})"


def _rows(*rows: tuple[str, str | tuple[str, ...], EnvKind]) -> tuple[EnvOverride, ...]:
    return tuple(EnvOverride(name, keys, kind) for name, keys, kind in rows)


_STATE = "runtime.state_persistence"
_SESSIONS = "runtime.sessions"
_T = "tools"

ENV_OVERRIDES: tuple[EnvOverride, ...] = _rows(
    # core and runtime
    ("LLMSPELL_DEFAULT_ENGINE", "default_engine", "str"),
    ("LLMSPELL_MAX_CONCURRENT_SCRIPTS", "runtime.max_concurrent_scripts", "int"),
    ("LLMSPELL_SCRIPT_TIMEOUT_SECONDS", "runtime.script_timeout_seconds", "int"),
    ("LLMSPELL_ALLOW_FILE_ACCESS", "runtime.security.allow_file_access", "bool"),
    ("LLMSPELL_ALLOW_NETWORK_ACCESS", "runtime.security.allow_network_access", "bool"),
    ("LLMSPELL_ALLOW_PROCESS_SPAWN", "runtime.security.allow_process_spawn", "bool"),
    ("LLMSPELL_ALLOW_CONFIG_CHANGES", "runtime.security.allow_config_changes", "bool"),
    (
        "LLMSPELL_MAX_MEMORY_BYTES",
        ("runtime.security.max_memory_bytes", "engines.lua.max_memory_bytes"),
        "int",
    ),
    ("LLMSPELL_MAX_EXECUTION_TIME_MS", "runtime.security.max_execution_time_ms", "int"),
    ("LLMSPELL_SECURITY_LEVEL", "engines.lua.security_level", "str"),
    ("LLMSPELL_LUA_STDLIB", "engines.lua.stdlib", "str"),
    # state
    ("LLMSPELL_STATE_ENABLED", f"{_STATE}.enabled", "bool"),
    ("LLMSPELL_STATE_BACKEND", f"{_STATE}.backend_type", "str"),
    ("LLMSPELL_STATE_PATH", f"{_STATE}.schema_directory", "str"),
    ("LLMSPELL_STATE_MIGRATION_ENABLED", f"{_STATE}.migration_enabled", "bool"),
    ("LLMSPELL_STATE_BACKUP_ENABLED", f"{_STATE}.backup_enabled", "bool"),
    ("LLMSPELL_STATE_BACKUP_ON_MIGRATION", f"{_STATE}.backup_on_migration", "bool"),
    ("LLMSPELL_STATE_BACKUP_DIR", f"{_STATE}.backup.backup_dir", "str"),
    ("LLMSPELL_STATE_MAX_SIZE_BYTES", f"{_STATE}.max_state_size_bytes", "int"),
    # sessions
    ("LLMSPELL_SESSIONS_ENABLED", f"{_SESSIONS}.enabled", "bool"),
    ("LLMSPELL_SESSIONS_MAX", f"{_SESSIONS}.max_sessions", "int"),
    ("LLMSPELL_SESSIONS_TIMEOUT_SECONDS", f"{_SESSIONS}.session_timeout_seconds", "int"),
    ("LLMSPELL_SESSIONS_BACKEND", f"{_SESSIONS}.storage_backend", "str"),
    ("LLMSPELL_SESSIONS_MAX_ARTIFACTS", f"{_SESSIONS}.max_artifacts_per_session", "int"),
    # tools
    ("LLMSPELL_TOOLS_ENABLED", f"{_T}.enabled", "bool"),
    ("LLMSPELL_TOOLS_RATE_LIMIT", f"{_T}.rate_limit_per_minute", "int"),
    ("LLMSPELL_TOOLS_FILE_OPS_ENABLED", f"{_T}.file_operations.enabled", "bool"),
    ("LLMSPELL_TOOLS_MAX_FILE_SIZE", f"{_T}.file_operations.max_file_size", "int"),
    ("LLMSPELL_TOOLS_ALLOWED_PATHS", f"{_T}.file_operations.allowed_paths", "list"),
    ("LLMSPELL_TOOLS_NETWORK_TIMEOUT", f"{_T}.network.timeout_seconds", "int"),
    ("LLMSPELL_TOOLS_NETWORK_MAX_RETRIES", f"{_T}.network.max_retries", "int"),
    ("LLMSPELL_TOOLS_NETWORK_VERIFY_SSL", f"{_T}.network.verify_ssl", "bool"),
    ("LLMSPELL_TOOLS_NETWORK_ALLOW_PRIVATE", f"{_T}.network.allow_private", "bool"),
    ("LLMSPELL_TOOLS_WEB_USER_AGENT", f"{_T}.web_tools.user_agent", "str"),
    ("LLMSPELL_TOOLS_WEB_ALLOWED_DOMAINS", f"{_T}.web_tools.allowed_domains", "list"),
    ("LLMSPELL_TOOLS_WEB_BLOCKED_DOMAINS", f"{_T}.web_tools.blocked_domains", "list"),
    ("LLMSPELL_TOOLS_WEB_MAX_REDIRECTS", f"{_T}.web_tools.max_redirects", "int"),
    ("LLMSPELL_TOOLS_WEB_SCRAPING_DELAY", f"{_T}.web_tools.scraping_delay_ms", "int"),
    ("LLMSPELL_TOOLS_MEDIA_MAX_SIZE", f"{_T}.media.max_file_size", "int"),
    ("LLMSPELL_TOOLS_MEDIA_PROCESSING_TIMEOUT", f"{_T}.media.processing_timeout_seconds", "int"),
    ("LLMSPELL_TOOLS_MEDIA_IMAGE_MAX_DIMENSIONS", f"{_T}.media.image_max_dimensions", "str"),
    ("LLMSPELL_TOOLS_DB_CONNECTION_TIMEOUT", f"{_T}.database.connection_timeout_seconds", "int"),
    ("LLMSPELL_TOOLS_DB_ALLOWED_HOSTS", f"{_T}.database.allowed_hosts", "list"),
    ("LLMSPELL_TOOLS_EMAIL_SMTP_HOST", f"{_T}.email.smtp_host", "str"),
    ("LLMSPELL_TOOLS_EMAIL_SMTP_PORT", f"{_T}.email.smtp_port", "int"),
    ("LLMSPELL_TOOLS_EMAIL_FROM_ADDRESS", f"{_T}.email.from_address", "str"),
    ("LLMSPELL_TOOLS_EMAIL_RATE_LIMIT", f"{_T}.email.rate_limit_per_minute", "int"),
    ("LLMSPELL_TOOLS_SYSTEM_ALLOW_PROCESS_EXEC", f"{_T}.system.allow_process_execution", "bool"),
    ("LLMSPELL_TOOLS_SYSTEM_ALLOWED_COMMANDS", f"{_T}.system.allowed_commands", "list"),
    ("LLMSPELL_TOOLS_SYSTEM_MAX_OUTPUT_SIZE", f"{_T}.system.max_output_size", "int"),
    ("LLMSPELL_TOOLS_DATA_MAX_CSV_SIZE", f"{_T}.data.max_csv_size", "int"),
    ("LLMSPELL_TOOLS_DATA_MAX_JSON_DEPTH", f"{_T}.data.max_json_depth", "int"),
    ("LLMSPELL_TOOLS_ACADEMIC_MAX_REFERENCES", f"{_T}.academic.max_references", "int"),
    ("LLMSPELL_TOOLS_DOC_MAX_PDF_SIZE", f"{_T}.document.max_pdf_size", "int"),
    ("LLMSPELL_TOOLS_DOC_EXTRACT_IMAGES", f"{_T}.document.extract_images", "bool"),
    ("LLMSPELL_TOOLS_SEARCH_ENGINE", f"{_T}.search.default_engine", "str"),
    ("LLMSPELL_TOOLS_SEARCH_API_KEY", f"{_T}.search.api_key", "str"),
    # hooks and events
    ("LLMSPELL_HOOKS_ENABLED", "hooks.enabled", "bool"),
    ("LLMSPELL_HOOKS_RATE_LIMIT", "hooks.rate_limit_per_minute", "int"),
    ("LLMSPELL_HOOKS_RESOURCE_WARNING_FRACTION", "hooks.resource_warning_fraction", "float"),
    ("LLMSPELL_EVENTS_ENABLED", "events.enabled", "bool"),
    ("LLMSPELL_EVENTS_BUFFER_SIZE", "events.buffer_size", "int"),
    ("LLMSPELL_EVENTS_EMIT_TIMING_EVENTS", "events.emit_timing_events", "bool"),
    ("LLMSPELL_EVENTS_EMIT_STATE_EVENTS", "events.emit_state_events", "bool"),
    ("LLMSPELL_EVENTS_EMIT_DEBUG_EVENTS", "events.emit_debug_events", "bool"),
    ("LLMSPELL_EVENTS_MAX_EVENTS_PER_SECOND", "events.max_events_per_second", "int"),
    ("LLMSPELL_EVENTS_FILTERING_INCLUDE_TYPES", "events.filtering.include_types", "list"),
    ("LLMSPELL_EVENTS_FILTERING_EXCLUDE_TYPES", "events.filtering.exclude_types", "list"),
    ("LLMSPELL_EVENTS_FILTERING_INCLUDE_COMPONENTS", "events.filtering.include_components", "list"),
    ("LLMSPELL_EVENTS_FILTERING_EXCLUDE_COMPONENTS", "events.filtering.exclude_components", "list"),
    ("LLMSPELL_EVENTS_EXPORT_STDOUT", "events.export.stdout", "bool"),
    ("LLMSPELL_EVENTS_EXPORT_FILE", "events.export.file", "str"),
    ("LLMSPELL_EVENTS_EXPORT_WEBHOOK", "events.export.webhook", "str"),
    ("LLMSPELL_EVENTS_EXPORT_PRETTY_JSON", "events.export.pretty_json", "bool"),
    # RAG (documented by the original, wired here)
    ("LLMSPELL_RAG_ENABLED", "rag.enabled", "bool"),
    ("LLMSPELL_RAG_MULTI_TENANT", "rag.multi_tenant", "bool"),
    ("LLMSPELL_RAG_DIMENSIONS", "rag.vector_storage.dimensions", "int"),
    ("LLMSPELL_RAG_BACKEND", "rag.vector_storage.backend", "str"),
    ("LLMSPELL_RAG_PERSISTENCE_PATH", "rag.vector_storage.persistence_path", "str"),
    ("LLMSPELL_RAG_MAX_MEMORY_MB", "rag.vector_storage.max_memory_mb", "float"),
    ("LLMSPELL_HNSW_M", "rag.vector_storage.hnsw.m", "int"),
    ("LLMSPELL_HNSW_EF_CONSTRUCTION", "rag.vector_storage.hnsw.ef_construction", "int"),
    ("LLMSPELL_HNSW_EF_SEARCH", "rag.vector_storage.hnsw.ef_search", "int"),
    ("LLMSPELL_HNSW_MAX_ELEMENTS", "rag.vector_storage.hnsw.max_elements", "int"),
    ("LLMSPELL_HNSW_METRIC", "rag.vector_storage.hnsw.metric", "str"),
    ("LLMSPELL_EMBEDDING_PROVIDER", "rag.embedding.default_provider", "str"),
    ("LLMSPELL_EMBEDDING_MODEL", "rag.embedding.model", "str"),
    ("LLMSPELL_EMBEDDING_CACHE", "rag.embedding.cache_enabled", "bool"),
    ("LLMSPELL_EMBEDDING_BATCH_SIZE", "rag.embedding.batch_size", "int"),
    ("LLMSPELL_RAG_SEARCH_DEFAULT_K", "rag.search.default_k", "int"),
    ("LLMSPELL_RAG_SEARCH_MAX_K", "rag.search.max_k", "int"),
    ("LLMSPELL_RAG_SEARCH_MODE", "rag.search.mode", "str"),
    ("LLMSPELL_RAG_SEARCH_VECTOR_WEIGHT", "rag.search.vector_weight", "float"),
    ("LLMSPELL_RAG_SEARCH_KEYWORD_WEIGHT", "rag.search.keyword_weight", "float"),
    ("LLMSPELL_RAG_TENANT_MAX_VECTORS", "rag.tenancy.max_vectors", "int"),
    ("LLMSPELL_RAG_TENANT_MAX_STORAGE_BYTES", "rag.tenancy.max_storage_bytes", "int"),
    ("LLMSPELL_RAG_TENANT_MAX_QUERIES_PER_MINUTE", "rag.tenancy.max_queries_per_minute", "int"),
    ("LLMSPELL_RAG_TENANT_MAX_EMBEDDING_TOKENS", "rag.tenancy.max_embedding_tokens", "int"),
    ("LLMSPELL_RAG_SESSION_TTL_SECONDS", "rag.tenancy.session_ttl_seconds", "int"),
    # kernel, daemon, logging, debug (documented by the original, wired here)
    ("LLMSPELL_KERNEL_PORT", "kernel.port", "int"),
    ("LLMSPELL_KERNEL_IP", "kernel.ip", "str"),
    ("LLMSPELL_KERNEL_ID", "kernel.kernel_id", "str"),
    ("LLMSPELL_CONNECTION_FILE", "kernel.connection_file", "str"),
    ("LLMSPELL_HMAC_KEY", "kernel.hmac_key", "str"),
    ("LLMSPELL_KERNEL_IDLE_TIMEOUT", "kernel.idle_timeout", "int"),
    ("LLMSPELL_KERNEL_MAX_CLIENTS", "kernel.max_clients", "int"),
    ("LLMSPELL_HEALTH_ENABLED", "kernel.health.enabled", "bool"),
    ("LLMSPELL_HEALTH_PORT", "kernel.health.port", "int"),
    ("LLMSPELL_DAEMON", "daemon.daemonize", "bool"),
    ("LLMSPELL_PID_FILE", "daemon.pid_file", "str"),
    ("LLMSPELL_DAEMON_LOG_FILE", "daemon.log_file", "str"),
    ("LLMSPELL_WORKING_DIR", "daemon.working_dir", "str"),
    ("LLMSPELL_GRACEFUL_SHUTDOWN_TIMEOUT", "daemon.shutdown_timeout_seconds", "int"),
    ("LLMSPELL_LOG_LEVEL", "logging.level", "str"),
    ("LLMSPELL_LOG_FILE", "logging.file", "str"),
    ("LLMSPELL_LOG_FORMAT", "logging.format", "str"),
    ("LLMSPELL_DEBUG", "debug.enabled", "bool"),
    ("LLMSPELL_DEBUG_LEVEL", "debug.level", "str"),
    ("LLMSPELL_DEBUG_PERFORMANCE", "debug.performance.enabled", "bool"),
)

#: `LLMSPELL_PROVIDER_<NAME>_<FIELD>`: FIELD -> (provider key, kind). NAME is matched against the
#: configured providers case-insensitively, with `-` read as `_`.
PROVIDER_ENV_FIELDS: dict[str, tuple[str, EnvKind]] = {
    "API_KEY_ENV": ("api_key_env", "str"),
    "PROVIDER_TYPE": ("provider_type", "str"),
    "MAX_RETRIES": ("max_retries", "int"),
    "MAX_TOKENS": ("max_tokens", "int"),
    "BASE_URL": ("base_url", "str"),
    "TIMEOUT": ("timeout_seconds", "int"),
    "ENABLED": ("enabled", "bool"),
    "MODEL": ("default_model", "str"),
}
#: These fields may add a provider that no file configures.
PROVIDER_CREATING_FIELDS = frozenset({"MODEL", "PROVIDER_TYPE", "BASE_URL"})
#: Read by the providers at call time and never copied into the config (secrets stay out of dumps).
PROVIDER_SECRET_FIELDS = frozenset({"API_KEY"})
PROVIDER_PREFIX = "LLMSPELL_PROVIDER_"

#: Recognised by the loader itself rather than mapped to a key.
LOADER_VARIABLES: dict[str, str] = {
    "LLMSPELL_CONFIG": "Config file to load (like `-c`); it must exist.",
    "LLMSPELL_HOME": "The llmspell home (default `~/.llmspell`): config.toml, state, logs.",
    "LLMSPELL_PROFILE": "Built-in profile applied when `-p/--profile` is not given.",
}

_INT = re.compile(r"[+-]?\d+")


def parse_env_value(name: str, key: str, kind: EnvKind, text: str) -> Any:
    """Parse one variable's text as `kind`; a bad value raises ConfigError naming the variable."""
    value = text.strip()
    if kind == "str":
        return value
    if kind == "list":
        return [part.strip() for part in value.split(",") if part.strip()]
    if kind == "bool":
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    elif kind == "int":
        if _INT.fullmatch(value):
            return int(value)
    elif kind == "float":
        try:
            return float(value)
        except ValueError:
            pass
    raise ConfigError(
        f"expected {_EXPECTED[kind]}, got {text!r}",
        file=f"environment variable {name}",
        key=key,
    )


_EXPECTED = {"bool": "true or false", "int": "an integer", "float": "a number"}


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: _nest(rest, value) if rest else value}


def env_layers(
    env: Mapping[str, str], configured_providers: Collection[str], warnings: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield `(source, raw table)` for every override variable that is set, in table order."""
    for row in ENV_OVERRIDES:
        text = env.get(row.name)
        if not text:
            continue
        value = parse_env_value(row.name, row.keys[0], row.kind, text)
        source = f"environment variable {row.name}"
        for key in row.keys:
            yield source, _nest(key, value)
    yield from _provider_layers(env, configured_providers, warnings)


def _provider_layers(
    env: Mapping[str, str], configured: Collection[str], warnings: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    by_normal_name = {name.lower().replace("-", "_"): name for name in configured}
    found: dict[str, list[tuple[str, str, str]]] = {}
    for var in sorted(env):
        text = env[var]
        if not var.startswith(PROVIDER_PREFIX) or not text:
            continue
        rest = var[len(PROVIDER_PREFIX) :]
        field = _provider_field(rest)
        if field is None:
            warnings.append(f"environment variable {var}: not a provider setting (ignored)")
            continue
        if field in PROVIDER_SECRET_FIELDS:
            continue
        name = rest[: -len(field) - 1].lower()
        found.setdefault(name, []).append((var, field, text))
    for name, settings in found.items():
        table_name = by_normal_name.get(name)
        if table_name is None:
            if not any(field in PROVIDER_CREATING_FIELDS for _, field, _ in settings):
                for var, _, _ in settings:
                    warnings.append(
                        f"environment variable {var}: no provider `{name}` is configured "
                        "(ignored; set its _MODEL, _PROVIDER_TYPE or _BASE_URL to add one)"
                    )
                continue
            table_name = name
        for var, field, text in settings:
            key, kind = PROVIDER_ENV_FIELDS[field]
            dotted = f"providers.providers.{table_name}.{key}"
            value = parse_env_value(var, dotted, kind, text)
            yield (
                f"environment variable {var}",
                {"providers": {"providers": {table_name: {key: value}}}},
            )


def _provider_field(rest: str) -> str | None:
    for field in (*PROVIDER_ENV_FIELDS, *PROVIDER_SECRET_FIELDS):
        if rest.endswith("_" + field) and len(rest) > len(field) + 1:
            return field
    return None
