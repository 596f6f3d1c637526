"""Module filters: which `module` names may log.

Simple filters (`addModuleFilter`) infer their kind: a pattern with `*` or `?` is a wildcard,
anything else is hierarchical, so `"agent"` covers `"agent"` and `"agent.core"`. When several
rules match, the most specific one decides (exact, then hierarchical, then wildcard and regex;
a longer pattern beats a shorter one; on a tie the rule added last wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal, assert_never, cast, get_args

PatternType = Literal["exact", "wildcard", "regex", "hierarchical"]
PATTERN_TYPES: tuple[str, ...] = get_args(PatternType)

_RANK: dict[str, int] = {"exact": 3, "hierarchical": 2, "wildcard": 1, "regex": 1}


@dataclass(slots=True, kw_only=True)
class FilterRule:
    """One rule: modules matching `pattern` are enabled or disabled."""

    pattern: str
    pattern_type: PatternType
    enabled: bool
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def matches(self, module: str) -> bool:
        match self.pattern_type:
            case "exact":
                return module == self.pattern
            case "wildcard":
                return fnmatchcase(module, self.pattern)
            case "hierarchical":
                return module == self.pattern or module.startswith(self.pattern + ".")
            case "regex":
                assert self._regex is not None
                return self._regex.search(module) is not None
            case _:
                assert_never(self.pattern_type)


@dataclass(slots=True, kw_only=True)
class FilterSummary:
    """What `getFilterSummary()` reports."""

    default_enabled: bool
    total_rules: int
    rules: list[FilterRule]


class ModuleFilter:
    """An ordered set of rules plus the answer for modules no rule matches."""

    def __init__(self, *, default_enabled: bool = True) -> None:
        self.default_enabled = default_enabled
        self._rules: list[FilterRule] = []

    def add(self, pattern: str, enabled: bool) -> None:
        """Add a simple rule, inferring wildcard (`*`, `?`) or hierarchical from the pattern."""
        kind: PatternType = "wildcard" if ("*" in pattern or "?" in pattern) else "hierarchical"
        self.add_rule(pattern, kind, enabled)

    def add_rule(self, pattern: str, pattern_type: str, enabled: bool) -> bool:
        """Add a typed rule; False for an unknown type or a regex that does not compile."""
        if pattern_type not in PATTERN_TYPES:
            return False
        regex = None
        if pattern_type == "regex":
            try:
                regex = re.compile(pattern)
            except re.error:
                return False
        self._rules = [
            r for r in self._rules if (r.pattern, r.pattern_type) != (pattern, pattern_type)
        ]
        kind = cast(PatternType, pattern_type)
        rule = FilterRule(pattern=pattern, pattern_type=kind, enabled=enabled, _regex=regex)
        self._rules.append(rule)
        return True

    def remove(self, pattern: str) -> bool:
        """Remove every rule with this pattern; True if one was there."""
        kept = [r for r in self._rules if r.pattern != pattern]
        removed = len(kept) != len(self._rules)
        self._rules = kept
        return removed

    def clear(self) -> None:
        self._rules = []

    def allows(self, module: str | None) -> bool:
        """Whether an entry from `module` may log (no module: the default answer)."""
        if module is None or not self._rules:
            return self.default_enabled
        best: FilterRule | None = None
        best_key = (-1, -1)
        for rule in self._rules:
            if rule.matches(module):
                key = (_RANK[rule.pattern_type], len(rule.pattern))
                if key >= best_key:
                    best, best_key = rule, key
        return self.default_enabled if best is None else best.enabled

    def summary(self) -> FilterSummary:
        return FilterSummary(
            default_enabled=self.default_enabled,
            total_rules=len(self._rules),
            rules=list(self._rules),
        )
