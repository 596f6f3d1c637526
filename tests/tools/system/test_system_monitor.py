"""system_monitor: real statistics from this machine, compared with what the stdlib reports."""

from __future__ import annotations

import os
import platform
import shutil

import pytest

from llmspell.core.errors import PathNotAllowed, ToolParameterError


def monitor(rt, **params):
    return rt.tools.invoke("system_monitor", {"interval": 0, **params})


def test_cpu(rt):
    r = monitor(rt, operation="cpu", interval=0.05)
    cpu = r.result
    assert cpu["cpu_count"] == os.cpu_count()
    assert 0 <= cpu["cpu_usage_percent"] <= 100
    assert len(cpu["load_average"]) == 3
    assert r.text.startswith("CPU: ")
    assert r.to_dict()["operation"] == "cpu"


def test_memory(rt):
    import psutil

    mem = monitor(rt, operation="memory").result
    assert mem["total"] == psutil.virtual_memory().total
    assert 0 < mem["available"] <= mem["total"]
    assert 0 <= mem["percent"] <= 100
    assert {"used", "free", "swap_total", "swap_used", "swap_percent"} <= set(mem)


def test_disk_of_an_allowed_folder(rt, tmp_path):
    disk = monitor(rt, operation="disk", path=str(tmp_path)).result
    usage = shutil.disk_usage(tmp_path)
    assert disk["path"] == str(tmp_path.resolve())
    assert disk["total"] == usage.total
    assert 0 <= disk["percent"] <= 100
    assert disk["used"] <= disk["total"]


def test_disk_defaults_to_the_root_file_system(rt):
    disk = monitor(rt, operation="disk").result
    assert disk["path"] == os.path.abspath(os.sep)
    assert disk["total"] == shutil.disk_usage(os.sep).total


def test_disk_path_outside_the_allowed_paths_is_refused(rt, tmp_path):
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        monitor(rt, operation="disk", path="/etc")
    with pytest.raises(PathNotAllowed):
        monitor(rt, operation="disk", path=str(tmp_path / ".." / ".."))


def test_processes_lists_the_largest_without_command_lines(rt):
    r = monitor(rt, operation="processes", top=3)
    procs = r.result
    assert procs["count"] >= 2  # at least pytest and init
    assert 1 <= len(procs["top"]) <= 3
    sizes = [p["memory_rss"] for p in procs["top"]]
    assert sizes == sorted(sizes, reverse=True)
    assert set(procs["top"][0]) == {"pid", "name", "memory_rss", "memory_percent"}
    assert r.text.startswith(f"Processes: {procs['count']}")


def test_uptime_and_platform(rt):
    up = monitor(rt, operation="uptime").result
    assert up["uptime_seconds"] > 0
    assert up["boot_time"].endswith("+00:00")
    info = monitor(rt, operation="platform").result
    assert info["system"] == platform.system()
    assert info["machine"] == platform.machine()
    assert info["python_version"] == platform.python_version()


@pytest.mark.parametrize("operation", ["all", "stats"])
def test_all_has_every_section(rt, operation):
    r = monitor(rt, operation=operation)
    assert set(r.result) == {"cpu", "memory", "disk", "processes", "uptime", "platform"}
    assert r.result["cpu"]["cpu_count"] == os.cpu_count()
    assert len(r.text.splitlines()) == 6


def test_bad_parameters_name_the_parameter(rt):
    with pytest.raises(ToolParameterError, match="parameter 'top'"):
        monitor(rt, operation="processes", top=-1)
    with pytest.raises(ToolParameterError, match="parameter 'operation'"):
        monitor(rt, operation="gpu")
    with pytest.raises(ToolParameterError, match="parameter 'interval'"):
        monitor(rt, operation="cpu", interval="long")


def test_from_lua(rt):
    total, cores = rt.run_code(
        """
        local m = Tool.invoke("system_monitor", {operation = "memory"})
        local all = Tool.invoke("system_monitor", {operation = "all", interval = 0})
        return m.result.total, all.result.cpu.cpu_count
        """
    )
    import psutil

    assert total == psutil.virtual_memory().total
    assert cores == os.cpu_count()
