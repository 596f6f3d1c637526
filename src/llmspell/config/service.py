"""`[kernel]` and `[daemon]`: the long-running kernel service."""

from __future__ import annotations

from typing import Literal

from llmspell.config.normalisers import auto_is_unset, byte_size, octal_mode, port
from llmspell.config.normalisers import signature_scheme as check_signature_scheme
from llmspell.config.section import ConfigProblem, Field, Section

Transport = Literal["tcp", "ipc"]

#: A Jupyter kernel binds five sockets: shell, iopub, stdin, control and heartbeat.
JUPYTER_PORT_COUNT = 5


class KernelHealthConfig(Section):
    """`[kernel.health]`: HTTP health and metrics endpoint, on its own port."""

    enabled: bool = Field(
        default=False, description="Serve /health (JSON) and /metrics (Prometheus)."
    )
    ip: str = Field(default="127.0.0.1", description="Address the health server binds.")
    port: int = Field(default=9560, check=port, description="Health server port; 0: any free port.")
    memory_threshold_mb: int = Field(
        default=1024, gt=0, description="Resident memory above which health is degraded."
    )
    cpu_threshold_percent: int = Field(
        default=80, gt=0, le=100, description="CPU use above which health is degraded."
    )
    connection_threshold: int = Field(
        default=100, gt=0, description="Client connections above which health is degraded."
    )


class KernelConfig(Section):
    """`[kernel]`: the Jupyter-protocol kernel (`llmspell kernel start`); flags override these."""

    _moved = {"log_level": "logging.level", "log_file": "logging.file"}

    port: int = Field(
        default=9555,
        check=port,
        description="First of five consecutive ports (shell, iopub, stdin, control, hb); 0: any.",
    )
    ip: str = Field(default="127.0.0.1", description="Address the kernel binds.")
    transport: Transport = Field(default="tcp", description="ZeroMQ transport: tcp or ipc.")
    connection_file: str | None = Field(
        default=None,
        description="Connection file to write; unset: `<llmspell home>/kernels/<id>.json`.",
        example='"/var/lib/llmspell/kernel.json"',
    )
    kernel_id: str | None = Field(
        default=None,
        before=auto_is_unset,
        description="Kernel id; unset or `auto`: generated.",
        example='"my-kernel"',
    )
    hmac_key: str | None = Field(
        default=None,
        description="Message signing key; unset: a random key per start. Redacted in dumps.",
    )
    signature_scheme: str = Field(
        default="hmac-sha256",
        check=check_signature_scheme,
        description="Jupyter message signature scheme.",
    )
    idle_timeout: int = Field(
        default=3600,
        ge=0,
        description="Seconds without clients or requests before shutdown; 0: never.",
    )
    max_clients: int = Field(default=10, gt=0, description="Concurrent client connections.")
    max_message_size_mb: int = Field(default=100, gt=0, description="Largest message accepted.")
    health: KernelHealthConfig = Field(
        default_factory=KernelHealthConfig, description="Health endpoint."
    )

    def check(self) -> None:
        health = self.health
        clash = self.port <= health.port < self.port + JUPYTER_PORT_COUNT
        if health.enabled and self.port and health.port and clash:
            raise ConfigProblem(
                "health.port",
                f"{health.port} is one of the kernel's Jupyter ports "
                f"({self.port}-{self.port + JUPYTER_PORT_COUNT - 1}); pick another port",
            )


class DaemonConfig(Section):
    """`[daemon]`: running the kernel in the background (`kernel start --daemon`)."""

    daemonize: bool = Field(
        default=False, description="Detach from the terminal when the kernel starts."
    )
    pid_file: str | None = Field(
        default=None,
        description="PID file; unset: `<llmspell home>/kernels/<id>.pid`.",
        example='"/run/llmspell/kernel.pid"',
    )
    log_file: str | None = Field(
        default=None,
        description="Where the daemon's stdout and stderr go; unset: "
        "`<llmspell home>/logs/kernel-<id>.log`.",
        example='"/var/log/llmspell/kernel.log"',
    )
    working_dir: str = Field(default="/", description="Directory the daemon changes to.")
    umask: int = Field(
        default=0o027,
        ge=0,
        le=0o777,
        before=octal_mode,
        description='File creation mask (write `0o027` or `"027"`).',
    )
    log_rotate_size: int = Field(
        default=10_485_760,
        ge=0,
        before=byte_size,
        description="Rotate the log past this size (bytes or '10MB'); 0: never.",
    )
    log_rotate_count: int = Field(default=5, ge=0, description="Rotated logs kept.")
    shutdown_timeout_seconds: int = Field(
        default=10, gt=0, description="Time running work gets to finish after SIGTERM."
    )
