"""The Prometheus text exposition format, version 0.0.4.

Names become `llmspell_` plus the name with every character outside `[a-zA-Z0-9_:]` turned
into `_` (`agent.calls` -> `llmspell_agent_calls`); a name already starting `llmspell_` keeps
its prefix. Label values escape `\\`, `"` and newlines; HELP text escapes `\\` and newlines.
A histogram gives cumulative `_bucket{le=...}` lines ending with `le="+Inf"`, then `_sum` and
`_count`.
"""

from __future__ import annotations

import math
import re

from llmspell.metrics.registry import HISTOGRAM, LabelKey, MetricsRegistry, format_bound

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "llmspell_"
_BAD_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_BAD_LABEL = re.compile(r"[^a-zA-Z0-9_]")


def sanitize_name(name: str) -> str:
    clean = _BAD_NAME.sub("_", name)
    return clean if clean.startswith(PREFIX) else PREFIX + clean


def sanitize_label(name: str) -> str:
    clean = _BAD_LABEL.sub("_", name)
    if not clean or clean[0].isdigit():
        clean = "_" + clean
    if clean.startswith("__"):  # reserved for Prometheus itself
        clean = "l" + clean
    return clean


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _labels(key: LabelKey, extra: tuple[str, str] | None = None) -> str:
    pairs = [(sanitize_label(k), v) for k, v in key]
    if extra is not None:
        pairs.append(extra)
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs) + "}"


def render_prometheus(registry: MetricsRegistry) -> str:
    """Every metric of `registry` as exposition text (ends with a newline when not empty)."""
    lines: list[str] = []
    seen: set[str] = set()
    for family in registry.families():
        name = sanitize_name(family.name)
        if name in seen:  # two names that sanitise alike: the first wins
            continue
        seen.add(name)
        help_text = family.help or f"llmspell metric {family.name}"
        lines.append(f"# HELP {name} {escape_help(help_text)}")
        lines.append(f"# TYPE {name} {family.kind}")
        for key, value in sorted(family.series.items()):
            if family.kind != HISTOGRAM:
                lines.append(f"{name}{_labels(key)} {format_value(value)}")
                continue
            running = 0
            for bound, n in zip(family.buckets, value.counts, strict=False):
                running += n
                le = ("le", format_bound(bound))
                lines.append(f"{name}_bucket{_labels(key, le)} {running}")
            lines.append(f"{name}_bucket{_labels(key, ('le', '+Inf'))} {value.count}")
            lines.append(f"{name}_sum{_labels(key)} {format_value(value.sum)}")
            lines.append(f"{name}_count{_labels(key)} {value.count}")
    return "\n".join(lines) + "\n" if lines else ""
