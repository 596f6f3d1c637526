"""The Lua 5.4 engine (lupa): the only room that imports lupa."""

from llmspell.bridge.lua.engine import EngineOptions, LuaEngine

__all__ = ["EngineOptions", "LuaEngine"]
