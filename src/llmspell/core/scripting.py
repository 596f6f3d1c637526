"""Objects a script sees as tables with methods; components may return them (no engine import)."""

from __future__ import annotations

from typing import Any


class ScriptObject:
    """A Python object that a script sees as a table of methods plus plain data fields.

    Its public methods are the script-callable methods (either call style). A subclass may also
    define `script_index(self, key: str) -> Any` to answer other keys lazily (computed only
    when a script reads them); returning None leaves the key nil.
    """

    def script_fields(self) -> dict[str, Any]:
        """Plain data visible as fields on the script-side object (e.g. a timer's `id`)."""
        return {}
