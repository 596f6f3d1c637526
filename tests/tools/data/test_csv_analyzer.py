"""csv_analyzer: profiles, table operations, conversions and checks on real CSV text and files."""

from __future__ import annotations

import json
import os

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

PEOPLE = (
    "name,age,city,salary\n"
    "Ada,36,London,100.5\n"
    "Alan,41,Manchester,90\n"
    "Grace,,New York,120\n"
    "Linus,28,Helsinki,80.25\n"
)


def csv(rt, **params):
    return rt.tools.invoke("csv_analyzer", params)


def test_analyze_infers_types_nulls_and_statistics(rt):
    result = csv(rt, content=PEOPLE)
    assert result.success and result.extra["operation"] == "analyze"
    profile = result.result
    assert (profile["row_count"], profile["column_count"], profile["delimiter"]) == (4, 4, ",")
    columns = {c["name"]: c for c in profile["columns"]}
    age = columns["age"]
    assert age["data_type"] == "integer"
    assert (age["null_count"], age["non_null_count"], age["unique_count"]) == (1, 3, 3)
    assert (age["min_value"], age["max_value"], age["median"]) == (28, 41, 36)
    assert age["mean"] == pytest.approx(35.0)
    assert age["std_dev"] == pytest.approx(5.354, abs=1e-3)
    assert columns["salary"]["data_type"] == "float"
    assert columns["name"]["data_type"] == "string" and columns["name"]["mean"] is None
    assert columns["city"]["top_values"][0] == {"value": "London", "count": 1}
    # shape C: the text is the result itself, as JSON
    assert json.loads(result.text) == profile


def test_analyze_detects_delimiters_and_reports_ragged_rows(rt):
    profile = csv(rt, input="a;b\n1;2\n3;4\n").result
    assert profile["delimiter"] == ";" and profile["column_count"] == 2
    ragged = csv(rt, input="a,b\n1,2,3\n4\n").result
    assert ragged["row_count"] == 2
    assert ragged["parse_errors"] == [
        "row 1: 3 field(s), expected 2",
        "row 2: 1 field(s), expected 2",
    ]


@pytest.mark.parametrize(
    ("condition", "names"),
    [
        ("age > 30", ["Ada", "Alan"]),
        ("age >= 36 and city != 'Manchester'", ["Ada"]),
        ("age == null or name contains 'in'", ["Grace", "Linus"]),
        ("salary < 95", ["Alan", "Linus"]),
        ("city in (London, Helsinki)", ["Ada", "Linus"]),
        ("name ~ ^A", ["Ada", "Alan"]),
        ({"city": "London"}, ["Ada"]),
        ([{"column": "salary", "op": ">=", "value": 100}], ["Ada", "Grace"]),
    ],
)
def test_filter_conditions(rt, condition, names):
    result = csv(rt, operation="filter", input=PEOPLE, filter=condition)
    assert [row["name"] for row in result.result["rows"]] == names
    assert result.text.splitlines()[0] == "name,age,city,salary"
    assert len(result.text.splitlines()) == len(names) + 1


def test_filter_from_the_original_options_table(rt):
    result = csv(rt, operation="filter", content=PEOPLE, options={"filter": "age < 30"})
    assert result.text == "name,age,city,salary\nLinus,28,Helsinki,80.25\n"


def test_filter_errors_name_the_problem(rt):
    with pytest.raises(ToolExecutionError, match=r"no column 'height'; the columns are: name, age"):
        csv(rt, operation="filter", input=PEOPLE, filter="height > 3")
    with pytest.raises(ToolExecutionError, match=r"filter: cannot read 'age >>> 3'"):
        csv(rt, operation="filter", input=PEOPLE, filter="age >>> 3")
    with pytest.raises(ToolExecutionError, match=r"filter needs 'filter'"):
        csv(rt, operation="filter", input=PEOPLE)


def test_sort_select_sample_and_limit(rt):
    ordered = csv(rt, operation="sort", input=PEOPLE, sort_by="age", descending=True).result
    assert [r["name"] for r in ordered["rows"]] == ["Alan", "Ada", "Linus", "Grace"]
    by_city = csv(rt, operation="sort", input=PEOPLE, sort_by=["city"]).result
    assert by_city["rows"][0]["city"] == "Helsinki"
    picked = csv(rt, operation="select", input=PEOPLE, columns="name, city", limit=2)
    assert picked.text == "name,city\nAda,London\nAlan,Manchester\n"
    assert picked.result["columns"] == ["name", "city"] and picked.result["row_count"] == 2
    sample = csv(rt, operation="sample", input=PEOPLE, options={"size": 1}).result
    assert sample["rows"] == [{"name": "Ada", "age": 36, "city": "London", "salary": 100.5}]


def test_aggregate_groups_rows(rt):
    data = PEOPLE + "Barbara,50,London,70\n"
    default = csv(rt, operation="group_by", input=data, group_by="city").result
    london = default["rows"][0]
    assert default["columns"] == [
        "city",
        "count",
        "age_sum",
        "age_mean",
        "salary_sum",
        "salary_mean",
    ]
    assert london == {
        "city": "London",
        "count": 2,
        "age_sum": 86,
        "age_mean": 43.0,
        "salary_sum": 170.5,
        "salary_mean": 85.25,
    }
    chosen = csv(
        rt,
        operation="aggregate",
        input=data,
        aggregations={"salary": ["max", "median"], "name": "unique"},
    ).result
    assert chosen["rows"] == [
        {"count": 5, "salary_max": 120, "salary_median": 90, "name_unique": 5}
    ]
    with pytest.raises(ToolExecutionError, match=r"unknown function 'mode'"):
        csv(rt, operation="aggregate", input=data, aggregations={"age": "mode"})
    with pytest.raises(ToolExecutionError, match=r"sum needs numbers"):
        csv(rt, operation="aggregate", input=data, aggregations={"city": "sum"})


def test_convert_to_json_jsonl_and_tsv(rt):
    as_json = csv(rt, operation="convert", input=PEOPLE, format="json")
    assert as_json.result[2] == {"name": "Grace", "age": None, "city": "New York", "salary": 120}
    assert json.loads(as_json.text) == as_json.result
    assert csv(rt, operation="to_json", input="a,b\n007,true\n").result == [{"a": "007", "b": True}]
    lines = csv(rt, operation="convert", input=PEOPLE, options={"format": "jsonl"}).text
    assert json.loads(lines.splitlines()[3]) == {
        "name": "Linus",
        "age": 28,
        "city": "Helsinki",
        "salary": 80.25,
    }
    tsv = csv(rt, operation="convert", input=PEOPLE, format="tsv").text
    assert tsv.splitlines()[1] == "Ada\t36\tLondon\t100.5"


def test_transform_renames_adds_and_drops_columns(rt):
    result = csv(
        rt,
        operation="transform",
        input=PEOPLE,
        rename_columns={"name": "who"},
        add_columns={"double": "salary * 2", "team": "core"},
        drop_columns=["city"],
    ).result
    assert result["columns"] == ["who", "age", "salary", "double", "team"]
    assert result["rows"][0] == {
        "who": "Ada",
        "age": 36,
        "salary": 100.5,
        "double": 201,
        "team": "core",
    }


def test_validate_reports_each_bad_cell(rt):
    result = csv(
        rt,
        operation="validate",
        input=PEOPLE + "Ada,abc,London,1\n",
        expected_columns=["name", "age", "email"],
        column_types={"age": "integer"},
        rules={
            "name": ["required", "unique"],
            "salary": "range:50-110",
            "city": {"values": ["London", "Helsinki", "Manchester"]},
        },
    )
    report = result.result
    assert result.success and report["valid"] is False
    assert report["missing_columns"] == ["email"] and report["extra_columns"] == ["city", "salary"]
    found = {(e["row"], e["column"], e["rule"]) for e in report["errors"]}
    assert found == {
        (5, "age", "type"),
        (5, "name", "unique"),
        (3, "salary", "range"),
        (5, "salary", "range"),
        (3, "city", "enum"),
    }
    assert report["error_count"] == 5 and report["total_rows"] == 5
    clean = csv(rt, operation="validate", input=PEOPLE, column_types={"age": "integer"}).result
    assert clean["valid"] is True and clean["errors"] == []


def test_reads_csv_and_tsv_files_inside_the_sandbox(rt, work):
    (work / "people.csv").write_text(PEOPLE)
    (work / "people.tsv").write_text(PEOPLE.replace(",", "\t"))
    assert csv(rt, path=str(work / "people.csv")).result["row_count"] == 4
    assert csv(rt, file="people.tsv").result["delimiter"] == "\t"  # relative to the runtime's cwd


def test_refuses_paths_outside_the_sandbox(rt, work, outside):
    (outside / "secret.csv").write_text(PEOPLE)
    with pytest.raises(PathNotAllowed, match=r"outside the readable folders"):
        csv(rt, path=str(work / ".." / "outside" / "secret.csv"))
    os.symlink(outside / "secret.csv", work / "link.csv")
    with pytest.raises(PathNotAllowed, match=r"tools.file_operations.allowed_paths"):
        csv(rt, path=str(work / "link.csv"))
    (work / "data.exe").write_text(PEOPLE)
    with pytest.raises(PathNotAllowed, match=r"blocked_extensions"):
        csv(rt, path=str(work / "data.exe"))
    with pytest.raises(ToolExecutionError, match=r"no such file"):
        csv(rt, path=str(work / "missing.csv"))


def test_refuses_oversized_input(make_rt, work):
    rt = make_rt(**{"tools.data.max_csv_size": 50})
    with pytest.raises(
        ToolExecutionError,
        match=r"the CSV input is 107 bytes, over the 50-byte limit \(`tools.data.max_csv_size`\)",
    ):
        csv(rt, input=PEOPLE)
    (work / "big.csv").write_text(PEOPLE)
    with pytest.raises(ToolExecutionError, match=r"tools.data.max_csv_size"):
        csv(rt, path=str(work / "big.csv"))


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"input": PEOPLE, "limit": "many"}, "limit"),
        ({"input": PEOPLE, "operation": "pivot"}, "operation"),
        ({"input": 42}, "input"),
        ({"input": PEOPLE, "format": "parquet"}, "format"),
        ({"input": PEOPLE, "columns": [1, {}]}, "columns"),
    ],
)
def test_bad_parameter_types_name_the_parameter(rt, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'csv_analyzer': parameter '{name}"):
        csv(rt, **params)


def test_needs_some_input(rt):
    with pytest.raises(ToolExecutionError, match=r"give the CSV as 'input'"):
        csv(rt, operation="analyze")


def test_from_lua(rt):
    values = rt.run_code(
        """
        local csv = "name,score\\nAda,90\\nAlan,75\\nGrace,88\\n"
        local profile = Tool.invoke("csv_analyzer", {content = csv})
        local top = Tool.invoke("csv_analyzer", {
          operation = "filter", input = csv, options = {filter = "score > 80"},
        })
        return profile.result.row_count, profile.result.columns[2].data_type,
          top.result.row_count, top.result.rows[2].name, top.text, top.operation
        """
    )
    assert values == [3, "integer", 2, "Grace", "name,score\nAda,90\nGrace,88\n", "filter"]
