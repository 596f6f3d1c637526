"""The State store: scoped keys over an embedded SQLite file (or memory), migrations, backups.

```python
from llmspell.state import open_state_store

store = open_state_store(config, home=home)   # <home>/state/state.db unless configured
store.save("user", "alice", {"age": 30})
store.increment("visits")
store.backups.create(incremental=True)
```
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from llmspell.state.backend import Entry, StateBackend
from llmspell.state.backup import BackupInfo, BackupManager, BackupSettings
from llmspell.state.migrations import MigrationStep, Migrator
from llmspell.state.store import StateStore

if TYPE_CHECKING:
    from llmspell.config import LLMSpellConfig

__all__ = [
    "BackupInfo",
    "BackupManager",
    "BackupSettings",
    "Entry",
    "MigrationStep",
    "Migrator",
    "StateBackend",
    "StateStore",
    "open_state_store",
    "state_path",
]

log = logging.getLogger("llmspell.state")


def _resolve(path: str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path)))


def state_path(config: LLMSpellConfig, *, home: Path) -> Path:
    """The embedded store's file: `<schema_directory>/state.db`, else `<home>/state/state.db`."""
    directory = config.runtime.state_persistence.schema_directory
    return (_resolve(directory) if directory else home / "state") / "state.db"


def open_state_store(config: LLMSpellConfig, *, home: Path) -> StateStore:
    """The store the config asks for: embedded SQLite by default, memory when configured or
    when `runtime.state_persistence.enabled` is false."""
    cfg = config.runtime.state_persistence
    backup = cfg.backup
    settings = BackupSettings(
        directory=_resolve(backup.backup_dir) if backup.backup_dir else home / "backups",
        compression=backup.compression_type if backup.compression_enabled else "none",
        level=backup.compression_level,
        incremental_enabled=backup.incremental_enabled,
        max_backups=backup.max_backups,
        max_age_seconds=backup.max_backup_age,
    )
    backend: StateBackend
    if cfg.enabled and cfg.backend_type == "sqlite":
        from llmspell.state.sqlite import SqliteBackend

        backend = SqliteBackend(state_path(config, home=home))
    else:
        from llmspell.state.memory import MemoryBackend

        backend = MemoryBackend()
    return StateStore(
        backend,
        max_value_bytes=cfg.max_state_size_bytes,
        backups=settings,
        backup_on_migration=cfg.backup_on_migration,
    )
