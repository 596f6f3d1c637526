"""Placeholders of the database-connector: found on the dialect's tokens, bound to `params`.

`?` and `%s` are positional (`params` an array), `$1`, `$2`, ... numbered (an array; `$n` takes
the n-th value) and `:name` and `%(name)s` named (`params` an object). Each becomes the driver's
positional mark (`?` for sqlite3, `%s` for psycopg and PyMySQL, with every other `%` doubled), with
the values in placeholder order. Values: strings, numbers, booleans, null, `{"base64": "..."}` for
bytes, and arrays for PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from llmspell.core.errors import ToolParameterError

if TYPE_CHECKING:
    from sqlglot.tokens import Token

Dialect = Literal["sqlite", "postgres", "mysql"]
ParamStyle = Literal["qmark", "format"]
TOOL = "database-connector"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Slot:
    start: int
    end: int
    style: Literal["positional", "numbered", "named"]
    key: str | int = 0


def find_slots(tokens: list[Token], dialect: Dialect) -> list[Slot]:
    """The placeholders, found on the dialect's tokens (so never inside comments)."""
    from sqlglot.tokens import TokenType as T

    found: list[Slot] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.token_type
        run = _glued(tokens, index)
        following = run[1] if len(run) > 1 else None
        if kind is T.PLACEHOLDER:
            if following is not None and following.token_type is T.NUMBER:
                raise ToolParameterError(
                    f"Tool '{TOOL}': numbered ?{following.text} placeholders are not supported; "
                    "use ? (values in order), $1 or :name"
                )
            found.append(Slot(token.start, token.end + 1, "positional"))
        elif kind.name == "QDCOLON":  # PostgreSQL's tokenizer reads `?::int` as `?::` + `int`
            found.append(Slot(token.start, token.start + 1, "positional"))
        elif (
            kind is T.COLON
            and following is not None
            and _NAME.match(following.text)
            and following.token_type is not T.IDENTIFIER
            and not _after_name(tokens, index)
        ):
            found.append(Slot(token.start, following.end + 1, "named", following.text))
            index += 1
        elif (
            kind is T.PARAMETER
            and token.text == "$"
            and following is not None
            and following.text.isdigit()
        ):
            found.append(Slot(token.start, following.end + 1, "numbered", int(following.text)))
            index += 1
        elif kind is T.MOD and following is not None:
            if following.token_type is T.VAR and following.text == "s":
                found.append(Slot(token.start, following.end + 1, "positional"))
                index += 1
            elif (
                len(run) == 5
                and (run[1].text, run[3].text, run[4].text) == ("(", ")", "s")
                and _NAME.match(run[2].text)
            ):
                found.append(Slot(token.start, run[4].end + 1, "named", run[2].text))
                index += 4
        elif dialect == "sqlite" and (
            kind is T.PARAMETER or (kind is T.VAR and token.text[:1] in "$@")
        ):
            raise ToolParameterError(
                f"Tool '{TOOL}': SQLite's own $name/@name parameters are not supported; "
                "use ? or :name"
            )
        index += 1
    return found


def _glued(tokens: list[Token], index: int) -> list[Token]:
    """The tokens from `index` on with no space between them (at most five)."""
    run = [tokens[index]]
    for token in tokens[index + 1 : index + 5]:
        if token.start != run[-1].end + 1:
            break
        run.append(token)
    return run


def _after_name(tokens: list[Token], index: int) -> bool:
    """`x:y` (an array slice, a JSON path) rather than a `:y` placeholder."""
    if index == 0:
        return False
    before = tokens[index - 1]
    return before.end + 1 == tokens[index].start and (
        before.text[-1:].isalnum() or before.text[-1:] in '_])"`'
    )


def driver_text(text: str, slots: list[Slot], mark: str, *, escape: bool = False) -> str:
    """`text` with each placeholder as `mark` (and, for `escape`, every other `%` doubled)."""
    parts: list[str] = []
    position = 0
    for slot in slots:
        segment = text[position : slot.start]
        parts.extend((segment.replace("%", "%%") if escape else segment, mark))
        position = slot.end
    tail = text[position:]
    parts.append(tail.replace("%", "%%") if escape else tail)
    return "".join(parts)


def canonical(text: str, slots: list[Slot]) -> str:
    """The text sqlglot parses: each placeholder as ` :pN ` (it reads `?::int` in no dialect)."""
    parts: list[str] = []
    position = 0
    for number, slot in enumerate(slots, 1):
        parts.extend((text[position : slot.start], f" :p{number} "))
        position = slot.end
    parts.append(text[position:])
    return "".join(parts)


def escape(text: str, paramstyle: ParamStyle) -> str:
    return text.replace("%", "%%") if paramstyle == "format" else text


def bind(slots: list[Slot], params: Any, dialect: Dialect) -> list[Any]:
    if params in (None, {}, []):
        params = {} if any(s.style == "named" for s in slots) else []
    styles = {slot.style for slot in slots}
    if len(styles) > 1:
        raise ToolParameterError(
            f"Tool '{TOOL}': the query mixes placeholder styles ({', '.join(sorted(styles))}); "
            "use one: ? / %s, $1 / $2, or :name"
        )
    style = styles.pop() if styles else "positional"
    if style == "named":
        if not isinstance(params, dict):
            raise _params_error("the query uses :name placeholders, so `params` must be an object")
        names = [str(slot.key) for slot in slots]
        missing = sorted({n for n in names if n not in params})
        unused = sorted(set(params) - set(names))
        if missing or unused:
            raise _params_error(
                "`params` does not match the :name placeholders"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not in the query: {', '.join(unused)}" if unused else "")
            )
        raw = [params[name] for name in names]
    else:
        if not isinstance(params, list):
            raise _params_error(
                "the query uses positional placeholders (? or $1), so `params` must be an array"
                if slots
                else "the query has no placeholders, so `params` must be empty"
            )
        if style == "numbered":
            numbers = [int(slot.key) for slot in slots]
            if set(numbers) != set(range(1, len(params) + 1)):
                raise _params_error(
                    f"the query uses ${', $'.join(map(str, sorted(set(numbers))))} but `params` "
                    f"has {len(params)} value(s); $n takes the n-th value and every value must "
                    "be used"
                )
            raw = [params[n - 1] for n in numbers]
        else:
            if len(params) != len(slots):
                raise _params_error(
                    f"the query has {len(slots)} placeholder(s) but `params` has "
                    f"{len(params)} value(s)"
                )
            raw = list(params)
    return [_value(value, dialect) for value in raw]


def _params_error(message: str) -> ToolParameterError:
    return ToolParameterError(f"Tool '{TOOL}': {message}")


def _value(value: Any, dialect: Dialect) -> Any:
    """A parameter as the driver takes it: scalars, `{"base64": ...}` bytes, PostgreSQL arrays."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict) and isinstance(value.get("base64"), str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise _params_error("a {base64 = ...} value is not valid base64") from None
    if isinstance(value, list) and dialect == "postgres":
        return [_value(item, dialect) for item in value]
    shown = "an array" if isinstance(value, list) else f"a {type(value).__name__}"
    raise _params_error(
        f"a value in `params` is {shown}; values are strings, numbers, booleans, null or "
        "{base64 = '...'} for bytes (arrays only for PostgreSQL); pass JSON as a string"
    )
