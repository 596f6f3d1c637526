"""`MetricsRegistry`: thread-safe counters, gauges and fixed-bucket histograms with labels.

A metric is named like `agent.calls` (letters, digits, `_`, `.`, `:`, `-`; no `..`) and has one
kind, fixed by its first use (`inc` makes a counter, `set` a gauge, `observe` a histogram) or by
`register`. Each distinct label set is its own series. `get(name)` without labels (or with `{}`)
aggregates the series: counters and histograms add up, a gauge answers its unlabelled series
(else the sum).

The built-in gauges `kernel.uptime` and `runtime.uptime_seconds` are computed when read: seconds
since the registry started. They are never persisted and cannot be written.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ValidationError

if TYPE_CHECKING:
    from llmspell.state import StateStore

COUNTER, GAUGE, HISTOGRAM = "counter", "gauge", "histogram"
KINDS = (COUNTER, GAUGE, HISTOGRAM)
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
BUILTIN_GAUGES: dict[str, str] = {
    "kernel.uptime": "Seconds since the llmspell runtime started.",
    "runtime.uptime_seconds": "Seconds since the llmspell runtime started.",
}
MAX_NAME_CHARS = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:\-]*")

LabelKey = tuple[tuple[str, str], ...]
Number = int | float


def check_name(name: Any) -> str:
    """A valid metric name, or ValidationError naming the rule it breaks."""
    if not isinstance(name, str) or not name:
        raise ValidationError(f"metric name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_CHARS or not _NAME.fullmatch(name) or ".." in name:
        raise ValidationError(
            f"invalid metric name {name!r}: use letters, digits, '_', '.', ':' or '-', "
            f"starting with a letter or '_', at most {MAX_NAME_CHARS} characters, no '..'"
        )
    return name


def check_number(where: str, value: Any) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValidationError(f"{where}: the value must be a number, got {value!r}")
    return value


def label_key(labels: Any) -> LabelKey:
    """Labels as a sorted tuple of (name, text) pairs; `None`, `{}` and `[]` mean none."""
    if labels is None or (isinstance(labels, list | tuple) and not labels):
        return ()
    if not isinstance(labels, Mapping):
        raise ValidationError(f"metric labels must be a table of names to values, got {labels!r}")
    pairs = []
    for key, value in labels.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(f"metric label names must be non-empty strings, got {key!r}")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
        else:
            raise ValidationError(
                f"metric label {key!r} must be a string, number or boolean, got {value!r}"
            )
        pairs.append((key, text))
    return tuple(sorted(pairs))


def check_buckets(buckets: Iterable[Any] | None) -> tuple[float, ...]:
    if buckets is None:
        return DEFAULT_BUCKETS
    bounds = []
    for bound in buckets:
        value = float(check_number("histogram buckets", bound))
        if math.isinf(value):
            continue  # +Inf is always the last bucket
        bounds.append(value)
    bounds = sorted(set(bounds))
    if not bounds:
        raise ValidationError("a histogram needs at least one finite bucket bound")
    return tuple(bounds)


@dataclass
class Histogram:
    """One histogram series: per-bucket counts (not cumulative; the last is above every bound)."""

    counts: list[int]
    sum: float = 0.0
    count: int = 0

    @classmethod
    def empty(cls, buckets: tuple[float, ...]) -> Histogram:
        return cls([0] * (len(buckets) + 1))

    def copy(self) -> Histogram:
        return Histogram(list(self.counts), self.sum, self.count)

    def add(self, other: Histogram) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.sum += other.sum
        self.count += other.count

    def minus(self, other: Histogram | None) -> Histogram:
        if other is None:
            return self.copy()
        return Histogram(
            [a - b for a, b in zip(self.counts, other.counts, strict=True)],
            self.sum - other.sum,
            self.count - other.count,
        )

    def cumulative(self, buckets: tuple[float, ...]) -> dict[str, int]:
        out: dict[str, int] = {}
        running = 0
        for bound, n in zip(buckets, self.counts, strict=False):
            running += n
            out[format_bound(bound)] = running
        out["+Inf"] = self.count
        return out


def format_bound(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


@dataclass
class Family:
    name: str
    kind: str
    help: str = ""
    buckets: tuple[float, ...] = ()
    series: dict[LabelKey, Any] = field(default_factory=dict)


class MetricsRegistry:
    """Counters, gauges and histograms of one runtime; every method is thread-safe."""

    def __init__(self, *, builtins: bool = True, start_time: float | None = None) -> None:
        self._lock = threading.RLock()
        self._families: dict[str, Family] = {}
        self._builtins = builtins
        self._start = time.monotonic() if start_time is None else start_time
        # What `persist` already wrote: counter/histogram values at that time, gauge versions.
        self._baseline: dict[tuple[str, LabelKey], Any] = {}
        self._gauge_versions: dict[tuple[str, LabelKey], int] = {}
        self._version = 0

    # Declaring -----------------------------------------------------------------------------

    def register(
        self,
        name: str,
        kind: str,
        help: str = "",
        *,
        buckets: Iterable[Any] | None = None,
    ) -> None:
        """Declare a metric (its help text, a histogram's buckets); repeating is harmless."""
        if kind not in KINDS:
            raise ValidationError(f"metric kind must be one of {', '.join(KINDS)}, got {kind!r}")
        with self._lock:
            family = self._family(name, kind, buckets)
            if help:
                family.help = str(help)

    def _family(self, name: str, kind: str, buckets: Iterable[Any] | None = None) -> Family:
        family = self._families.get(name)
        if family is None:
            check_name(name)
            if self._builtins and name in BUILTIN_GAUGES:
                raise ValidationError(f"metric {name!r} is built in and read-only")
            family = Family(name, kind, buckets=check_buckets(buckets) if kind == HISTOGRAM else ())
            self._families[name] = family
        elif family.kind != kind:
            raise ValidationError(f"metric {name!r} is a {family.kind}, not a {kind}")
        return family

    # Recording -----------------------------------------------------------------------------

    def inc(self, name: str, by: Number = 1, labels: Any = None) -> Number:
        """Add `by` (>= 0) to a counter; its new value."""
        check_number(f"counter {name!r}", by)
        if by < 0:
            raise ValidationError(f"counter {name!r} can only go up, got {by!r}")
        key = label_key(labels)
        with self._lock:
            family = self._family(name, COUNTER)
            value = family.series.get(key, 0) + by
            family.series[key] = value
            return value

    def set(self, name: str, value: Number, labels: Any = None) -> Number:
        """Set a gauge."""
        check_number(f"gauge {name!r}", value)
        key = label_key(labels)
        with self._lock:
            family = self._family(name, GAUGE)
            family.series[key] = value
            self._version += 1
            self._gauge_versions[(name, key)] = self._version
            return value

    def add(self, name: str, by: Number, labels: Any = None) -> Number:
        """Add `by` (any sign) to a gauge; its new value."""
        check_number(f"gauge {name!r}", by)
        key = label_key(labels)
        with self._lock:
            family = self._family(name, GAUGE)
            value = family.series.get(key, 0) + by
            family.series[key] = value
            self._version += 1
            self._gauge_versions[(name, key)] = self._version
            return value

    def observe(self, name: str, value: Number, labels: Any = None) -> None:
        """Record one observation in a histogram."""
        check_number(f"histogram {name!r}", value)
        key = label_key(labels)
        with self._lock:
            family = self._family(name, HISTOGRAM)
            hist = family.series.get(key)
            if hist is None:
                hist = family.series[key] = Histogram.empty(family.buckets)
            index = len(family.buckets)
            for i, bound in enumerate(family.buckets):
                if value <= bound:
                    index = i
                    break
            hist.counts[index] += 1
            hist.sum += value
            hist.count += 1

    def record(
        self,
        key: LabelKey,
        counters: Iterable[tuple[str, Number]] = (),
        histogram: tuple[str, Number] | None = None,
    ) -> None:
        """Several counter increments and one histogram observation under one lock, for the
        runtime's own hot paths: `key` is a `label_key(...)` result and the numbers are
        trusted (not validated)."""
        with self._lock:
            for name, by in counters:
                family = self._family(name, COUNTER)
                family.series[key] = family.series.get(key, 0) + by
            if histogram is not None:
                name, value = histogram
                family = self._family(name, HISTOGRAM)
                hist = family.series.get(key)
                if hist is None:
                    hist = family.series[key] = Histogram.empty(family.buckets)
                index = len(family.buckets)
                for i, bound in enumerate(family.buckets):
                    if value <= bound:
                        index = i
                        break
                hist.counts[index] += 1
                hist.sum += value
                hist.count += 1

    def time(self, name: str, labels: Any = None) -> _Timer:
        """`with registry.time("x.seconds"):` observes the block's duration."""
        return _Timer(self, name, labels)

    # Reading -------------------------------------------------------------------------------

    def uptime(self) -> float:
        return time.monotonic() - self._start

    def kind(self, name: str) -> str | None:
        if self._builtins and name in BUILTIN_GAUGES:
            return GAUGE
        with self._lock:
            family = self._families.get(name)
            return None if family is None else family.kind

    def get(self, name: str, labels: Any = None) -> Any:
        """A number (counter, gauge), `{count, sum, buckets}` (histogram) or None if unknown."""
        if self._builtins and name in BUILTIN_GAUGES:
            return self.uptime() if not labels else None
        key = label_key(labels)
        with self._lock:
            family = self._families.get(name)
            if family is None:
                return None
            if key:
                found = family.series.get(key)
                if found is None:
                    return None
                return self._hist_view(family, found) if family.kind == HISTOGRAM else found
            return self._aggregate(family)

    def _aggregate(self, family: Family) -> Any:
        if family.kind == HISTOGRAM:
            total = Histogram.empty(family.buckets)
            for hist in family.series.values():
                total.add(hist)
            return self._hist_view(family, total)
        if family.kind == GAUGE and () in family.series:
            return family.series[()]
        if not family.series:
            return None if family.kind == GAUGE else 0
        return sum(family.series.values())

    @staticmethod
    def _hist_view(family: Family, hist: Histogram) -> dict[str, Any]:
        return {"count": hist.count, "sum": hist.sum, "buckets": hist.cumulative(family.buckets)}

    def list(self) -> list[str]:
        """Every metric name, sorted (the built-in gauges included)."""
        with self._lock:
            names = set(self._families)
        if self._builtins:
            names.update(BUILTIN_GAUGES)
        return sorted(names)

    def families(self) -> list[Family]:
        """Copies of every family, sorted by name (built-in gauges evaluated now)."""
        out = []
        with self._lock:
            for family in self._families.values():
                series = {
                    k: (v.copy() if isinstance(v, Histogram) else v)
                    for k, v in family.series.items()
                }
                out.append(Family(family.name, family.kind, family.help, family.buckets, series))
        if self._builtins:
            uptime = self.uptime()
            for name, help_text in BUILTIN_GAUGES.items():
                out.append(Family(name, GAUGE, help_text, (), {(): uptime}))
        return sorted(out, key=lambda f: f.name)

    def snapshot(self) -> dict[str, Any]:
        """Plain data: `{name: {type, help, series = [{labels, value} | {labels, count, sum,
        buckets}], buckets? (histograms)}}`."""
        return {family.name: family_document(family) for family in self.families()}

    # Persistence ---------------------------------------------------------------------------

    def merge_documents(self, documents: Mapping[str, Any]) -> None:
        """Add persisted family documents (as `snapshot` makes them) to this registry."""
        with self._lock:
            for name, document in documents.items():
                family = family_from_document(name, document)
                if family is None:
                    continue
                mine = self._families.get(name)
                if mine is None:
                    self._families[name] = family
                    continue
                if mine.kind != family.kind or mine.buckets != family.buckets:
                    continue
                for key, value in family.series.items():
                    if mine.kind == HISTOGRAM:
                        current = mine.series.get(key)
                        if current is None:
                            mine.series[key] = value
                        else:
                            current.add(value)
                    elif mine.kind == COUNTER:
                        mine.series[key] = mine.series.get(key, 0) + value
                    else:
                        mine.series[key] = value

    def pending(self) -> tuple[dict[str, Family], Callable[[], None]]:
        """What changed since the last `persist`: counter and histogram deltas, gauges written
        since; and a function marking exactly that as persisted."""
        changes: dict[str, Family] = {}
        baseline: dict[tuple[str, LabelKey], Any] = {}
        versions: dict[tuple[str, LabelKey], int] = {}
        with self._lock:
            for name, family in self._families.items():
                delta = Family(name, family.kind, family.help, family.buckets)
                for key, value in family.series.items():
                    ident = (name, key)
                    if family.kind == GAUGE:
                        version = self._gauge_versions.get(ident)
                        if version is not None:
                            delta.series[key] = value
                            versions[ident] = version
                    elif family.kind == COUNTER:
                        diff = value - self._baseline.get(ident, 0)
                        baseline[ident] = value
                        if diff:
                            delta.series[key] = diff
                    else:
                        diff_hist = value.minus(self._baseline.get(ident))
                        baseline[ident] = value.copy()
                        if diff_hist.count:
                            delta.series[key] = diff_hist
                if delta.series:
                    changes[name] = delta

        def commit() -> None:
            with self._lock:
                self._baseline.update(baseline)
                for ident, version in versions.items():
                    if self._gauge_versions.get(ident) == version:
                        del self._gauge_versions[ident]

        return changes, commit

    def has_pending(self) -> bool:
        return bool(self.pending()[0])

    def persist(self, store: StateStore | Callable[[], StateStore]) -> int:
        """Add what changed since the last call to the totals in `store` (scope "metrics");
        `store` may be a function, called only when there is something to write. How many
        metrics were written."""
        from llmspell.metrics.persist import persist

        return persist(self, store)


class _Timer:
    def __init__(self, registry: MetricsRegistry, name: str, labels: Any) -> None:
        self._registry, self._name, self._labels = registry, name, labels
        self._started = 0.0

    def __enter__(self) -> _Timer:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._registry.observe(self._name, time.perf_counter() - self._started, self._labels)


def family_document(family: Family) -> dict[str, Any]:
    document: dict[str, Any] = {"type": family.kind, "help": family.help}
    series = []
    for key, value in sorted(family.series.items()):
        labels = dict(key)
        if isinstance(value, Histogram):
            series.append(
                {
                    "labels": labels,
                    "count": value.count,
                    "sum": value.sum,
                    "buckets": value.cumulative(family.buckets),
                }
            )
        else:
            series.append({"labels": labels, "value": value})
    if family.kind == HISTOGRAM:
        document["buckets"] = list(family.buckets)
    document["series"] = series
    return document


def family_from_document(name: str, document: Any) -> Family | None:
    """The family a `family_document` describes; None for something unreadable."""
    try:
        kind = document["type"]
        if kind not in KINDS:
            return None
        buckets = check_buckets(document.get("buckets")) if kind == HISTOGRAM else ()
        family = Family(name, kind, str(document.get("help") or ""), buckets)
        for item in document.get("series") or []:
            key = label_key(item.get("labels"))
            if kind == HISTOGRAM:
                cumulative = item.get("buckets") or {}
                counts, previous = [], 0
                for bound in buckets:
                    running = int(cumulative.get(format_bound(bound), previous))
                    counts.append(running - previous)
                    previous = running
                total = int(item.get("count", 0))
                counts.append(total - previous)
                family.series[key] = Histogram(counts, float(item.get("sum", 0.0)), total)
            else:
                family.series[key] = check_number(name, item["value"])
        return family
    except (KeyError, TypeError, ValueError, AttributeError, ValidationError):
        return None
