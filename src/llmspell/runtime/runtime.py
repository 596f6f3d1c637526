"""The composition root: builds every component from config and runs scripts."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from llmspell.config import LLMSpellConfig, LoadedConfig, llmspell_home
from llmspell.core.errors import LLMSpellError, ScriptError
from llmspell.core.output import ConsoleSink, OutputSink
from llmspell.runtime.script_thread import ScriptThread
from llmspell.security import PathPolicy

if TYPE_CHECKING:
    from llmspell.agents import AgentManager
    from llmspell.bridge.globals.base import ScriptGlobal
    from llmspell.bridge.lua.engine import LuaEngine
    from llmspell.diagnostics import DebugLog
    from llmspell.events import EventBus
    from llmspell.hooks import HookRegistry
    from llmspell.hooks.observer import RuntimeObserver
    from llmspell.providers import ProviderRegistry
    from llmspell.rag.service import RagService
    from llmspell.replay import ReplayManager
    from llmspell.sessions import SessionManager
    from llmspell.state import StateStore
    from llmspell.tools.registry import ToolRegistry
    from llmspell.workflows import WorkflowEngine

log = logging.getLogger("llmspell.runtime")


class Runtime:
    """One configured llmspell: a script engine with its globals and the components behind them.

    Two runtimes in one process share nothing. Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        sink: OutputSink | None = None,
        home: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.loaded = loaded
        self.config: LLMSpellConfig = loaded.config
        self.home = home or llmspell_home()
        self.cwd = (cwd or Path.cwd()).resolve()
        self.sink = sink or ConsoleSink()
        self.script_thread = ScriptThread()
        self._engine: LuaEngine | None = None
        self._debug_log: DebugLog | None = None
        self._state: StateStore | None = None
        self._sessions: SessionManager | None = None
        self._tools: ToolRegistry | None = None
        self._providers: ProviderRegistry | None = None
        self._agents: AgentManager | None = None
        self._workflows: WorkflowEngine | None = None
        self._events: EventBus | None = None
        self._rag: RagService | None = None
        from llmspell.metrics import MetricsRegistry

        self.metrics = MetricsRegistry()
        self._hooks: HookRegistry | None = None
        self._observer: RuntimeObserver | None = None
        self._script_dir: Path | None = None

    @classmethod
    def from_config(
        cls,
        config: LLMSpellConfig | LoadedConfig | None = None,
        *,
        sink: OutputSink | None = None,
        home: Path | None = None,
        cwd: Path | None = None,
    ) -> Runtime:
        """A runtime from a config (defaults when None)."""
        if config is None:
            config = LLMSpellConfig.build({})
        if isinstance(config, LLMSpellConfig):
            config = LoadedConfig(config=config, source=None, profile=None, warnings=[])
        return cls(config, sink=sink, home=home, cwd=cwd)

    # Components -----------------------------------------------------------------------------

    @property
    def debug_log(self) -> DebugLog:
        if self._debug_log is None:
            self._debug_log = self._build_debug_log()
        return self._debug_log

    def _build_debug_log(self) -> DebugLog:
        from llmspell.diagnostics import DebugLog

        cfg = self.config.debug
        output = cfg.output
        colored = output.colored and "NO_COLOR" not in os.environ and sys.stderr.isatty()
        file = output.file
        debug_log = DebugLog(
            cfg.level,
            sink=self.sink.write_stderr if output.stdout else None,
            colored=colored,
            buffer_size=output.buffer.max_entries if output.buffer.enabled else 0,
            file=Path(file.path).expanduser() if file else None,
            file_append=file.append if file else True,
        )
        for pattern in cfg.module_filters.enabled:
            debug_log.filters.add(pattern, True)
        for pattern in cfg.module_filters.disabled:
            debug_log.filters.add(pattern, False)
        return debug_log

    @property
    def state(self) -> StateStore:
        """The State store (embedded SQLite under the home by default), opened on first use."""
        if self._state is None:
            from llmspell.state import open_state_store

            self._state = open_state_store(self.config, home=self.home)
            self._state.hooks = self.hooks
        return self._state

    @property
    def sessions(self) -> SessionManager:
        """Sessions and their artifacts, opened on first use."""
        if self._sessions is None:
            from llmspell.sessions import open_session_manager

            manager = open_session_manager(self.config, home=self.home)
            manager.hooks = self.hooks
            if self.config.events.enabled:
                manager.events = lambda: self.events
            self._sessions = manager
        return self._sessions

    @property
    def replay(self) -> ReplayManager:
        """Session replay (llmspell.replay): records calls while a session is current."""
        from llmspell.replay import attach

        return attach(self.hooks, self.sessions, run_code=self.run_code)

    @property
    def hooks(self) -> HookRegistry:
        """Hooks by point; tools, agents, model calls and workflows fire them."""
        if self._hooks is None:
            from llmspell.hooks import HookRegistry

            self._hooks = HookRegistry(self.config.hooks)
        return self._hooks

    @property
    def observer(self) -> RuntimeObserver | None:
        """The hooks feeding `metrics` and lifecycle events; None while no tool, agent or
        workflow has been built, or when `hooks.enabled` is false."""
        return self._observer

    def _observed_hooks(self) -> HookRegistry:
        """The hook registry, with the observer and the `[hooks]` built-ins installed once."""
        hooks = self.hooks
        cfg = self.config.hooks
        if self._observer is not None or not cfg.enabled:
            return hooks
        from llmspell.hooks.builtin import (
            CircuitBreakerHook,
            CostBudgetHook,
            LoggingHook,
            RateLimitHook,
            ResponseCacheHook,
        )
        from llmspell.hooks.observer import RuntimeObserver

        events = (lambda: self.events) if self.config.events.enabled else None
        observer = RuntimeObserver(self.metrics, events=events)
        observer.install(hooks)
        self._observer = observer
        if cfg.rate_limit_per_minute is not None:
            RateLimitHook(cfg.rate_limit_per_minute).install(hooks, internal=True)
        if cfg.cost_budget_usd is not None:
            CostBudgetHook(cfg.cost_budget_usd, lambda: observer.spent_usd).install(
                hooks, internal=True
            )
        if cfg.circuit_breaker_failures > 0:
            CircuitBreakerHook(
                cfg.circuit_breaker_failures, reset=cfg.circuit_breaker_reset_seconds
            ).install(hooks, internal=True)
        if cfg.cache_responses:
            ResponseCacheHook(cfg.cache_ttl_seconds, cfg.cache_max_entries).install(
                hooks, internal=True
            )
        if cfg.log_calls:
            LoggingHook().install(hooks, internal=True)
        return hooks

    @property
    def tools(self) -> ToolRegistry:
        """Every tool, confined to `tools.file_operations.allowed_paths` and the tool rules."""
        if self._tools is None:
            from llmspell.tools.context import ToolContext
            from llmspell.tools.registry import ToolRegistry

            cfg = self.config
            registry = ToolRegistry(cfg.tools)
            registry.hooks = self._observed_hooks()
            registry.context = ToolContext(
                cfg.tools,
                paths=PathPolicy.build(
                    allowed_paths=cfg.tools.file_operations.allowed_paths, base=self.cwd
                ),
                registry=registry,
                network_allowed=cfg.runtime.security.allow_network_access,
                base=self.cwd,
                home=self.home,
            )
            self._tools = registry
        return self._tools

    @property
    def providers(self) -> ProviderRegistry:
        """LLM providers from config, the key store and the environment; no network at build."""
        if self._providers is None:
            from llmspell.providers import ProviderRegistry

            self._providers = ProviderRegistry(self.config.providers, home=self.home)
        return self._providers

    @property
    def agents(self) -> AgentManager:
        """Agent instances, templates, contexts and shared memory of this runtime."""
        if self._agents is None:
            from llmspell.agents import AgentManager

            self._agents = AgentManager(
                providers=self.providers,
                tools=self.tools,
                state=lambda: self.state,
                script_thread=self.script_thread,
                hooks=self._observed_hooks(),
            )
            if self.config.events.enabled:
                self._agents.events = lambda: self.events
        return self._agents

    @property
    def rag(self) -> RagService:
        """The RAG service over the vector store (`rag.vector_storage.persistence_path`, else
        `<home>/rag`), opened on first use; FeatureDisabled when `rag.enabled` is false."""
        if self._rag is None:
            if not self.config.rag.enabled:
                from llmspell.core.errors import FeatureDisabled

                raise FeatureDisabled("RAG", "rag.enabled")
            from llmspell.rag.service import RagService

            self._rag = RagService(
                self.config.rag,
                home=self.home,
                providers=lambda: self.providers,
                paths=self.path_policy(),
                events=lambda: self._events,
            )
        return self._rag

    @property
    def events(self) -> EventBus:
        """The event bus behind `Event`; workflows and (later) components publish on it."""
        if self._events is None:
            from llmspell.events import EventBus

            cfg = self.config.events
            self._events = EventBus(
                cfg,
                state=self.state if cfg.persist else None,
                echo=self.sink.write_stderr,
                base=self.cwd,
                hooks=self.hooks,
            )
        return self._events

    @property
    def workflows(self) -> WorkflowEngine:
        """Workflows built by spells: sequential, parallel, conditional and loop."""
        if self._workflows is None:
            from llmspell.workflows import WorkflowEngine

            self._workflows = WorkflowEngine(
                tools=self.tools,
                agents=self.agents,
                state=lambda: self.state,
                script_thread=self.script_thread,
                events=lambda: self.events,
                hooks=self._observed_hooks(),
            )
        return self._workflows

    def path_policy(self, script_dir: Path | None = None) -> PathPolicy:
        """Files a spell may read (its folder, the cwd, allowed paths) and write."""
        cfg = self.config
        level = cfg.engines.lua.security_level
        read_roots: list[Path] = [self.cwd]
        if script_dir is not None:
            read_roots.insert(0, script_dir)
        return PathPolicy.build(
            allowed_paths=cfg.tools.file_operations.allowed_paths,
            extra_read_roots=read_roots,
            read_anywhere=level != "safe" or cfg.runtime.security.allow_file_access,
            base=self.cwd,
        )

    def engine(self, script_dir: Path | None = None) -> LuaEngine:
        """The Lua engine with every global installed, built on first use."""
        if self._engine is None:
            self._engine = self._build_engine(script_dir)
            self._fire_system("SystemStartup")
        return self._engine

    def _fire_system(self, point: str) -> None:
        """Fire a System point (SystemStartup, SystemShutdown) when something hooks it."""
        hooks = self._hooks
        if hooks is None or not hooks.any(point):
            return
        from llmspell.hooks.registry import HookContext

        hooks.fire(
            point,
            HookContext(
                point=point,
                component_type="system",
                component_name="runtime",
                data={"engine": "lua", "profile": self.loaded.profile},
            ),
        )

    def _limit_exceeded(self, limit: str, setting: str, value: Any, message: str) -> None:
        """Fire ResourceLimitExceeded for a spell stopped by its time or memory limit."""
        from llmspell.hooks.registry import notify

        notify(
            self._hooks,
            "ResourceLimitExceeded",
            "system",
            "runtime",
            limit=limit,
            setting=setting,
            value=value,
            message=message,
        )

    def _usage_high(self, kind: str, used: float, limit: float, setting: str) -> None:
        """Fire MemoryUsageHigh or CpuUsageHigh (a notification) for a run near its limit."""
        from llmspell.hooks.registry import notify

        point = "MemoryUsageHigh" if kind == "memory" else "CpuUsageHigh"
        notify(
            self._hooks,
            point,
            "system",
            "runtime",
            used=round(used, 3) if kind == "time" else int(used),
            limit=limit,
            fraction=round(used / limit, 3) if limit else None,
            threshold=self.config.hooks.resource_warning_fraction,
            setting=setting,
        )

    def _build_engine(self, script_dir: Path | None) -> LuaEngine:
        from llmspell.bridge.lua.engine import EngineOptions, LuaEngine

        cfg = self.config
        paths = self.path_policy(script_dir)
        timeout, timeout_key = cfg.timeout_setting()
        memory, memory_key = cfg.memory_setting()
        options = EngineOptions(
            security_level=cfg.engines.lua.security_level,
            stdlib=cfg.engines.lua.stdlib,
            allow_process_spawn=cfg.runtime.security.allow_process_spawn,
            timeout_seconds=timeout,
            timeout_key=timeout_key,
            max_memory_bytes=memory or None,
            memory_key=memory_key,
            warn_fraction=cfg.hooks.resource_warning_fraction,
            paths=paths,
            module_dirs=(script_dir,) if script_dir else (),
        )
        engine = LuaEngine(
            options,
            sink=self.sink,
            script_thread=self.script_thread,
            on_limit=self._limit_exceeded,
            on_usage=self._usage_high if cfg.hooks.enabled else None,
        )
        for name, factory in self._global_factories(engine, paths).items():
            engine.install_lazy(name, factory)
        return engine

    def _global_factories(
        self, engine: LuaEngine, paths: PathPolicy
    ) -> dict[str, Callable[[], ScriptGlobal]]:
        """Each global's builder; modules are imported only when a spell first uses the global."""
        from llmspell.bridge.globals.base import disabled_stand_in

        def json_global() -> ScriptGlobal:
            from llmspell.bridge.globals.json import JsonGlobal

            return JsonGlobal()

        def logger_global() -> ScriptGlobal:
            from llmspell.bridge.globals.logger import LoggerGlobal

            return LoggerGlobal()

        def config_global() -> ScriptGlobal:
            from llmspell.bridge.globals.config import ConfigGlobal
            from llmspell.config.changes import ConfigChanges

            def use(config: LLMSpellConfig) -> None:
                self.config = config

            changes = ConfigChanges(
                self.config,
                on_change=use,
                providers=lambda: self._providers,
                hooks=lambda: self._hooks,
                events=lambda: self._events,
            )
            return ConfigGlobal(
                self.config, paths=paths, source=self.loaded.source, changes=changes
            )

        def debug_global() -> ScriptGlobal:
            from llmspell.bridge.globals.debug import DebugGlobal

            return DebugGlobal(self.debug_log, engine)

        def state_global() -> ScriptGlobal:
            from llmspell.bridge.globals.state import StateGlobal

            return StateGlobal(self.state, config=self.config)

        def tool_global() -> ScriptGlobal:
            from llmspell.bridge.globals.tool import ToolGlobal

            return ToolGlobal(self.tools)

        def agent_global() -> ScriptGlobal:
            from llmspell.bridge.globals.agent import AgentGlobal

            return AgentGlobal(self.agents)

        def provider_global() -> ScriptGlobal:
            from llmspell.bridge.globals.provider import ProviderGlobal

            return ProviderGlobal(self.providers)

        def workflow_global() -> ScriptGlobal:
            from llmspell.bridge.globals.workflow import WorkflowGlobal

            return WorkflowGlobal(self.workflows)

        def event_global() -> ScriptGlobal:
            from llmspell.bridge.globals.event import EventGlobal

            if not self.config.events.enabled:
                return disabled_stand_in(EventGlobal, feature="Events", key="events.enabled")
            return EventGlobal(self.events, script_thread=self.script_thread)

        def metrics_global() -> ScriptGlobal:
            from llmspell.bridge.globals.metrics import MetricsGlobal

            return MetricsGlobal(self.metrics)

        def streaming_global() -> ScriptGlobal:
            from llmspell.bridge.globals.streaming import StreamingGlobal

            return StreamingGlobal(engine)

        def session_global() -> ScriptGlobal:
            from llmspell.bridge.globals.session import SessionGlobal

            if not self.config.runtime.sessions.enabled:
                return disabled_stand_in(
                    SessionGlobal, feature="Sessions", key="runtime.sessions.enabled"
                )
            self.replay  # noqa: B018 - installs the replay recorder (llmspell.replay)
            return SessionGlobal(self.sessions)

        def artifact_global() -> ScriptGlobal:
            from llmspell.bridge.globals.artifact import ArtifactGlobal

            if not self.config.runtime.sessions.enabled:
                return disabled_stand_in(
                    ArtifactGlobal, feature="Artifacts", key="runtime.sessions.enabled"
                )
            return ArtifactGlobal(self.sessions, paths=paths)

        def hook_global() -> ScriptGlobal:
            from llmspell.bridge.globals.hook import HookGlobal

            if not self.config.hooks.enabled:
                return disabled_stand_in(HookGlobal, feature="Hooks", key="hooks.enabled")
            return HookGlobal(self.hooks)

        def rag_global() -> ScriptGlobal:
            from llmspell.bridge.globals.rag import RagGlobal

            if not self.config.rag.enabled:
                return disabled_stand_in(RagGlobal, feature="RAG", key="rag.enabled")
            service = self.rag
            service.paths = paths  # a spell reads files as its engine allows (its folder too)
            return RagGlobal(service)

        def replay_global() -> ScriptGlobal:
            from llmspell.bridge.globals.replay import ReplayGlobal

            if not self.config.runtime.sessions.enabled:
                return ReplayGlobal()
            return ReplayGlobal(self.replay)

        return {
            "JSON": json_global,
            "Logger": logger_global,
            "Config": config_global,
            "Debug": debug_global,
            "State": state_global,
            "Tool": tool_global,
            "Agent": agent_global,
            "Provider": provider_global,
            "Workflow": workflow_global,
            "Event": event_global,
            "Metrics": metrics_global,
            "Streaming": streaming_global,
            "Hook": hook_global,
            "Session": session_global,
            "Artifact": artifact_global,
            "Replay": replay_global,
            "RAG": rag_global,
        }

    # Running --------------------------------------------------------------------------------

    def run_file(self, path: str | Path, argv: Sequence[str] = ()) -> list[Any]:
        """Run a spell file with its command-line arguments; its return values."""
        script = Path(path)
        try:
            code = script.read_bytes()
        except FileNotFoundError:
            raise ScriptError(f"Script file not found: {path}") from None
        except IsADirectoryError:
            raise ScriptError(f"Script path is a directory, not a file: {path}") from None
        except OSError as exc:
            raise ScriptError(f"Cannot read script {path}: {exc.strerror}") from None
        if code.startswith(b"#"):
            code = b"--" + code  # a shebang line, as standalone Lua skips it
        engine = self.engine(script.resolve().parent)
        self._set_args(engine, str(path), argv)
        return engine.execute(code, chunk_name=f"@{path}", args=list(argv))

    def run_code(
        self, code: str, *, chunk_name: str = "=exec", argv: Sequence[str] = ()
    ) -> list[Any]:
        """Run inline code (`llmspell exec`); its return values."""
        engine = self.engine()
        self._set_args(engine, chunk_name.lstrip("=@"), argv)
        return engine.execute(code, chunk_name=chunk_name, args=list(argv))

    @staticmethod
    def _set_args(engine: LuaEngine, script: str, argv: Sequence[str]) -> None:
        from llmspell.bridge.globals.args import lua_arg_table, parse_script_args

        engine.set_global("ARGS", parse_script_args(script, argv))
        engine.set_global("arg", lua_arg_table(script, argv))

    def interrupt(self) -> None:
        if self._engine is not None:
            self._engine.interrupt()

    # Lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._fire_system("SystemShutdown")
        if self.config.runtime.state_persistence.enabled:
            try:
                self.metrics.persist(lambda: self.state)
            except LLMSpellError as exc:  # metrics must never fail a run
                log.warning("metrics not saved: %s", exc)
        self._workflows = None
        if self._rag is not None:
            try:
                self._rag.close()
            except LLMSpellError as exc:  # a failed index save must not hide the run's result
                log.warning("RAG store not saved: %s", exc)
            self._rag = None
        if self._hooks is not None:
            self._hooks.clear()
            self._hooks = None
        self._observer = None
        if self._events is not None:
            self._events.close()
            self._events = None
        if self._agents is not None:
            self._agents.close()
            self._agents = None
        if self._providers is not None:
            self._providers.close()
            self._providers = None
        if self._state is not None:
            self._state.close()
            self._state = None
        if self._sessions is not None:
            self._sessions.close()
            self._sessions = None
        if self._debug_log is not None:
            self._debug_log.close()
            self._debug_log = None
        self._engine = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
