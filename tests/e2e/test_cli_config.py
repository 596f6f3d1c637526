"""Configuration end to end: -c, LLMSPELL_CONFIG, discovery, profiles, environment, bad files,
and `llmspell config init|validate|show|profiles`, all through the real command."""

from __future__ import annotations

import itertools
import json
import os
import tomllib
from pathlib import Path

import pytest

SHOW_SOURCE = 'print(Config.getSource(), Config.get("runtime.script_timeout_seconds"))'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def timeout_toml(seconds: int) -> str:
    return f"[runtime]\nscript_timeout_seconds = {seconds}\n"


# Where the file comes from ------------------------------------------------------------------


def test_without_any_file_the_defaults_apply(cli):
    result = cli("exec", SHOW_SOURCE)
    assert (result.code, result.stdout, result.stderr) == (0, "nil\t300\n", "")


def test_dash_c_names_the_file(cli, tmp_path):
    path = write(tmp_path / "conf" / "mine.toml", timeout_toml(11))
    result = cli("-c", "conf/mine.toml", "exec", SHOW_SOURCE)
    assert result.code == 0
    assert result.stdout == f"{path}\t11\n"
    long_form = cli("--config", str(path), "exec", SHOW_SOURCE)
    assert long_form.stdout == f"{path}\t11\n"


def test_llmspell_config_names_the_file_and_dash_c_wins(cli, tmp_path):
    from_env = write(tmp_path / "env.toml", timeout_toml(12))
    from_flag = write(tmp_path / "flag.toml", timeout_toml(13))
    env = {"LLMSPELL_CONFIG": str(from_env)}
    assert cli("exec", SHOW_SOURCE, env=env).stdout == f"{from_env}\t12\n"
    assert cli("-c", str(from_flag), "exec", SHOW_SOURCE, env=env).stdout == f"{from_flag}\t13\n"


@pytest.mark.parametrize("how", ["-c", "LLMSPELL_CONFIG"])
def test_a_named_file_that_does_not_exist_is_a_configuration_error(cli, tmp_path, how):
    missing = tmp_path / "nope.toml"
    if how == "-c":
        result = cli("-c", str(missing), "exec", 'print("ran")')
    else:
        result = cli("exec", 'print("ran")', env={"LLMSPELL_CONFIG": str(missing)})
    assert result.code == 2
    assert result.stdout == ""
    assert f"configuration file not found: {missing}" in result.stderr


def _location(name: str, work: Path) -> Path:
    env = os.environ
    home = Path(env["HOME"])
    return {
        "llmspell home": Path(env["LLMSPELL_HOME"]) / "config.toml",
        "./llmspell.toml": work / "llmspell.toml",
        "./.llmspell.toml": work / ".llmspell.toml",
        "./config/llmspell.toml": work / "config" / "llmspell.toml",
        "./.config/llmspell.toml": work / ".config" / "llmspell.toml",
        "~/.llmspell.toml": home / ".llmspell.toml",
        "~/.config/llmspell.toml": home / ".config" / "llmspell.toml",
        "$XDG_CONFIG_HOME/llmspell/config.toml": Path(env["XDG_CONFIG_HOME"])
        / "llmspell"
        / "config.toml",
    }[name]


DISCOVERY_ORDER = [
    "llmspell home",
    "./llmspell.toml",
    "./.llmspell.toml",
    "./config/llmspell.toml",
    "./.config/llmspell.toml",
    "~/.llmspell.toml",
    "~/.config/llmspell.toml",
    "$XDG_CONFIG_HOME/llmspell/config.toml",
]


@pytest.mark.parametrize("where", DISCOVERY_ORDER)
def test_a_file_is_discovered_in_each_documented_place(cli, tmp_path, where):
    path = write(_location(where, tmp_path), timeout_toml(21))
    result = cli("exec", SHOW_SOURCE)
    assert result.code == 0, result.stderr
    assert result.stdout == f"{path}\t21\n"


@pytest.mark.parametrize(("first", "second"), list(itertools.pairwise(DISCOVERY_ORDER)))
def test_discovery_takes_the_first_place_in_order(cli, tmp_path, first, second):
    winner = write(_location(first, tmp_path), timeout_toml(31))
    write(_location(second, tmp_path), timeout_toml(32))
    assert cli("exec", SHOW_SOURCE).stdout == f"{winner}\t31\n"


def test_config_show_names_the_source_on_stderr(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", timeout_toml(41))
    result = cli("config", "show", "runtime")
    assert result.code == 0
    assert f"# source: {path}" in result.stderr
    assert tomllib.loads(result.stdout)["script_timeout_seconds"] == 41


# Profiles and environment -------------------------------------------------------------------

BACKEND = 'print(Config.get("runtime.state_persistence.backend_type"))'


def test_a_profile_applies_from_the_flag_or_the_environment(cli):
    assert cli("exec", BACKEND).stdout == "sqlite\n"
    assert cli("-p", "minimal", "exec", BACKEND).stdout == "memory\n"
    assert cli("--profile", "MINIMAL", "exec", BACKEND).stdout == "memory\n"
    assert cli("exec", BACKEND, env={"LLMSPELL_PROFILE": "minimal"}).stdout == "memory\n"


def test_the_file_overrides_the_profile_key_by_key(cli, tmp_path):
    write(tmp_path / "llmspell.toml", '[runtime.state_persistence]\nbackend_type = "sqlite"\n')
    code = 'print(Config.get("runtime.state_persistence.backend_type"), Config.get("rag.enabled"))'
    result = cli("-p", "rag-dev", "exec", code)
    assert result.stdout == "sqlite\ttrue\n"


def test_an_unknown_profile_is_a_configuration_error_listing_the_profiles(cli):
    result = cli("-p", "nonesuch", "exec", 'print("ran")')
    assert result.code == 2
    assert result.stdout == ""
    assert "unknown profile 'nonesuch'" in result.stderr
    assert "minimal" in result.stderr and "rag-dev" in result.stderr


def test_environment_variables_override_the_file(cli, tmp_path):
    write(tmp_path / "llmspell.toml", timeout_toml(50))
    env = {"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "51", "LLMSPELL_SECURITY_LEVEL": "Privileged"}
    code = SHOW_SOURCE + ' print(Config.get("engines.lua.security_level"))'
    result = cli("exec", code, env=env)
    assert result.code == 0
    assert result.stdout.splitlines()[0].endswith("\t51")
    assert result.stdout.splitlines()[1] == "privileged"


def test_an_empty_environment_variable_is_ignored(cli, tmp_path):
    write(tmp_path / "llmspell.toml", timeout_toml(52))
    result = cli("exec", SHOW_SOURCE, env={"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": ""})
    assert result.stdout.endswith("\t52\n")


@pytest.mark.parametrize(
    ("name", "value", "key", "expected"),
    [
        (
            "LLMSPELL_SCRIPT_TIMEOUT_SECONDS",
            "soon",
            "runtime.script_timeout_seconds",
            "expected an integer, got 'soon'",
        ),
        (
            "LLMSPELL_ALLOW_FILE_ACCESS",
            "yes",
            "runtime.security.allow_file_access",
            "expected true or false, got 'yes'",
        ),
        ("LLMSPELL_SECURITY_LEVEL", "lax", "engines.lua.security_level", "'lax'"),
    ],
)
def test_a_bad_environment_value_names_the_variable_and_key(cli, name, value, key, expected):
    result = cli("exec", 'print("ran")', env={name: value})
    assert result.code == 2
    assert result.stdout == ""
    assert f"environment variable {name}: key `{key}`" in result.stderr
    assert expected in result.stderr


def test_logging_level_from_the_file_applies_unless_trace_is_given(cli, tmp_path):
    write(tmp_path / "llmspell.toml", '[logging]\nlevel = "info"\n')
    code = 'Logger.info("info line") Logger.debug("debug line")'
    from_file = cli("exec", code)
    assert "info line" in from_file.stderr
    assert "debug line" not in from_file.stderr
    assert "info line" not in cli("--trace", "warn", "exec", code).stderr
    assert "info line" not in cli("exec", code, env={"LLMSPELL_TRACE": "error"}).stderr
    from_env = cli("exec", code, env={"LLMSPELL_LOG_LEVEL": "debug"})
    assert "debug line" in from_env.stderr


def test_a_quiet_logging_level_cannot_hide_unknown_key_warnings(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", '[logging]\nlevel = "error"\nbogus_key = 1\n')
    result = cli("exec", 'Logger.warn("hidden") print("ran")')
    assert result.stdout == "ran\n"
    assert f"{path}: unknown key `logging.bogus_key`" in result.stderr
    assert "hidden" not in result.stderr


# Bad files ----------------------------------------------------------------------------------


def test_malformed_toml_exits_2_naming_file_line_and_column(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", "[runtime]\nscript_timeout_seconds = 300\nx = tru\n")
    result = cli("exec", 'print("ran")')
    assert result.code == 2
    assert result.stdout == ""
    assert f"Error: {path}: invalid TOML at line 3, column " in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_toml_in_json_mode_is_one_error_document(cli, tmp_path):
    path = write(tmp_path / "bad.toml", "[runtime\n")
    result = cli("--output", "json", "-c", "bad.toml", "exec", 'print("ran")')
    assert result.code == 2
    document = json.loads(result.stdout)
    assert document["status"] == "error"
    assert document["error"]["type"] == "ConfigError"
    assert document["error"]["file"] == str(path)
    assert "invalid TOML at line 1" in document["error"]["message"]


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            '[runtime]\nscript_timeout_seconds = "abc"\n',
            "runtime.script_timeout_seconds",
            "expected an integer, got string 'abc'",
        ),
        (
            "[runtime.security]\nallow_process_spawn = 1\n",
            "runtime.security.allow_process_spawn",
            "expected a boolean (true or false), got integer 1",
        ),
        (
            "[engines.lua]\nmax_memory_bytes = [1, 2]\n",
            "engines.lua.max_memory_bytes",
            "expected",
        ),
        (
            '[engines.lua]\nsecurity_level = "lax"\n',
            "engines.lua.security_level",
            "expected one of 'safe', 'privileged', 'unrestricted'",
        ),
        (
            "[runtime]\nscript_timeout_seconds = 0\n",
            "runtime.script_timeout_seconds",
            "must be greater than 0",
        ),
        ("runtime = 5\n", "runtime", "expected a table"),
    ],
)
def test_a_wrong_type_exits_2_naming_file_key_and_expected_type(cli, tmp_path, text, key, expected):
    path = write(tmp_path / "llmspell.toml", text)
    result = cli("exec", 'print("ran")')
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    assert f"Error: {path}: key `{key}`: " in result.stderr
    assert expected in result.stderr


def test_a_wrong_type_in_json_mode_names_file_and_key(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", '[runtime]\nscript_timeout_seconds = "abc"\n')
    result = cli("--output", "json", "exec", 'print("ran")')
    assert result.code == 2
    error = json.loads(result.stdout)["error"]
    assert error["file"] == str(path)
    assert error["key"] == "runtime.script_timeout_seconds"
    assert "expected an integer" in error["message"]


def test_an_unknown_key_warns_naming_file_and_key_and_the_spell_still_runs(cli, tmp_path):
    path = write(
        tmp_path / "llmspell.toml",
        "[runtime]\nlog_level = 'debug'\nscript_timeout_seconds = 60\n[made_up]\nx = 1\n",
    )
    result = cli("exec", SHOW_SOURCE)
    assert result.code == 0
    assert result.stdout == f"{path}\t60\n"
    assert f"{path}: unknown key `runtime.log_level`" in result.stderr
    assert "did you mean `logging.level`?" in result.stderr
    assert f"{path}: unknown key `made_up`" in result.stderr


def test_unknown_key_warnings_stay_off_stdout_in_json_mode(cli, tmp_path):
    write(tmp_path / "llmspell.toml", "[runtime]\nlog_level = 'debug'\n")
    result = cli("--output", "json", "exec", "return 1")
    assert json.loads(result.stdout)["result"] == 1
    assert "unknown key `runtime.log_level`" in result.stderr


# config init --------------------------------------------------------------------------------


def test_config_init_writes_a_file_that_loads_cleanly(cli, tmp_path):
    result = cli("config", "init")
    assert result.code == 0
    assert result.stdout == ""
    written = tmp_path / "llmspell.toml"
    assert "Wrote llmspell.toml" in result.stderr
    parsed = tomllib.loads(written.read_text())
    assert parsed["runtime"]["script_timeout_seconds"] == 300
    check = cli("config", "validate", "-f", "llmspell.toml")
    assert (check.code, check.stderr) == (0, "")
    assert cli("exec", SHOW_SOURCE).stdout == f"{written}\t300\n"


def test_config_init_refuses_to_overwrite_without_force(cli, tmp_path):
    target = write(tmp_path / "llmspell.toml", "# mine\n")
    refused = cli("config", "init")
    assert refused.code == 2
    assert "already exists" in refused.stderr
    assert "--force" in refused.stderr
    assert target.read_text() == "# mine\n"
    forced = cli("config", "init", "--force")
    assert forced.code == 0
    assert "script_timeout_seconds" in target.read_text()


def test_config_init_creates_missing_folders(cli, tmp_path):
    result = cli("config", "init", "-o", "conf/custom.toml")
    assert result.code == 0, result.stderr
    assert (tmp_path / "conf" / "custom.toml").is_file()


def test_config_init_into_an_impossible_place_names_the_file(cli, tmp_path):
    write(tmp_path / "plain.txt", "a file, not a folder\n")
    result = cli("config", "init", "-o", "plain.txt/llmspell.toml")
    assert result.code == 1
    assert "plain.txt/llmspell.toml" in result.stderr
    assert "Traceback" not in result.stderr


# config validate ----------------------------------------------------------------------------


def test_config_validate_reports_the_file_it_checked(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", timeout_toml(30))
    result = cli("config", "validate")
    assert result.code == 0
    assert result.stdout == f"valid: {path}\n"
    assert cli("config", "validate", "-f", str(path)).stdout == f"valid: {path}\n"


def test_config_validate_with_no_file_checks_the_defaults(cli):
    result = cli("config", "validate")
    assert (result.code, result.stdout) == (0, "valid: built-in defaults\n")


def test_config_validate_a_bad_file_exits_2(cli, tmp_path):
    path = write(tmp_path / "other.toml", "[runtime]\nscript_timeout_seconds = 'x'\n")
    result = cli("config", "validate", "--file", "other.toml")
    assert result.code == 2
    assert f"{path}: key `runtime.script_timeout_seconds`" in result.stderr


def test_config_validate_a_missing_file_names_the_option(cli):
    result = cli("config", "validate", "-f", "absent.toml")
    assert result.code == 2
    assert "absent.toml" in result.stderr
    assert "--file" in result.stderr


def test_config_validate_warns_about_unknown_keys(cli, tmp_path):
    path = write(tmp_path / "llmspell.toml", "[runtime]\nlog_level = 'debug'\n")
    result = cli("config", "validate")
    assert result.code == 0
    assert f"{path}: unknown key `runtime.log_level`" in result.stderr
    as_json = json.loads(cli("--output", "json", "config", "validate").stdout)
    assert as_json["status"] == "valid"
    assert as_json["checked"] == [str(path)]
    assert any("runtime.log_level" in w for w in as_json["warnings"])


# config show --------------------------------------------------------------------------------


def test_config_show_prints_the_whole_effective_configuration_as_toml(cli):
    result = cli("config", "show")
    assert result.code == 0
    shown = tomllib.loads(result.stdout)
    assert shown["runtime"]["script_timeout_seconds"] == 300
    assert shown["engines"]["lua"]["security_level"] == "safe"
    assert "# source: built-in defaults" in result.stderr


def test_config_show_a_section_or_a_key_in_json(cli):
    section = cli("config", "show", "runtime.security", "--format", "json")
    assert json.loads(section.stdout)["allow_process_spawn"] is False
    key = cli("--output", "json", "config", "show", "runtime.script_timeout_seconds")
    assert json.loads(key.stdout) == {"runtime.script_timeout_seconds": 300}
    plain = cli("config", "show", "runtime.script_timeout_seconds")
    assert plain.stdout == "300\n"


def test_config_show_redacts_api_keys(cli, tmp_path):
    write(
        tmp_path / "llmspell.toml",
        '[providers.openai]\napi_key = "sk-very-secret-key-1234"\ndefault_model = "gpt-4o-mini"\n',
    )
    for args in (("config", "show"), ("--output", "json", "config", "show", "providers")):
        result = cli(*args)
        assert result.code == 0
        assert "sk-very-secret" not in result.stdout + result.stderr
        assert "gpt-4o-mini" in result.stdout


def test_config_show_an_unknown_section_exits_2(cli):
    result = cli("config", "show", "nope.key")
    assert result.code == 2
    assert "nope" in result.stderr


def test_config_show_reflects_profile_and_environment(cli):
    result = cli(
        "-p", "minimal", "config", "show", "runtime", env={"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "9"}
    )
    shown = tomllib.loads(result.stdout)
    assert shown["script_timeout_seconds"] == 9
    assert shown["state_persistence"]["backend_type"] == "memory"
    assert "profile: minimal" in result.stderr


# config profiles ----------------------------------------------------------------------------


def test_config_profiles_lists_every_profile_with_a_summary(cli):
    result = cli("config", "profiles")
    assert result.code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"minimal", "development", "providers", "ollama", "rag-dev", "rag-prod"} <= set(names)
    as_json = json.loads(cli("--output", "json", "config", "profiles").stdout)
    assert set(as_json) == set(names)
    assert all(isinstance(summary, str) and summary for summary in as_json.values())
