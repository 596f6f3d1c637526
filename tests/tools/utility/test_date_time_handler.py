"""date_time_handler: now, parse, format, convert, add/subtract, diff, info, with real zones."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from llmspell.core.errors import ToolExecutionError, ToolParameterError


def dt(invoke, **params):
    return invoke("date_time_handler", params)


def test_now_has_the_keys_scripts_read(invoke):
    before = time.time()
    result = dt(invoke, operation="now")
    assert set(result.result) >= {"datetime", "timestamp", "timezone", "format", "iso", "utc"}
    assert result.result["timezone"] == "local"
    assert result.result["format"] == "iso8601"
    assert before - 1 <= result.result["timestamp"] <= time.time() + 1
    assert isinstance(result.result["timestamp"], int)
    assert datetime.fromisoformat(result.result["datetime"]).tzinfo is not None
    assert result.text == result.result["datetime"]


def test_now_in_a_zone_with_a_pattern(invoke):
    result = dt(
        invoke, operation="now", timezone="Asia/Tokyo", format="%Y-%m-%d %H:%M:%S%.3f %Z %:z"
    )
    assert result.result["timezone"] == "Asia/Tokyo"
    assert result.result["utc_offset"] == "+09:00"
    assert result.result["datetime"].endswith(" JST +09:00")
    assert len(result.result["datetime"].split()[1]) == len("12:34:56.789")
    fixed = dt(invoke, operation="now", timezone="+05:30")
    assert fixed.result["iso"].endswith("+05:30")


def test_parse_iso_and_its_parts(invoke):
    result = dt(invoke, operation="parse", input="2024-12-25T10:30:00Z").result
    assert result["datetime"] == "2024-12-25T10:30:00+00:00"
    assert result["timestamp"] == 1735122600
    assert result["parsed"] == {
        "year": 2024, "month": 12, "day": 25, "hour": 10, "minute": 30, "second": 0,
        "weekday": "Wednesday", "timestamp": 1735122600, "utc": "2024-12-25T10:30:00+00:00",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "extra", "utc"),
    [
        ("Wed, 25 Dec 2024 10:30:00 +0100", {}, "2024-12-25T09:30:00+00:00"),
        ("March 3, 2024 5pm", {"timezone": "America/New_York"}, "2024-03-03T22:00:00+00:00"),
        ("2024-12-25 10:30 EST", {}, "2024-12-25T15:30:00+00:00"),
        ("03/04/2024", {"dayfirst": True}, "2024-04-03T00:00:00+00:00"),
        ("03/04/2024", {}, "2024-03-04T00:00:00+00:00"),
        ("25.12.2024 08:00", {"input_format": "%d.%m.%Y %H:%M"}, "2024-12-25T08:00:00+00:00"),
        ("1700000000", {}, "2023-11-14T22:13:20+00:00"),
    ],
)
def test_parse_many_formats(invoke, text, extra, utc):
    assert dt(invoke, input=text, **extra).result["utc"] == utc  # parse is the default with input


def test_parse_a_number_as_a_unix_timestamp(invoke):
    assert dt(invoke, input=1700000000.5).result["timestamp_ms"] == 1700000000500


def test_relative_words(invoke):
    today = dt(invoke, input="today", timezone="UTC").result
    tomorrow = dt(invoke, input="tomorrow", timezone="UTC").result
    assert tomorrow["timestamp"] - today["timestamp"] == 86400
    assert today["iso"].endswith("T00:00:00+00:00")


def test_format_with_strftime(invoke):
    result = dt(
        invoke, operation="format", input="2024-01-15T10:30:00Z", format="%B %d, %Y at %I:%M %p"
    )
    assert result.result["datetime"] == "January 15, 2024 at 10:30 AM"
    assert result.text == "January 15, 2024 at 10:30 AM"
    unix = dt(invoke, operation="format", input="2024-01-15T10:30:00Z", format="%s")
    assert unix.text == "1705314600"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2024-01-15T10:30:00Z", "2024-01-15 05:30:00 EST"),
        ("2024-07-15T10:30:00Z", "2024-07-15 06:30:00 EDT"),
    ],
)
def test_convert_follows_daylight_saving(invoke, when, expected):
    result = dt(
        invoke,
        operation="convert_timezone",
        input=when,
        target_timezone="America/New_York",
        format="%Y-%m-%d %H:%M:%S %Z",
    ).result
    assert result["converted"] == expected
    assert result["target_timezone"] == "America/New_York"
    assert result["original"].endswith("UTC")


def test_convert_needs_a_real_zone(invoke):
    with pytest.raises(ToolExecutionError, match="unknown time zone 'Mars/Base'"):
        dt(invoke, operation="convert", input="2024-01-01", target_timezone="Mars/Base")
    with pytest.raises(ToolExecutionError, match=r"unknown time zone '\.\./\.\./etc/passwd'"):
        dt(invoke, operation="convert", input="2024-01-01", target_timezone="../../etc/passwd")
    with pytest.raises(ToolExecutionError, match="needs 'target_timezone'"):
        dt(invoke, operation="convert", input="2024-01-01")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"operation": "add", "amount": 30, "unit": "days"}, "2024-01-31T00:00:00+00:00"),
        (
            {"operation": "add", "amount": 1, "unit": "month", "input": "2024-01-31"},
            "2024-02-29T00:00:00+00:00",
        ),
        (
            {"operation": "subtract", "amount": 1, "unit": "years", "input": "2024-02-29"},
            "2023-02-28T00:00:00+00:00",
        ),
        ({"operation": "subtract", "amount": 2, "unit": "hours"}, "2023-12-31T22:00:00+00:00"),
        ({"operation": "add", "amount": 90, "unit": "min"}, "2024-01-01T01:30:00+00:00"),
        ({"operation": "add", "amount": 1.5, "unit": "weeks"}, "2024-01-11T12:00:00+00:00"),
        ({"operation": "add", "amount": 250, "unit": "ms"}, "2024-01-01T00:00:00.250000+00:00"),
    ],
)
def test_add_and_subtract(invoke, params, expected):
    result = dt(invoke, **{"input": "2024-01-01T00:00:00Z", **params}).result
    assert result["result"] == expected
    assert result["datetime"] == expected


def test_days_keep_the_wall_clock_and_hours_are_absolute_across_dst(invoke):
    base = {"input": "2024-03-30T12:00:00", "timezone": "Europe/Paris", "operation": "add"}
    assert dt(invoke, **base, amount=1, unit="days").result["result"] == "2024-03-31T12:00:00+02:00"
    assert (
        dt(invoke, **base, amount=24, unit="hours").result["result"] == "2024-03-31T13:00:00+02:00"
    )


def test_arithmetic_errors_are_clear(invoke):
    with pytest.raises(ToolExecutionError, match="unknown unit 'fortnight'"):
        dt(invoke, operation="add", input="2024-01-01", amount=1, unit="fortnight")
    with pytest.raises(ToolExecutionError, match="needs 'amount'"):
        dt(invoke, operation="add", input="2024-01-01", unit="days")
    with pytest.raises(ToolExecutionError, match="needs 'unit'"):
        dt(invoke, operation="add", input="2024-01-01", amount=1)
    with pytest.raises(ToolExecutionError, match="leaves the years 1-9999"):
        dt(invoke, operation="add", input="2024-01-01", amount=1e12, unit="days")
    with pytest.raises(ToolExecutionError, match="whole number"):
        dt(invoke, operation="add", input="2024-01-01", amount=1.5, unit="months")


def test_difference(invoke):
    result = dt(
        invoke, operation="difference", start="2024-01-15T10:30:00Z", end="2024-01-20T15:45:00Z"
    )
    found = result.result["difference"]
    assert (found["days"], found["hours"], found["minutes"]) == (5, 125, 7515)
    assert found["total_seconds"] == 450900
    assert found["human_readable"] == "5 days, 5 hours, 15 minutes"
    assert result.text == "5 days, 5 hours, 15 minutes"
    back = dt(invoke, operation="diff", start="2024-03-15", end="2023-01-15", unit="months").result
    assert back["value"] == -14
    assert back["difference"]["calendar"] == {
        "years": -1, "months": -2, "days": 0, "hours": 0, "minutes": 0, "seconds": 0,
    }  # fmt: skip
    assert back["difference"]["human_readable"].startswith("-")
    hours = dt(invoke, operation="diff", start="2024-01-15", end="2024-01-16 06:00", unit="hours")
    assert hours.result["value"] == 30.0


def test_diff_needs_a_start(invoke):
    with pytest.raises(ToolExecutionError, match="needs 'start'"):
        dt(invoke, operation="diff")


def test_info_about_a_leap_day(invoke):
    info = dt(invoke, operation="info", input="2024-02-29T12:00:00Z").result["info"]
    assert info["weekday"] == "Thursday"
    assert info["day_of_year"] == 60
    assert info["week_of_year"] == 9
    assert info["quarter"] == 1
    assert info["is_leap_year"] is True
    assert info["days_in_month"] == 29
    assert info["days_in_year"] == 366
    assert info["is_weekend"] is False
    assert info["end_of_day"] == "2024-02-29T23:59:59.999999+00:00"
    summer = dt(invoke, operation="info", input="2024-07-06T12:00:00", timezone="Europe/Paris")
    assert summer.result["info"]["is_dst"] is True
    assert summer.result["info"]["is_weekend"] is True


def test_formats_lists_patterns_and_units(invoke):
    result = dt(invoke, operation="formats").result
    assert result["formats"]["Date only"] == "%Y-%m-%d"
    assert "months" in result["units"]


def test_unreadable_and_oversized_input(invoke):
    with pytest.raises(ToolExecutionError, match="cannot read input 'not a date'"):
        dt(invoke, input="not a date")
    with pytest.raises(ToolExecutionError, match=r"month must be in 1\.\.12"):
        dt(invoke, input="2024-13-45")
    with pytest.raises(ToolExecutionError, match="the limit for a date is 256"):
        dt(invoke, input="2024 " * 100)
    with pytest.raises(ToolExecutionError, match="unknown time zone 'XYZ'"):
        dt(invoke, input="2024-12-25 10:30 XYZ")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"operation": "tomorrow"}, "operation"),
        ({"operation": "add", "amount": "lots"}, "amount"),
        ({"input": ["2024"]}, "input"),
        ({"format": "%Y" * 200}, "format"),
        ({"dayfirst": "maybe"}, "dayfirst"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'date_time_handler'.*'{name}'"):
        dt(invoke, **params)


def test_from_lua_now_gives_datetime_and_timestamp(rt):
    stamp, kind, when = rt.run_code(
        """
        local r = Tool.invoke("date_time_handler", {operation = "now"})
        local a = Tool.invoke("date_time_handler",
            {operation = "add", input = "2024-01-01T00:00:00Z", amount = 30, unit = "days"})
        return r.result.timestamp, math.type(r.result.timestamp), a.result.result
        """
    )
    assert abs(stamp - time.time()) < 5
    assert kind == "integer"
    assert when == "2024-01-31T00:00:00+00:00"
