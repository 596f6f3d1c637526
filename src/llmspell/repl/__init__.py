"""The interactive session behind `llmspell repl`: input handling, meta commands, history.

```python
with ReplSession(Runtime.from_config, sink=ConsoleSink(), history=History.open(path)) as s:
    code = run_console(s, interactive=sys.stdin.isatty())
```
"""

from llmspell.repl.console import CONTINUATION_PROMPT, PROMPT, run_console
from llmspell.repl.format import format_value, format_values, lua_repr
from llmspell.repl.history import History
from llmspell.repl.session import ReplSession

__all__ = [
    "CONTINUATION_PROMPT",
    "PROMPT",
    "History",
    "ReplSession",
    "format_value",
    "format_values",
    "lua_repr",
    "run_console",
]
