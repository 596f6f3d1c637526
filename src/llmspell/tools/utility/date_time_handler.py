"""date_time_handler: now, parse, format, convert time zones, add/subtract, diff, info."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.utility.dates import (
    FORMATS,
    ISO,
    MAX_INPUT,
    PARSED,
    SECONDS,
    difference,
    info,
    parse_datetime,
    render,
    shift,
    stamp,
    unit_name,
    zone,
)


class Params(ToolParams):
    operation: (
        Literal[
            "now", "parse", "format", "convert", "convert_timezone", "add", "subtract",
            "diff", "difference", "info", "formats",
        ]
        | None
    ) = Field(None, description="default: parse when input is given, else now")  # fmt: skip
    input: str | int | float | None = Field(
        None,
        validation_alias=AliasChoices("input", "date", "datetime", "value", "text"),
        description="a date/time: ISO 8601, RFC 2822, 'March 3 2024 5pm', a Unix timestamp, "
        "'now', 'today', 'tomorrow' or 'yesterday'",
    )
    input_format: str | None = Field(
        None, max_length=MAX_INPUT, description="strptime pattern for parsing input exactly"
    )
    timezone: str | None = Field(
        None,
        validation_alias=AliasChoices("timezone", "tz", "from_timezone"),
        description="IANA zone (e.g. 'Europe/Paris'), 'UTC', 'local' or '+05:30': the zone for "
        "'now', and the zone assumed for inputs without one (default UTC)",
    )
    target_timezone: str | None = Field(
        None,
        validation_alias=AliasChoices("target_timezone", "to_timezone"),
        description="convert: the zone to convert into",
    )
    format: str | None = Field(
        None,
        max_length=MAX_INPUT,
        description="strftime output pattern (e.g. '%Y-%m-%d %H:%M'); default ISO 8601",
    )
    amount: int | float | None = Field(None, description="add/subtract: how many units")
    unit: str | None = Field(
        None,
        description="add/subtract: seconds, minutes, hours, days, weeks, months or years "
        "(also milliseconds); diff: the unit of `value`",
    )
    start: str | int | float | None = Field(None, description="diff: the earlier time")
    end: str | int | float | None = Field(None, description="diff: the later time (default now)")
    dayfirst: bool = Field(False, description="parse: read 01/02/2024 as 1 February")


class DateTimeHandler(Tool[Params]):
    name = "date_time_handler"
    category = "utility"
    description = (
        "Dates and times: now, parse (many formats), format (strftime), convert time zones, "
        "add/subtract durations, difference between two times, and calendar info."
    )
    tags = ("date", "time", "datetime", "timezone", "calendar")
    Params = Params
    result_keys = {
        "now": "datetime (formatted), iso, timestamp (Unix seconds), timestamp_ms, timezone, "
        "utc, utc_offset, format",
        "parse": "input, datetime, iso, timestamp, utc, timezone, parsed{year..weekday}",
        "format": "input, datetime (formatted), iso, format",
        "convert": "input, target_timezone, original, converted, datetime, iso, timestamp",
        "add/subtract": "input, amount, unit, original, result, datetime, iso, timestamp",
        "diff": "start, end, difference{total_seconds, minutes, hours, days, weeks, months, "
        "years, calendar, human_readable}, unit and value when unit is given",
        "info": "input, datetime, info{weekday, day_of_year, week_of_year, quarter, "
        "is_leap_year, days_in_month, is_weekend, is_dst, ...}",
        "formats": "formats (examples by name), units",
    }
    security_notes = (
        f"Pure computation: no files or network. Inputs are limited to {MAX_INPUT} characters; "
        "time zones come from the bundled IANA database (tzdata)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        operation = params.operation or ("parse" if params.input is not None else "now")
        operation = {"convert_timezone": "convert", "difference": "diff"}.get(operation, operation)
        if operation == "formats":
            return ToolResult.ok("date formats and units", FORMATS, operation=operation)
        if operation == "diff":
            return self._diff(params)
        if operation == "now":
            tz = zone(params.timezone or "local")
            moment = datetime.now(tz)
            result = {**stamp(moment, params.format), "timezone": params.timezone or "local"}
        else:
            moment = self._read("now" if params.input is None else params.input, params)
            result = {"input": params.input, **stamp(moment, params.format)}
        if operation == "parse":
            result["parsed"] = {k: v for k, v in info(moment).items() if k in PARSED}
            result["parsed"]["utc"] = result["utc"]
        elif operation == "convert":
            if not params.target_timezone:
                raise ValueError("convert needs 'target_timezone' (e.g. 'Asia/Tokyo')")
            converted = moment.astimezone(zone(params.target_timezone))
            original = render(moment, params.format)
            result = {"input": params.input, **stamp(converted, params.format)}
            result.update(target_timezone=params.target_timezone, original=original)
            result["converted"] = result["datetime"]
        elif operation in ("add", "subtract"):
            if params.amount is None:
                raise ValueError(f"{operation} needs 'amount' (a number of units)")
            unit = unit_name(params.unit, operation)
            sign = 1 if operation == "add" else -1
            shifted = shift(moment, sign * params.amount, unit)
            result = {
                "input": params.input,
                **stamp(shifted, params.format),
                "amount": params.amount,
            }
            result.update(unit=unit, original=render(moment, params.format))
            result["result"] = result["datetime"]
        elif operation == "info":
            result["info"] = info(moment)
        result["format"] = params.format or ISO
        return ToolResult.ok(str(result["datetime"]), result, operation=operation)

    def _diff(self, params: Params) -> ToolResult:
        first = params.start if params.start is not None else params.input
        if first is None:
            raise ValueError("diff needs 'start' (and 'end', default now)")
        start = self._read(first, params, "start")
        end = self._read("now" if params.end is None else params.end, params, "end")
        found = difference(start, end)
        result: dict[str, Any] = {
            "start": start.isoformat(), "end": end.isoformat(), "difference": found,
        }  # fmt: skip
        if params.unit:
            unit = unit_name(params.unit, "diff")
            seconds = (end - start).total_seconds()
            result["unit"] = unit
            calendar_unit = unit in ("months", "years")
            result["value"] = found[unit] if calendar_unit else seconds / SECONDS[unit]
        return ToolResult.ok(found["human_readable"], result, operation="diff")

    @staticmethod
    def _read(value: str | float, params: Params, what: str = "input") -> datetime:
        return parse_datetime(
            value,
            assumed=zone(params.timezone) if params.timezone else UTC,
            input_format=params.input_format,
            dayfirst=params.dayfirst,
            what=what,
        )
