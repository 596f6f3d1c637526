"""A small JSON path subset: `$`, `.key`, `[index]` (negative from the end), `['key']`.

```python
select({"a": [{"b": 1}]}, "$.a[0].b")     # 1
select({"a b": 2}, "$['a b']")             # 2
```
A path without the leading `$` is read as if it had one (`a.b` is `$.a.b`).
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"[^.\[\]]+")
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_QUOTED = re.compile(r"""\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")


class PathError(ValueError):
    """The path is malformed, or the document has nothing at it."""


def parse(path: str) -> list[str | int]:
    """The steps of `path`: keys (str) and array indexes (int)."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    elif text and not text.startswith((".", "[")):
        text = "." + text
    steps: list[str | int] = []
    at = 0
    while at < len(text):
        if text[at] == ".":
            found = _NAME.match(text, at + 1)
            if found is None:
                raise PathError(f"JSON path {path!r}: expected a key after '.' at {at + 1}")
            steps.append(found.group(0))
        elif (found := _INDEX.match(text, at)) is not None:
            steps.append(int(found.group(1)))
        elif (found := _QUOTED.match(text, at)) is not None:
            key = found.group(1) if found.group(1) is not None else found.group(2)
            steps.append(re.sub(r"\\(.)", r"\1", key))
        else:
            raise PathError(
                f"JSON path {path!r}: cannot read {text[at:]!r}; use $, .key, [index] or ['key']"
            )
        at = found.end()
    return steps


def select(document: Any, path: str) -> Any:
    """The value at `path` in `document`; PathError when there is none."""
    value = document
    walked = "$"
    for step in parse(path):
        if isinstance(step, int):
            if not isinstance(value, list):
                raise PathError(f"{walked} is not an array, so [{step}] does not exist")
            if not -len(value) <= step < len(value):
                raise PathError(f"{walked} has {len(value)} items; [{step}] does not exist")
            value = value[step]
            walked += f"[{step}]"
        else:
            if not isinstance(value, dict):
                raise PathError(f"{walked} is not an object, so key {step!r} does not exist")
            if step not in value:
                raise PathError(f"{walked} has no key {step!r}")
            value = value[step]
            walked += f".{step}"
    return value
