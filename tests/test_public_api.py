"""The `llmspell` package door: its names are pinned, cheap to import, and usable as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

import llmspell
from llmspell.core.output import CaptureSink

PUBLIC = [
    "ConfigError",
    "FeatureDisabled",
    "LLMSpellError",
    "Runtime",
    "ScriptError",
    "ScriptExit",
    "ScriptMemoryError",
    "ScriptTimeout",
    "SecurityError",
    "ValidationError",
    "__version__",
]


def test_all_is_pinned():
    assert sorted(llmspell.__all__) == PUBLIC


def test_every_public_name_resolves_and_star_import_works():
    for name in llmspell.__all__:
        assert getattr(llmspell, name) is not None
    namespace: dict[str, object] = {}
    exec("from llmspell import *", namespace)
    assert set(PUBLIC) <= set(namespace)


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = llmspell.no_such_name


def test_version_matches_the_installed_distribution():
    assert llmspell.__version__ == version("llmspell")


def test_runtime_is_the_runtime_class():
    from llmspell.runtime import Runtime

    assert llmspell.Runtime is Runtime


def test_error_tree_and_exit_codes():
    assert issubclass(llmspell.ConfigError, llmspell.LLMSpellError)
    assert llmspell.ConfigError("x").exit_code == 2
    for name in ("ScriptError", "SecurityError", "FeatureDisabled", "ValidationError"):
        assert issubclass(getattr(llmspell, name), llmspell.LLMSpellError)
        assert getattr(llmspell, name).exit_code == 1
    assert issubclass(llmspell.ScriptTimeout, llmspell.ScriptError)
    assert issubclass(llmspell.ScriptTimeout, TimeoutError)
    assert issubclass(llmspell.ScriptMemoryError, llmspell.ScriptError)
    assert issubclass(llmspell.ScriptMemoryError, MemoryError)
    assert llmspell.ScriptExit(3).code == 3


def test_import_llmspell_is_cheap():
    probe = (
        "import json, sys, llmspell\n"
        "heavy = {'lupa', 'pydantic', 'rich', 'click', 'numpy', 'openai', 'anthropic'}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(json.dumps({'heavy': loaded, 'runtime': 'llmspell.runtime' in sys.modules}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"heavy": [], "runtime": False}


def test_runtime_runs_a_spell_from_python(tmp_path):
    sink = CaptureSink()
    with llmspell.Runtime.from_config(sink=sink, cwd=tmp_path) as runtime:
        values = runtime.run_code('print("hi") return JSON.stringify({b = 2, a = 1}), 7')
    assert values == ['{"a":1,"b":2}', 7]
    assert sink.stdout_text == "hi\n"


def test_script_errors_from_python_carry_chunk_line_and_traceback(tmp_path):
    spell = tmp_path / "spell.lua"
    spell.write_text('local function f()\n  error("boom")\nend\nf()\n')
    with (
        llmspell.Runtime.from_config(sink=CaptureSink(), cwd=tmp_path) as runtime,
        pytest.raises(llmspell.ScriptError) as info,
    ):
        runtime.run_file(spell)
    error = info.value
    assert str(error) == f"{spell}:2: boom"
    assert (error.chunk, error.line) == (str(spell), 2)
    assert error.traceback is not None
    assert f"{spell}:4: in main chunk" in error.traceback


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[runtime\n", None, "invalid TOML at line 1"),
        (
            '[runtime]\nscript_timeout_seconds = "abc"\n',
            "runtime.script_timeout_seconds",
            "integer",
        ),
    ],
)
def test_bad_config_files_from_python_name_file_and_key(tmp_path, text, key, fragment):
    from llmspell.config import load_config

    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(llmspell.ConfigError) as info:
        llmspell.Runtime.from_config(load_config(path, cwd=tmp_path))
    assert info.value.file == str(path)
    assert info.value.key == key
    assert fragment in str(info.value)
    assert info.value.exit_code == 2


def test_limits_and_sandbox_from_python(tmp_path):
    from llmspell.config import config_from_toml

    loaded = config_from_toml(
        "[runtime]\nscript_timeout_seconds = 1\n[engines.lua]\nmax_memory_bytes = 4000000\n"
    )
    with llmspell.Runtime.from_config(loaded, sink=CaptureSink(), cwd=tmp_path) as runtime:
        with pytest.raises(llmspell.ScriptTimeout, match="timed out after 1 s"):
            runtime.run_code("while true do end")
        with pytest.raises(llmspell.ScriptMemoryError, match="4,000,000 bytes"):
            runtime.run_code('local t = {} while true do t[#t + 1] = ("x"):rep(999) .. #t end')
        with pytest.raises(llmspell.ScriptError, match=r"os\.execute is not available"):
            runtime.run_code('os.execute("true")')
        with pytest.raises(llmspell.ScriptExit) as info:
            runtime.run_code("os.exit(9)")
        assert info.value.code == 9
        assert runtime.run_code("return 'still usable'") == ["still usable"]
