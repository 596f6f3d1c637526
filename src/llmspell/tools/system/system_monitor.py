"""system_monitor: CPU, memory, disk, process, uptime and platform statistics (via psutil)."""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

Operation = Literal["all", "stats", "cpu", "memory", "disk", "processes", "uptime", "platform"]
_SECTIONS = ("cpu", "memory", "disk", "processes", "uptime", "platform")


class Params(ToolParams):
    operation: Operation = Field(
        "all",
        description="cpu, memory, disk, processes, uptime, platform, or all (alias stats)",
    )
    path: str | None = Field(
        None,
        description="for disk: a folder whose file system is measured (inside "
        "`tools.file_operations.allowed_paths`); default: the root file system",
    )
    top: int = Field(5, ge=0, le=100, description="for processes: how many of the largest to list")
    interval: float = Field(
        0.1, ge=0, le=5, description="for cpu: seconds over which CPU usage is sampled"
    )


def _mb(value: float) -> float:
    return round(value / 1_048_576, 1)


class SystemMonitor(Tool[Params]):
    name = "system_monitor"
    category = "system"
    description = (
        "Report system statistics: CPU usage and load, memory, disk usage, processes, "
        "uptime and platform."
    )
    security_level = "safe"
    tags = ("system", "monitor", "cpu", "memory", "disk", "processes")
    Params = Params
    example = {"operation": "memory"}
    result_keys = {
        "cpu": "cpu_usage_percent, cpu_count, cpu_count_physical, load_average [1, 5, 15 min]",
        "memory": "total, available, used, free, percent, swap_total, swap_used, swap_percent "
        "(bytes)",
        "disk": "path, total, used, free, percent (bytes)",
        "processes": "count, top [{pid, name, memory_rss, memory_percent}] by memory",
        "uptime": "boot_time (ISO 8601, UTC), uptime_seconds",
        "platform": "system, release, version, machine, processor, hostname, python_version",
        "all": "one entry per section above: cpu, memory, disk, processes, uptime, platform",
    }
    security_notes = (
        "Read-only statistics. A disk `path` must lie inside "
        "`tools.file_operations.allowed_paths`; process listings give pid, name and memory only "
        "(never command lines, users or environments)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        import psutil

        op = "all" if params.operation == "stats" else params.operation
        sections = _SECTIONS if op == "all" else (op,)
        found: dict[str, dict[str, Any]] = {}
        for section in sections:
            found[section] = getattr(self, f"_{section}")(psutil, params, ctx)
        result = found if op == "all" else found[op]
        text = "\n".join(_summary(name, data) for name, data in found.items())
        return ToolResult.ok(text, result, operation=params.operation)

    @staticmethod
    def _cpu(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        percent = psutil.cpu_percent(interval=params.interval or None)
        try:
            load = [round(x, 2) for x in os.getloadavg()]
        except (OSError, AttributeError):
            load = None
        return {
            "cpu_usage_percent": percent,
            "cpu_count": psutil.cpu_count(logical=True),
            "cpu_count_physical": psutil.cpu_count(logical=False),
            "load_average": load,
        }

    @staticmethod
    def _memory(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        vm = psutil.virtual_memory()
        swap = psutil.swap_memory()
        return {
            "total": vm.total,
            "available": vm.available,
            "used": vm.used,
            "free": vm.free,
            "percent": vm.percent,
            "swap_total": swap.total,
            "swap_used": swap.used,
            "swap_percent": swap.percent,
        }

    @staticmethod
    def _disk(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        where = str(ctx.check_path(params.path, "r")) if params.path else os.path.abspath(os.sep)
        if not os.path.exists(where):
            raise FileNotFoundError(2, "No such file or directory", params.path)
        usage = psutil.disk_usage(where)
        return {
            "path": where,
            "total": usage.total,
            "used": usage.used,
            "free": usage.free,
            "percent": usage.percent,
        }

    @staticmethod
    def _processes(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        rows = []
        for proc in psutil.process_iter(["pid", "name", "memory_info", "memory_percent"]):
            info = proc.info
            rss = info["memory_info"].rss if info.get("memory_info") else 0
            rows.append(
                {
                    "pid": info["pid"],
                    "name": info.get("name") or "",
                    "memory_rss": rss,
                    "memory_percent": round(info.get("memory_percent") or 0.0, 2),
                }
            )
        rows.sort(key=lambda row: row["memory_rss"], reverse=True)
        return {"count": len(rows), "top": rows[: params.top]}

    @staticmethod
    def _uptime(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        boot = psutil.boot_time()
        return {
            "boot_time": datetime.fromtimestamp(boot, UTC).isoformat(),
            "uptime_seconds": round(time.time() - boot, 1),
        }

    @staticmethod
    def _platform(psutil: Any, params: Params, ctx: ToolContext) -> dict[str, Any]:
        uname = platform.uname()
        return {
            "system": uname.system,
            "release": uname.release,
            "version": uname.version,
            "machine": uname.machine,
            "processor": uname.processor or uname.machine,
            "hostname": uname.node,
            "python_version": platform.python_version(),
        }


def _summary(section: str, data: dict[str, Any]) -> str:
    if section == "cpu":
        load = data["load_average"]
        tail = f", load {' '.join(map(str, load))}" if load else ""
        return f"CPU: {data['cpu_usage_percent']}% of {data['cpu_count']} cores{tail}"
    if section == "memory":
        return (
            f"Memory: {_mb(data['used'])} MB used of {_mb(data['total'])} MB "
            f"({data['percent']}%), {_mb(data['available'])} MB available"
        )
    if section == "disk":
        return (
            f"Disk {data['path']}: {_mb(data['used'])} MB used of {_mb(data['total'])} MB "
            f"({data['percent']}%)"
        )
    if section == "processes":
        top = ", ".join(f"{p['name']} ({_mb(p['memory_rss'])} MB)" for p in data["top"])
        return f"Processes: {data['count']}" + (f"; largest: {top}" if top else "")
    if section == "uptime":
        return f"Uptime: {data['uptime_seconds']:.0f} s (booted {data['boot_time']})"
    return (
        f"Platform: {data['system']} {data['release']} {data['machine']}, "
        f"host {data['hostname']}, Python {data['python_version']}"
    )
