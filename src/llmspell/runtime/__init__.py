"""The runtime: builds components from config, owns their lifetimes, runs scripts."""

from llmspell.runtime.runtime import Runtime
from llmspell.runtime.script_thread import ScriptThread

__all__ = ["Runtime", "ScriptThread"]
