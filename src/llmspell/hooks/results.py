"""What a hook returns: continue, modified(data), cancel(reason), redirect(target),
replace(value), retry(delay), skipped. Return values, never errors (STYLE §6).

Lua shapes (components.md §4.2, plus the documented `action=` form):

- `nil`, `true`, a number, `"continue"` -> continue
- `"skip"` / `"skipped"` -> skipped; `"cancel"` -> cancel; any other string -> cancel(string)
- `false` -> cancel
- `{type="modified", data=...}` (also `action=`, `modified_data=`, `value=`)
- `{type="cancel", reason=...}`, `{type="redirect", target=...}`,
  `{type="replace", data=...}` (also `value=`), `{type="retry", delay_ms=..., max_attempts=...}`,
  `{type="skipped", reason=...}`; an unknown type -> continue
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["continue", "modified", "cancel", "redirect", "replace", "retry", "skipped"]
KINDS: tuple[str, ...] = (
    "continue",
    "modified",
    "cancel",
    "redirect",
    "replace",
    "retry",
    "skipped",
)
MAX_RETRY_DELAY_S = 30.0


@dataclass(frozen=True, slots=True)
class HookResult:
    kind: Kind = "continue"
    data: Any = None  # modified: the new data; replace: the value
    reason: str = ""  # cancel, skipped
    target: str = ""  # redirect
    delay: float = 0.0  # retry, seconds
    max_attempts: int = 1

    @classmethod
    def modified(cls, data: Any) -> HookResult:
        return cls("modified", data=data)

    @classmethod
    def cancel(cls, reason: str = "cancelled by a hook") -> HookResult:
        return cls("cancel", reason=reason)

    @classmethod
    def redirect(cls, target: str) -> HookResult:
        return cls("redirect", target=target)

    @classmethod
    def replace(cls, value: Any) -> HookResult:
        return cls("replace", data=value)

    @classmethod
    def retry(cls, delay: float = 0.0, max_attempts: int = 1) -> HookResult:
        return cls(
            "retry", delay=min(max(delay, 0.0), MAX_RETRY_DELAY_S), max_attempts=max_attempts
        )

    @classmethod
    def skipped(cls, reason: str = "") -> HookResult:
        return cls("skipped", reason=reason)

    @property
    def should_continue(self) -> bool:
        return self.kind in ("continue", "modified")

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"type": self.kind}
        if self.kind in ("modified", "replace"):
            table["data"] = self.data
        if self.reason:
            table["reason"] = self.reason
        if self.target:
            table["target"] = self.target
        if self.kind == "retry":
            table["delay_ms"] = round(self.delay * 1000)
            table["max_attempts"] = self.max_attempts
        return table


CONTINUE = HookResult()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_result(value: Any) -> HookResult:
    """A HookResult from what a hook returned (a Lua value converted to Python)."""
    if isinstance(value, HookResult):
        return value
    if value is None or value is True or _number(value) is not None:
        return CONTINUE
    if value is False:
        return HookResult.cancel()
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("", "continue"):
            return CONTINUE
        if word in ("skip", "skipped"):
            return HookResult.skipped()
        if word == "cancel":
            return HookResult.cancel()
        return HookResult.cancel(value)
    if isinstance(value, tuple):  # several Lua return values: the first decides
        return parse_result(value[0] if value else None)
    if not isinstance(value, dict):
        return CONTINUE
    kind = value.get("type", value.get("action"))
    if not isinstance(kind, str):
        return CONTINUE
    kind = kind.strip().lower()
    if kind == "continue":
        return CONTINUE
    if kind in ("modified", "modify"):
        for key in ("data", "modified_data", "value"):
            if key in value:
                return HookResult.modified(value[key])
        return CONTINUE
    if kind == "cancel":
        reason = value.get("reason")
        return HookResult.cancel(str(reason) if reason is not None else "cancelled by a hook")
    if kind == "redirect":
        target = value.get("target")
        return HookResult.redirect(target) if isinstance(target, str) and target else CONTINUE
    if kind == "replace":
        for key in ("data", "value", "result"):
            if key in value:
                return HookResult.replace(value[key])
        return HookResult.replace(None)
    if kind == "retry":
        delay_ms = _number(value.get("delay_ms"))
        delay = delay_ms / 1000 if delay_ms is not None else (_number(value.get("delay")) or 0.0)
        attempts = _number(value.get("max_attempts"))
        return HookResult.retry(delay, int(attempts) if attempts else 1)
    if kind in ("skip", "skipped"):
        reason = value.get("reason")
        return HookResult.skipped(str(reason) if reason is not None else "")
    return CONTINUE
