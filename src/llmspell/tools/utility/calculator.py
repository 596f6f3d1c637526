"""calculator: evaluate arithmetic safely over an `ast` whitelist (never eval), with variables."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.utility.safe_expr import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_INT_BITS,
    MAX_NODES,
    TRIGONOMETRIC,
    CalcError,
    Evaluator,
    Number,
    names_needed,
    parse,
    result_type,
)


class Params(ToolParams):
    operation: Literal["evaluate", "validate", "functions"] = Field(
        "evaluate",
        description="evaluate an expression, validate it without running, or list functions",
    )
    input: str | None = Field(
        None,
        validation_alias=AliasChoices("input", "expression", "expr"),
        description="the expression, e.g. '2 + 3 * 4', 'x^2 + y^2', 'sqrt(16) + sin(pi/2)'",
    )
    variables: dict[str, int | float | bool] = Field(
        default_factory=dict, description="values for names in the expression, e.g. {x=3, y=4}"
    )

    @field_validator("variables", mode="before")
    @classmethod
    def _empty_table(cls, value: Any) -> Any:
        return {} if value == [] or value is None else value

    @field_validator("variables")
    @classmethod
    def _names(cls, value: dict[str, Number]) -> dict[str, Number]:
        for name, number in value.items():
            if not name.isidentifier():
                raise ValueError(f"{name!r} is not a valid variable name")
            if isinstance(number, float) and not math.isfinite(number):
                raise ValueError(f"{name!r} must be a finite number")
        return value


class Calculator(Tool[Params]):
    name = "calculator"
    category = "utility"
    description = (
        "Evaluate math expressions safely: + - * / % ^, comparisons, && || !, variables, "
        "functions (sqrt, sin, log, round, ...) and constants pi, e."
    )
    tags = ("math", "calculator", "expression", "arithmetic")
    Params = Params
    result_keys = {
        "evaluate": "input, result (number or boolean), result_type, variables",
        "validate": "input, valid, error (when invalid), variables_needed",
        "functions": "arithmetic, comparison, logical, trigonometric, mathematical, constants",
    }
    security_notes = (
        "Never uses eval: the expression is parsed with `ast` and only whitelisted nodes run. "
        f"Limits: {MAX_EXPRESSION_LENGTH} characters, {MAX_NODES} parts, nesting depth "
        f"{MAX_DEPTH}, integer results of at most {MAX_INT_BITS} bits (so 9^9^9 is refused "
        "before it is computed), finite floats only."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        if params.operation == "functions":
            return self._functions()
        if params.input is None:
            raise ValueError(f"{params.operation} needs 'input' (the expression)")
        if params.operation == "validate":
            try:
                tree = parse(params.input)
            except CalcError as exc:
                found = {"input": params.input, "valid": False, "error": str(exc)}
                return ToolResult.ok(f"invalid: {exc}", found, operation="validate")
            needed = names_needed(tree, params.variables)
            found = {"input": params.input, "valid": True, "variables_needed": needed}
            return ToolResult.ok("valid expression", found, operation="validate")
        evaluator = Evaluator(params.variables)
        value = evaluator.run(parse(params.input))
        result = {
            "input": params.input,
            "expression": params.input,
            "result": value,
            "result_type": result_type(value),
            "variables": evaluator.variables,
        }
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        return ToolResult.ok(shown, result, operation="evaluate")

    @staticmethod
    def _functions() -> ToolResult:
        result = {
            "arithmetic": ["+", "-", "*", "/", "//", "%", "^", "**"],
            "comparison": ["==", "!=", "<", ">", "<=", ">="],
            "logical": ["&&", "||", "!", "and", "or", "not", "a if cond else b"],
            "trigonometric": [*TRIGONOMETRIC, "degrees", "radians"],
            "mathematical": sorted(set(FUNCTIONS) - set(TRIGONOMETRIC) - {"degrees", "radians"}),
            "constants": [*CONSTANTS, "true", "false"],
            "notes": "log(x) is base 10, log(b, x) is base b, ln(x) is natural; angles in radians; "
            "`x = 3; x * 2` assigns; pi and pi() both work",
            "examples": {
                "basic": "2 + 3 * 4",
                "variables": "x^2 + y^2 with variables {x=3, y=4}",
                "functions": "sqrt(25) + pow(2, 3) + round(2.567, 2)",
                "logic": "x > 1 && x < 10",
            },
        }
        return ToolResult.ok(
            "available operators, functions and constants", result, operation="functions"
        )
