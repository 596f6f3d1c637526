"""What the global flags decided, shared by every subcommand."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from llmspell.config import LoadedConfig
    from llmspell.core.output import OutputSink
    from llmspell.runtime import Runtime

log = logging.getLogger("llmspell.config")

engine_option = click.option(
    "--engine",
    type=click.Choice(["lua"], case_sensitive=False),
    default="lua",
    envvar="LLMSPELL_ENGINE",
    show_envvar=True,
    help="Script engine.",
)


@dataclass(slots=True, kw_only=True)
class CliContext:
    config_path: str | None
    profile: str | None
    #: `--trace` (or LLMSPELL_TRACE); None: the config's `logging.level` decides.
    trace: str | None
    output: str
    engine: str = "lua"
    _loaded: LoadedConfig | None = field(default=None, repr=False)

    def load(self) -> LoadedConfig:
        """The configuration, loaded once; its warnings go to the log (stderr).

        Warnings are logged before the file's own `logging.level` applies: a config file
        cannot silence the report of its own unknown keys (only `--trace` can).
        """
        if self._loaded is None:
            from llmspell.config import load_config

            self._loaded = load_config(self.config_path, profile=self.profile)
            for warning in self._loaded.warnings:
                log.warning(warning)
            if self.trace is None:
                from llmspell.cli.main import configure_logging

                configure_logging(self._loaded.config.logging.level)
        return self._loaded

    def runtime(self, sink: OutputSink | None = None) -> Runtime:
        from llmspell.runtime import Runtime

        return Runtime(self.load(), sink=sink)
