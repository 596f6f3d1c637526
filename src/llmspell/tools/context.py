"""What a running tool may touch: files, processes, environment and hosts, each checked here."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import (
    CommandNotAllowed,
    HostNotAllowed,
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
)
from llmspell.security import PathPolicy, host_refusal
from llmspell.tools.process import CommandResult, run_bounded

if TYPE_CHECKING:
    from llmspell.config.tools import ToolsConfig
    from llmspell.tools.registry import ToolRegistry


class ToolContext:
    """Built once per registry; tools reach the outside world only through it."""

    def __init__(
        self,
        config: ToolsConfig,
        *,
        paths: PathPolicy,
        registry: ToolRegistry | None = None,
        network_allowed: bool = True,
        base: Path | None = None,
        home: Path | None = None,
    ) -> None:
        self.config = config
        #: the llmspell home, for tools that keep data between calls (None: the default home)
        self.home = home
        self.paths = paths
        self.registry = registry
        self.network_allowed = network_allowed
        self.base = base or Path.cwd()
        self.timeout: float = float(config.timeout_seconds)

    # Files -----------------------------------------------------------------------------------

    def _extension_refusal(self, path: Path) -> str | None:
        rules = self.config.file_operations
        suffix = path.suffix.lower().lstrip(".")
        if suffix and suffix in {e.lower().lstrip(".") for e in rules.blocked_extensions}:
            return (
                f"files ending in '.{suffix}' are blocked "
                "(`tools.file_operations.blocked_extensions`)"
            )
        allowed = {e.lower().lstrip(".") for e in rules.allowed_extensions}
        if allowed and suffix not in allowed:
            return f"'.{suffix or '(none)'}' is not in `tools.file_operations.allowed_extensions`"
        return None

    def check_path(
        self, path: str | os.PathLike[str], mode: str = "r", *, is_dir: bool = False
    ) -> Path:
        """The resolved path if a tool may read ('r') or write ('w') it, else PathNotAllowed.

        Tools read and write only inside `tools.file_operations.allowed_paths`; extension rules
        apply to files, not to folders (`is_dir`, or an existing folder).
        """
        resolved = self.paths.check(path, "r" if mode == "r" else "w")
        if is_dir or resolved.is_dir():
            return resolved
        reason = self._extension_refusal(resolved)
        if reason is not None:
            raise PathNotAllowed(f"{os.fspath(path)!r}: {reason}")
        return resolved

    def check_size(self, size: int, what: str = "file") -> None:
        limit = self.config.file_operations.max_file_size
        if size > limit:
            raise ToolExecutionError(
                f"{what} is {size:,} bytes, over the {limit:,}-byte limit "
                "(`tools.file_operations.max_file_size`)"
            )

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        resolved = self.check_path(path, "r")
        try:
            info = resolved.stat()
        except FileNotFoundError:
            raise ToolExecutionError(f"no such file: {os.fspath(path)!r}") from None
        if not stat.S_ISREG(info.st_mode):
            raise ToolExecutionError(
                f"{os.fspath(path)!r} is not a regular file (a folder, device or pipe)"
            )
        self.check_size(info.st_size)
        return resolved.read_bytes()

    def write_bytes(
        self, path: str | os.PathLike[str], data: bytes, *, append: bool = False
    ) -> Path:
        """Write (atomically unless appending, per `tools.file_operations.atomic_writes`)."""
        resolved = self.check_path(path, "w")
        self.check_size(len(data), "content")
        resolved.parent.mkdir(parents=True, exist_ok=True)
        if append:
            with resolved.open("ab") as handle:
                handle.write(data)
            return resolved
        if not self.config.file_operations.atomic_writes:
            resolved.write_bytes(data)
            return resolved
        tmp = resolved.with_name(f".{resolved.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, resolved)
        finally:
            tmp.unlink(missing_ok=True)
        return resolved

    # Processes and environment ---------------------------------------------------------------

    def run_command(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> CommandResult:
        """Run an allowed program by name, never through a shell, bounded in time and output.

        The child sees only `tools.system.allowed_env_vars`; the whole process group is killed
        at the timeout (capped by `tools.system.command_timeout_seconds`); each output stream
        keeps at most `tools.system.max_output_size` bytes (the rest is read and dropped).
        """
        system = self.config.system
        if not argv:
            raise ToolExecutionError("no command given")
        self.check_command(argv[0])
        workdir = self.check_path(cwd, "r") if cwd is not None else self.base
        child_env = {k: v for k, v in os.environ.items() if k in system.allowed_env_vars}
        for key, value in (env or {}).items():
            if key not in system.allowed_env_vars:
                raise SecurityError(
                    f"environment variable {key!r} may not be passed to a command; allowed: "
                    f"{', '.join(system.allowed_env_vars)} (`tools.system.allowed_env_vars`)"
                )
            child_env[key] = value
        cap = min(float(system.command_timeout_seconds), self.timeout)
        return run_bounded(
            list(argv),
            stdin=input,
            timeout=min(timeout, cap) if timeout else cap,
            cwd=workdir,
            env=child_env,
            limit=system.max_output_size,
        )

    def check_command(self, program: str) -> None:
        """Refuse a program unless execution is on and it is allowed, by name."""
        system = self.config.system
        if not system.allow_process_execution:
            raise CommandNotAllowed(
                "process execution is off (`tools.system.allow_process_execution = false`)"
            )
        if os.sep in program or (os.altsep and os.altsep in program):
            raise CommandNotAllowed(
                f"command {program!r}: give the program by name (e.g. "
                f"{os.path.basename(program)!r}); paths are not allowed "
                "(`tools.system.allowed_commands` lists names)"
            )
        if program not in system.allowed_commands:
            raise CommandNotAllowed(
                f"command {program!r} is not allowed; allowed: "
                f"{', '.join(system.allowed_commands)} (`tools.system.allowed_commands`)"
            )

    def getenv(self, name: str) -> str | None:
        allowed = self.config.system.allowed_env_vars
        if name not in allowed:
            raise SecurityError(
                f"environment variable {name!r} is not readable; allowed: {', '.join(allowed)} "
                "(`tools.system.allowed_env_vars`)"
            )
        return os.environ.get(name)

    # Network -------------------------------------------------------------------------------

    def check_host(self, host: str, *, allowed_hosts: Sequence[str] = ()) -> None:
        http = self.config.http_request
        reason = host_refusal(
            host,
            network_allowed=self.network_allowed,
            allow_private=self.config.network.allow_private,
            allowed_hosts=[*allowed_hosts, *(h for h in http.allowed_hosts if h != "*")],
            blocked_hosts=http.blocked_hosts,
        )
        if reason is not None:
            raise HostNotAllowed(reason)

    # Other tools -----------------------------------------------------------------------------

    def invoke_tool(self, name: str, params: dict[str, Any]) -> Any:
        if self.registry is None:
            raise ToolExecutionError("this tool context has no registry")
        return self.registry.invoke(name, params)
