"""State key rules and scoped keys.

A stored key is `"<scope>:<key>"`. Keys and scopes follow the original's KeyManager rules:
non-empty, at most 256 characters, no `..`, `\\`, `//`, NUL, CR or LF, and no reserved `__`
or `$$` prefix; keys are NFC-normalised. The kind part of a scope (`Global`, `User` in
`User:alice`) is lower-cased, so `State.load("Global", k)` and `State.load("global", k)` agree.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from llmspell.core.errors import StateError

MAX_KEY_CHARS = 256
SIZE_KEY = "runtime.state_persistence.max_state_size_bytes"

_FORBIDDEN = (
    ("..", "no '..' in a key"),
    ("\\", "no '\\' in a key"),
    ("//", "no '//' in a key"),
    ("\x00", "no NUL, CR or LF in a key"),
    ("\r", "no NUL, CR or LF in a key"),
    ("\n", "no NUL, CR or LF in a key"),
)


def check_key(key: Any, *, what: str = "key") -> str:
    """`key` as stored (NFC), or StateError naming the rule it breaks."""
    if isinstance(key, bool) or not isinstance(key, str | int):
        kind = "nil" if key is None else type(key).__name__
        raise StateError(f"State {what} must be a string, got {kind}")
    if isinstance(key, int):
        key = str(key)
    if not key:
        raise StateError(f"Invalid State {what} '': it is empty (rule: a {what} is non-empty)")
    if len(key) > MAX_KEY_CHARS:
        raise StateError(
            f"Invalid State {what} {key[:40]!r}...: {len(key)} characters "
            f"(rule: a {what} has at most {MAX_KEY_CHARS} characters)"
        )
    for bad, rule in _FORBIDDEN:
        if bad in key:
            raise StateError(f"Invalid State {what} {key!r}: it contains {bad!r} (rule: {rule})")
    if key.startswith(("__", "$$")):
        raise StateError(
            f"Invalid State {what} {key!r}: it starts with {key[:2]!r} "
            "(rule: '__' and '$$' prefixes are reserved)"
        )
    if not key.isascii():
        key = unicodedata.normalize("NFC", key)
    return key


def check_scope(scope: Any) -> str:
    """A scope with its kind lower-cased (`User:alice` -> `user:alice`)."""
    scope = check_key(scope, what="scope")
    kind, sep, rest = scope.partition(":")
    return kind.lower() + sep + rest if not kind.islower() else scope


def check_size(full_key: str, encoded: str, limit: int) -> None:
    """StateError when a stored value is over `max_state_size_bytes`."""
    if len(encoded) * 4 <= limit:
        return
    size = len(encoded.encode())
    if size > limit:
        raise StateError(
            f"State value for {full_key!r} is {size:,} bytes, over the {limit:,}-byte limit "
            f"(`{SIZE_KEY}`). Store less per key or raise the limit in llmspell.toml."
        )


def scope_of(full_key: str) -> tuple[str, str]:
    """`("user", "alice:prefs")` from `"user:alice:prefs"`: the scope kind and the rest."""
    scope, _, key = full_key.partition(":")
    return scope, key
