"""Embedded storage shared by the state store, sessions and artifacts."""

from llmspell.storage.sqlite import Database, Migration

__all__ = ["Database", "Migration"]
