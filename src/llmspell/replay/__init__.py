"""Session replay: record every model and tool call of the current session; answer them back.

See `manager.py` for how calls are recorded and matched, `config.py` for modes,
modifications, schedules and the JSON comparator.
"""

from llmspell.replay.config import (
    MODES,
    Modification,
    ReplayConfig,
    Schedule,
    apply_modifications,
    compare_json,
)
from llmspell.replay.manager import ReplayError, ReplayManager, ReplayStore, attach, replay_for

__all__ = [
    "MODES",
    "Modification",
    "ReplayConfig",
    "ReplayError",
    "ReplayManager",
    "ReplayStore",
    "Schedule",
    "apply_modifications",
    "attach",
    "compare_json",
    "replay_for",
]
