"""Date and time helpers for date_time_handler: zones, parsing, rendering and arithmetic."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

MAX_INPUT = 256
ISO = "iso8601"
UNITS = {
    "microsecond": "microseconds", "millisecond": "milliseconds", "ms": "milliseconds",
    "second": "seconds", "sec": "seconds", "s": "seconds", "minute": "minutes", "min": "minutes",
    "hour": "hours", "h": "hours", "day": "days", "d": "days", "week": "weeks", "w": "weeks",
    "month": "months", "year": "years", "y": "years",
}  # fmt: skip
SECONDS = {
    "microseconds": 1e-6, "milliseconds": 1e-3, "seconds": 1, "minutes": 60, "hours": 3600,
    "days": 86400, "weeks": 604800,
}  # fmt: skip
_ABBREVIATIONS = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9,
    "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def zone(name: str) -> tzinfo:
    """A tzinfo for an IANA name, 'UTC', 'local' or a fixed offset like '+05:30'."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = name.strip()
    if key.upper() in ("UTC", "Z", "GMT"):
        return UTC
    if key.lower() == "local":
        return datetime.now().astimezone().tzinfo or UTC
    match = _OFFSET.match(key)
    if match:
        sign = -1 if match[1] == "-" else 1
        delta = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        return timezone(sign * delta)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'America/New_York', "
            "'UTC', 'local' or an offset such as '+05:30'"
        ) from None


def _from_timestamp(value: float, assumed: tzinfo) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC).astimezone(assumed)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp {value} is out of range") from None


def parse_datetime(
    value: str | float,
    *,
    assumed: tzinfo = UTC,
    input_format: str | None = None,
    dayfirst: bool = False,
    what: str = "input",
) -> datetime:
    """Read a date/time; a result without a zone gets `assumed`."""
    if isinstance(value, int | float):
        return _from_timestamp(value, assumed)
    text = value.strip()
    if len(text) > MAX_INPUT:
        raise ValueError(f"{what} is {len(text)} characters; the limit for a date is {MAX_INPUT}")
    now = datetime.now(assumed)
    relative = {"now": now, "today": now.replace(hour=0, minute=0, second=0, microsecond=0)}
    relative["tomorrow"] = relative["today"] + timedelta(days=1)
    relative["yesterday"] = relative["today"] - timedelta(days=1)
    if text.lower() in relative:
        return relative[text.lower()]
    if re.fullmatch(r"-?\d{9,}(\.\d+)?", text):
        return _from_timestamp(float(text), assumed)
    try:
        if input_format:
            parsed = datetime.strptime(text, input_format)
        else:
            from dateutil import parser

            parsed = parser.parse(text, dayfirst=dayfirst, tzinfos=_tzinfo)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"cannot read {what} {text!r} as a date/time: {exc}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=assumed)


def _tzinfo(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's zone hook: offsets become fixed zones, names IANA zones or abbreviations."""
    if not name and offset is None:
        return None
    if offset is not None:
        return timezone(timedelta(seconds=offset)) if offset else UTC
    key = (name or "").upper()
    if key in _ABBREVIATIONS:
        return timezone(timedelta(hours=_ABBREVIATIONS[key]), key)
    return zone(name or "")


def render(moment: datetime, pattern: str | None) -> str:
    """ISO 8601 by default; strftime otherwise, with chrono's %.f, %.3f, %:z and %s too."""
    if not pattern or pattern.lower() in (ISO, "iso"):
        return moment.isoformat()
    offset = moment.strftime("%z")
    swaps = {
        "%.f": f".{moment.microsecond:06d}", "%.3f": f".{moment.microsecond // 1000:03d}",
        "%.6f": f".{moment.microsecond:06d}", "%:z": f"{offset[:3]}:{offset[3:]}" if offset else "",
        "%s": str(int(moment.timestamp())),
    }  # fmt: skip
    for old, new in swaps.items():
        pattern = pattern.replace(old, new.replace("%", "%%"))
    return moment.strftime(pattern)


def stamp(moment: datetime, pattern: str | None) -> dict[str, Any]:
    return {
        "datetime": render(moment, pattern),
        "iso": moment.isoformat(),
        "timestamp": int(moment.timestamp()),
        "timestamp_ms": int(moment.timestamp() * 1000),
        "utc": moment.astimezone(UTC).isoformat(),
        "timezone": str(moment.tzinfo),
        "utc_offset": render(moment, "%:z") or "+00:00",
    }


def shift(moment: datetime, amount: float, unit: str) -> datetime:
    """Clock units move absolute time; days and longer move the calendar (DST-safe)."""
    try:
        return _shift(moment, amount, unit)
    except (OverflowError, ValueError) as exc:
        if "whole number" in str(exc):
            raise
        raise ValueError(f"moving by {amount} {unit} leaves the years 1-9999") from None


def _shift(moment: datetime, amount: float, unit: str) -> datetime:
    from dateutil.relativedelta import relativedelta

    if unit in ("months", "years"):
        if amount != int(amount):
            raise ValueError(f"{unit} must be a whole number, got {amount}")
        return moment + relativedelta(**{unit: int(amount)})
    if unit in ("days", "weeks"):
        return moment + timedelta(**{unit: amount})
    absolute = moment.astimezone(UTC) + timedelta(seconds=amount * SECONDS[unit])
    return absolute.astimezone(moment.tzinfo)


def unit_name(name: str | None, operation: str) -> str:
    if name is None:
        raise ValueError(f"{operation} needs 'unit' (seconds, minutes, hours, days, weeks, ...)")
    key = name.strip().lower()
    unit = UNITS.get(key, key if key in SECONDS or key in ("months", "years") else None)
    if unit is None:
        raise ValueError(
            f"unknown unit {name!r}; use seconds, minutes, hours, days, weeks, months or years"
        )
    return unit


def human(delta: timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    parts = []
    for label, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {label}{'s' if count != 1 else ''}")
    text = ", ".join(parts) or "0 seconds"
    return f"-{text}" if delta < timedelta(0) else text


def info(moment: datetime) -> dict[str, Any]:
    year, week, weekday = moment.isocalendar()
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "year": moment.year, "month": moment.month, "day": moment.day, "hour": moment.hour,
        "minute": moment.minute, "second": moment.second, "weekday": moment.strftime("%A"),
        "weekday_number": weekday, "month_name": moment.strftime("%B"),
        "day_of_year": moment.timetuple().tm_yday, "week_of_year": week, "iso_year": year,
        "quarter": (moment.month - 1) // 3 + 1, "is_leap_year": calendar.isleap(moment.year),
        "days_in_month": calendar.monthrange(moment.year, moment.month)[1],
        "days_in_year": 366 if calendar.isleap(moment.year) else 365, "is_weekend": weekday >= 6,
        "is_dst": bool(moment.dst()), "timezone": str(moment.tzinfo),
        "utc_offset": render(moment, "%:z") or "+00:00", "timestamp": int(moment.timestamp()),
        "start_of_day": start.isoformat(),
        "end_of_day": start.replace(hour=23, minute=59, second=59, microsecond=999999).isoformat(),
    }  # fmt: skip


def difference(start: datetime, end: datetime) -> dict[str, Any]:
    from dateutil.relativedelta import relativedelta

    delta = end - start
    seconds = delta.total_seconds()
    span = relativedelta(end, start)
    return {
        "total_seconds": int(seconds) if seconds.is_integer() else seconds,
        "milliseconds": int(seconds * 1000), "minutes": int(seconds / 60),
        "hours": int(seconds / 3600), "days": int(seconds / 86400), "weeks": int(seconds / 604800),
        "months": span.years * 12 + span.months, "years": span.years,
        "calendar": {"years": span.years, "months": span.months, "days": span.days,
                     "hours": span.hours, "minutes": span.minutes, "seconds": span.seconds},
        "human_readable": human(delta),
    }  # fmt: skip


PARSED = ("year", "month", "day", "hour", "minute", "second", "weekday", "timestamp")
FORMATS = {
    "formats": {
        "ISO 8601": "iso8601", "RFC 2822": "%a, %d %b %Y %H:%M:%S %z",
        "RFC 3339": "%Y-%m-%dT%H:%M:%S%:z", "Date only": "%Y-%m-%d", "Time only": "%H:%M:%S",
        "Human readable": "%B %d, %Y at %I:%M %p", "Unix timestamp": "%s",
        "With milliseconds": "%Y-%m-%dT%H:%M:%S%.3f%:z",
    },
    "units": ["milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "years"],
    "inputs": "ISO 8601, RFC 2822, most written dates (via dateutil), Unix timestamps, "
    "'now', 'today', 'tomorrow', 'yesterday'; input_format for an exact strptime pattern",
}  # fmt: skip
