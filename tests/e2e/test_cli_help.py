"""`--help` and `-h` work on every command and subcommand (the lazy group must import each one)."""

from __future__ import annotations

import click
import pytest

from llmspell.cli.main import cli as root


def _walk(group: click.Group, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    ctx = click.Context(group, info_name=" ".join(("llmspell", *path)))
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"`llmspell {' '.join((*path, name))}` is listed but missing"
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_walk(command, (*path, name)))
    return found


COMMANDS = [((), root), *_walk(root, ())]
IDS = [" ".join(path) or "llmspell" for path, _ in COMMANDS]


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_works_on_every_command(cli, path, command, flag):
    result = cli(*path, flag)
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"Usage: {' '.join(('llmspell', *path))} ")
    summary = (command.help or "").split("\n")[0].strip()
    assert summary, f"`llmspell {' '.join(path)}` has no help text"
    assert summary.split()[0] in result.stdout
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.opts[-1] in result.stdout


def test_dash_h_and_dash_dash_help_print_the_same_text(cli):
    assert cli("run", "-h").stdout == cli("run", "--help").stdout


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_explains_itself(path, command):
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"`llmspell {' '.join(path)} {param.opts[-1]}` has no help="


def test_the_root_help_lists_every_command(cli):
    listed = cli("--help").stdout
    for path, _ in COMMANDS:
        if len(path) == 1:
            assert f"  {path[0]} " in listed


def test_help_after_a_script_belongs_to_the_spell(cli, tmp_path):
    (tmp_path / "spell.lua").write_text("print(arg[1])")
    result = cli("run", "spell.lua", "-h")
    assert (result.code, result.stdout) == (0, "-h\n")
