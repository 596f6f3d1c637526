"""Event-type globs: `*` is one dot-separated segment, `**` any number of segments.

```text
user.*        user.login           not user, not user.login.failed
*.error       tool.error           not error, not a.b.error
workflow.**   workflow, workflow.step.done
**.error      error, tool.error, a.b.error
**  or  *     everything (a lone `*` matches everything, as in the original)
user.log*     user.login, user.logout   (`*` inside a segment stays inside it)
```

A pattern is compiled once into the cheapest test that answers it: equality, a prefix check
or one anchored regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from llmspell.core.errors import ValidationError

__all__ = ["Matcher", "compile_pattern"]

Matcher = Callable[[str], bool]

_ONE = r"[^.]+"


def _always(_event_type: str) -> bool:
    return True


def _segment(seg: str) -> str:
    if seg == "*":
        return _ONE
    return "[^.]*".join(re.escape(part) for part in seg.split("*"))


def pattern_regex(pattern: str) -> str:
    """The anchored regex a glob stands for (exposed for tests and messages)."""
    out = []
    after_segment = False  # a literal or `*` segment was written, so the next needs a dot
    segments: list[str] = []
    for seg in pattern.split("."):
        if not (seg == "**" and segments and segments[-1] == "**"):
            segments.append(seg)
    for seg in segments:
        if seg == "**":
            if after_segment:
                out.append(rf"(?:\.{_ONE})*")
            elif len(segments) == 1:
                out.append(".*")
            else:
                out.append(rf"(?:{_ONE}\.)*")
            continue
        if after_segment:
            out.append(r"\.")
        out.append(_segment(seg))
        after_segment = True
    return "".join(out)


def compile_pattern(pattern: str) -> Matcher:
    """A fast predicate for `pattern`; ValidationError for an empty or non-string pattern."""
    if not isinstance(pattern, str) or not pattern:
        raise ValidationError(
            f"Event pattern must be a non-empty string such as 'user.*', got {pattern!r}"
        )
    if pattern == "*" or all(seg == "**" for seg in pattern.split(".")):
        return _always
    if "*" not in pattern:
        return pattern.__eq__
    head, sep, tail = pattern.rpartition(".")
    if sep and tail == "**" and "*" not in head:
        prefix = head + "."
        return lambda t: t.startswith(prefix) or t == head
    compiled = re.compile(pattern_regex(pattern))
    fullmatch = compiled.fullmatch
    return lambda t: fullmatch(t) is not None
