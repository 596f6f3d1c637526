"""The calculator's engine: arithmetic over an `ast` whitelist (never eval), bounded in size."""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_EXPRESSION_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 60
MAX_INT_BITS = 1000  # ~1e301: every result still fits a float
Number = int | float | bool


class CalcError(ValueError):
    """A bad expression: the message says what and where (the registry names the tool)."""


def _power(base: Number, exp: Number) -> Number:
    if base == 0 and exp < 0:
        raise ZeroDivisionError
    if type(base) is not float and type(exp) is not float and exp >= 0:
        if abs(base) > 1 and exp * math.log2(abs(base)) > MAX_INT_BITS:
            raise CalcError(
                f"{base}^{exp} is too large (results are limited to {MAX_INT_BITS} bits)"
            )
        return int(base) ** int(exp)
    try:
        return math.pow(base, exp)
    except ValueError:
        raise CalcError(f"{base}^{exp} has no real result") from None


def _log(*args: float) -> float:
    """log(x) is base 10; log(b, x) is log base b of x (the original's fasteval order)."""
    return math.log10(args[0]) if len(args) == 1 else math.log(args[1], args[0])


def _round(x: float, digits: int = 0) -> Number:
    """Half away from zero, as people round (not banker's rounding)."""
    if not 0 <= digits <= 15:
        raise CalcError("round: digits must be between 0 and 15")
    value = Decimal(repr(x)).quantize(Decimal(1).scaleb(-int(digits)), ROUND_HALF_UP)
    return int(value) if digits == 0 else float(value)


def _factorial(n: Number) -> int:
    if (type(n) is float and not n.is_integer()) or n < 0 or n > 500:
        raise CalcError("factorial needs a whole number from 0 to 500")
    return math.factorial(int(n))


# name -> (function, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    "sqrt": (math.sqrt, 1, 1), "cbrt": (math.cbrt, 1, 1), "exp": (math.exp, 1, 1),
    "ln": (math.log, 1, 1), "log": (_log, 1, 2), "log10": (math.log10, 1, 1),
    "log2": (math.log2, 1, 1), "pow": (_power, 2, 2), "abs": (abs, 1, 1),
    "min": (min, 1, 100), "max": (max, 1, 100), "round": (_round, 1, 2),
    "floor": (math.floor, 1, 1), "ceil": (math.ceil, 1, 1), "trunc": (math.trunc, 1, 1),
    "sign": (lambda x: (x > 0) - (x < 0), 1, 1), "hypot": (math.hypot, 1, 100),
    "factorial": (_factorial, 1, 1), "gcd": (math.gcd, 1, 100), "lcm": (math.lcm, 1, 100),
    "sum": (lambda *a: sum(a), 1, 100), "avg": (lambda *a: sum(a) / len(a), 1, 100),
    "sin": (math.sin, 1, 1), "cos": (math.cos, 1, 1), "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1), "acos": (math.acos, 1, 1), "atan": (math.atan, 1, 1),
    "atan2": (math.atan2, 2, 2), "sinh": (math.sinh, 1, 1), "cosh": (math.cosh, 1, 1),
    "tanh": (math.tanh, 1, 1), "degrees": (math.degrees, 1, 1), "radians": (math.radians, 1, 1),
}  # fmt: skip
TRIGONOMETRIC = ["sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh"]
CONSTANTS: dict[str, Number] = {"pi": math.pi, "e": math.e, "tau": math.tau}
NAMED = {"true": True, "false": False, "True": True, "False": False}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: _power,
}  # fmt: skip
_SYMBOL = {
    "Add": "+",
    "Sub": "-",
    "Mult": "*",
    "Div": "/",
    "FloorDiv": "//",
    "Mod": "%",
    "Pow": "^",
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip
_ALLOWED = (
    ast.Module, ast.Expr, ast.Assign, ast.Name, ast.Load, ast.Store, ast.Constant, ast.BinOp,
    ast.UnaryOp, ast.UAdd, ast.USub, ast.Not, ast.BoolOp, ast.And, ast.Or, ast.Compare,
    ast.IfExp, ast.Call, *_BINARY, *_COMPARE,
)  # fmt: skip


_NOT_ALLOWED = {
    "Attribute": "attribute access ('.')",
    "Subscript": "indexing ('[...]')",
    "List": "a list",
    "Tuple": "a tuple (',' outside a function call)",
    "Lambda": "lambda",
}


def _to_python(expression: str) -> str:
    """The original's spellings (`^`, `&&`, `||`, `!`) in Python's."""
    text = expression.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    return text.replace("^", "**").replace("\u00d7", "*").replace("\u00f7", "/")


def parse(expression: str) -> ast.Module:
    """Parse and check every node against the whitelist; raises CalcError."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise CalcError(
            f"expression is {len(expression)} characters; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    if not expression.strip():
        raise CalcError("expression is empty")
    try:
        tree = ast.parse(_to_python(expression).strip(), mode="exec")
    except SyntaxError as exc:
        raise CalcError(f"invalid expression: {exc.msg} (column {exc.offset})") from None
    except (RecursionError, MemoryError):
        raise CalcError("expression is nested too deeply") from None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES or depth > MAX_DEPTH:
            raise CalcError(
                f"expression is too complex (limits: {MAX_NODES} parts, depth {MAX_DEPTH})"
            )
        if not isinstance(node, _ALLOWED):
            what = _NOT_ALLOWED.get(type(node).__name__, type(node).__name__)
            raise CalcError(f"{what} is not allowed in a calculator expression")
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float, bool):
            raise CalcError(f"only numbers are allowed, not {node.value!r}")
        if isinstance(node, ast.Assign) and (
            len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name)
        ):
            raise CalcError("assign to one plain name, as in `x = 3; x * 2`")
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.keywords
            or (node.func.id not in FUNCTIONS and node.func.id not in CONSTANTS)
        ):  # fmt: skip
            name = getattr(node.func, "id", ast.unparse(node.func))
            raise CalcError(f"unknown function {name!r}; see operation='functions'")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def names_needed(tree: ast.Module, known: dict[str, Number]) -> list[str]:
    assigned = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    callees = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}  # type: ignore[attr-defined]
    return sorted(used - callees - assigned - set(known) - set(CONSTANTS) - set(NAMED))


class Evaluator:
    def __init__(self, variables: dict[str, Number]) -> None:
        self.variables = dict(variables)

    def run(self, tree: ast.Module) -> Number:
        result: Number | None = None
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                name = statement.targets[0].id  # type: ignore[attr-defined]
                if name in FUNCTIONS:
                    raise CalcError(f"{name!r} is a function name; choose another variable name")
                result = self.variables[name] = self.eval(statement.value)
            else:
                result = self.eval(statement.value)  # type: ignore[attr-defined]
        if result is None:
            raise CalcError("expression is empty")
        return result

    def eval(self, node: ast.AST) -> Number:
        if isinstance(node, ast.Constant):
            return node.value  # type: ignore[no-any-return]
        if isinstance(node, ast.Name):
            for table in (self.variables, CONSTANTS, NAMED):
                if node.id in table:
                    return table[node.id]
            raise CalcError(f"unknown variable {node.id!r}; pass it in `variables`")
        if isinstance(node, ast.BinOp):
            left, right = self.eval(node.left), self.eval(node.right)
            return _checked(_BINARY[type(node.op)], left, right, op=_SYMBOL[type(node.op).__name__])
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BoolOp):
            want = isinstance(node.op, ast.Or)
            return want if any(bool(self.eval(v)) is want for v in node.values) else not want
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comparator)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.eval(node.body if self.eval(node.test) else node.orelse)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name in CONSTANTS and not node.args:
            return CONSTANTS[name]  # `pi()` and `e()`, as the original's examples write them
        func, low, high = FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise CalcError(f"{name}() takes {want} argument(s), got {len(node.args)}")
        return _checked(func, *(self.eval(arg) for arg in node.args), op=name)


def _checked(func: Callable[..., Any], *args: Any, op: str) -> Number:
    try:
        value = func(*args)
    except CalcError:
        raise
    except ZeroDivisionError:
        raise CalcError("division by zero") from None
    except OverflowError:
        raise CalcError(f"{op}: result is too large") from None
    except (ValueError, TypeError) as exc:
        raise CalcError(f"{op}: {exc}") from None
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        raise CalcError(f"{op}: result is too large (limit {MAX_INT_BITS} bits)")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalcError(f"{op}: result is not a finite number")
    return value  # type: ignore[no-any-return]


def result_type(value: Number) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "integer" if isinstance(value, int) else "float"
