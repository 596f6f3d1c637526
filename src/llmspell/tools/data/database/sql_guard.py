"""The database-connector's SQL rules: one statement, values only through placeholders, known kind.

```python
stmt = prepare("SELECT * FROM users WHERE name = :name", {"name": "alice"},
               dialect="postgres", paramstyle="format")
stmt.sql, stmt.values, stmt.kind        # 'SELECT * FROM users WHERE name = %s', ['alice'], 'read'
```

The statement is tokenized and parsed with sqlglot in the database's dialect (placeholders: see
`placeholders.py`). Refused: a string literal anywhere, or a number outside LIMIT/OFFSET/FETCH,
ORDER BY/GROUP BY positions and type sizes (DDL is exempt: databases take no parameters there);
more than one statement; MySQL executable comments; `SELECT ... INTO`; and every statement other
than SELECT, WITH, VALUES, TABLE, EXPLAIN, SHOW, DESCRIBE (kind "read"), INSERT, UPDATE, DELETE,
MERGE, or a read holding one of them (kind "write"), and CREATE, ALTER, DROP, TRUNCATE (kind
"ddl"). The tool decides which kinds an operation may run; the database enforces read-only mode
as well (see `drivers.py`), so a statement these checks misjudge still cannot write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from llmspell.core.errors import SecurityError, ToolExecutionError, ToolParameterError
from llmspell.tools.data.database.placeholders import (
    TOOL,
    Dialect,
    ParamStyle,
    bind,
    canonical,
    driver_text,
    escape,
    find_slots,
)

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.tokens import Token

Kind = Literal["read", "write", "ddl"]
MAX_SQL_CHARS = 100_000
PLACEHOLDER_HELP = "a ? placeholder (or :name with `params` as an object)"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXPLAIN = re.compile(
    r"EXPLAIN\b(?:\s*\([\w\s,=]*\))?"
    r"(?:\s+(?:ANALYZE|ANALYSE|VERBOSE|EXTENDED|PARTITIONS|QUERY\s+PLAN|FORMAT\s*=\s*\w+)\b)*",
    re.IGNORECASE,
)
_STRING_TOKENS = (
    "STRING",
    "BIT_STRING",
    "HEX_STRING",
    "BYTE_STRING",
    "NATIONAL_STRING",
    "NATIONAL_RAW_STRING",
    "RAW_STRING",
    "HEREDOC_STRING",
    "UNICODE_STRING",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """A checked statement, ready for its driver."""

    sql: str
    values: list[Any]
    kind: Kind
    verb: str
    #: a plain query whose rows may be read through a server-side cursor
    streamable: bool = False


def prepare(sql: str, params: Any, *, dialect: Dialect, paramstyle: ParamStyle) -> Statement:
    """Check `sql` and bind `params`; raises SecurityError or ToolParameterError with the reason."""
    from sqlglot.tokens import TokenType

    text = sql.strip()
    if not text:
        raise ToolParameterError(
            f"Tool '{TOOL}': parameter 'query' is empty; give one SQL statement"
        )
    if len(text) > MAX_SQL_CHARS:
        raise ToolParameterError(
            f"Tool '{TOOL}': the query is {len(text):,} characters, over the "
            f"{MAX_SQL_CHARS:,}-character limit"
        )
    tokens = _tokenize(text, dialect)
    while tokens and tokens[-1].token_type is TokenType.SEMICOLON:
        tokens.pop()
    if not tokens:
        raise ToolParameterError(f"Tool '{TOOL}': parameter 'query' has no SQL statement")
    text = text[: tokens[-1].end + 1]
    statements = 1 + sum(t.token_type is TokenType.SEMICOLON for t in tokens)
    if statements > 1:
        raise SecurityError(f"the query holds {statements} statements; send one statement per call")
    _refuse_executable_comments(tokens, dialect)
    prefix = ""
    if tokens[0].text.upper() == "EXPLAIN":
        match = _EXPLAIN.match(text, tokens[0].start)
        end = match.end() if match else tokens[0].end + 1
        prefix, text = text[:end], text[end:]
        tokens = _tokenize(text, dialect)
        if not tokens:
            raise ToolParameterError(f"Tool '{TOOL}': EXPLAIN needs a statement after it")
    slots = find_slots(tokens, dialect)
    first = tokens[0].text.upper()
    if first not in _VERBS:
        _refuse_kind(first)
    if first == "SHOW":
        _check_show(text, tokens, dialect)
        kind, verb, streamable = "read", "SHOW", False
    else:
        from sqlglot import exp

        tree = _parse(canonical(text, slots), dialect)
        kind, verb = _classify(tree, first if first.isalpha() else tree.key.upper())
        streamable = not prefix and kind == "read" and isinstance(tree, exp.Query | exp.Values)
        if kind != "ddl":
            _refuse_number_literal(tree)
    if kind != "ddl" and first != "SHOW":
        _refuse_string_literal(text, tokens)
    if prefix:
        verb = "EXPLAIN"
    driver_sql = escape(prefix, paramstyle) + driver_text(
        text, slots, "?" if paramstyle == "qmark" else "%s", escape=paramstyle == "format"
    )
    return Statement(
        sql=driver_sql,
        values=bind(slots, params, dialect),
        kind=kind,
        verb=verb,
        streamable=streamable,
    )


# Tokens ----------------------------------------------------------------------------------


def _tokenize(text: str, dialect: Dialect) -> list[Token]:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect
    from sqlglot.errors import SqlglotError

    try:
        return list(SqlglotDialect.get_or_raise(dialect).tokenize(text))
    except SqlglotError as exc:
        raise ToolExecutionError(
            f"the query is not valid {_DIALECT_NAMES[dialect]} SQL: {_clean(exc)}"
        ) from None


def _refuse_executable_comments(tokens: list[Token], dialect: Dialect) -> None:
    if dialect != "mysql":
        return
    for token in tokens:
        for comment in token.comments:
            if comment.lstrip().startswith(("!", "M!")):
                raise SecurityError(
                    "MySQL executable comments (/*! ... */) are not allowed: the server runs "
                    "their content, which the checks cannot see; write the SQL without them"
                )


# Statement kinds ---------------------------------------------------------------------------

_DIALECT_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL/MariaDB"}
#: first words of the statements the checks read; anything else is refused before parsing
_READ_VERBS = ("SELECT", "WITH", "VALUES", "TABLE", "(", "SHOW", "DESCRIBE", "DESC")
_VERBS = frozenset(
    (*_READ_VERBS, "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE")
)
_PG_SHOW = re.compile(r"SHOW\s+[A-Za-z_][\w.]*\s*", re.IGNORECASE)
_TOKEN_REPR = re.compile(r"<Token token_type: [^,]+, text: (.*?), line: .*?>")


def _parse(canonical: str, dialect: Dialect) -> exp.Expression:
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        trees = [tree for tree in sqlglot.parse(canonical, read=dialect) if tree is not None]
    except SqlglotError as exc:
        raise ToolExecutionError(
            f"the query is not valid {_DIALECT_NAMES[dialect]} SQL (or uses syntax the checks "
            f"cannot read): {_clean(exc)}"
        ) from None
    if len(trees) > 1:
        raise SecurityError(f"the query holds {len(trees)} statements; send one statement per call")
    if not trees:
        raise ToolParameterError(f"Tool '{TOOL}': parameter 'query' has no SQL statement")
    return trees[0]


def _classify(tree: exp.Expression, verb: str) -> tuple[Kind, str]:
    from sqlglot import exp

    reads = (exp.Query, exp.Values, exp.Describe, *_optional(exp, "Show"))
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
    ddl = (exp.Create, exp.Drop, exp.TruncateTable, *_optional(exp, "Alter", "AlterTable"))
    if isinstance(tree, ddl):
        return "ddl", verb
    if not isinstance(tree, reads + writes):
        _refuse_kind(verb)
    if tree.find(exp.Into) is not None:
        raise SecurityError(
            "SELECT ... INTO is not run by this tool (it creates a table or writes a file on "
            "the server); use INSERT ... SELECT with operation 'execute'"
        )
    if tree.find(exp.Command) is not None:
        raise SecurityError(f"part of the {verb} statement could not be checked; simplify it")
    if tree.find(*ddl) is not None:
        return "ddl", verb
    if isinstance(tree, writes) or tree.find(*writes) is not None:
        return "write", verb
    return "read", verb


def _refuse_kind(verb: str) -> None:
    raise SecurityError(
        f"{verb!r} statements are not run by this tool; it runs SELECT, WITH, VALUES, EXPLAIN, "
        "SHOW and DESCRIBE (operation 'query') and INSERT, UPDATE, DELETE and MERGE (operation "
        "'execute'; CREATE, ALTER, DROP and TRUNCATE when the database has allow_ddl = true)"
    )


def _check_show(text: str, tokens: list[Token], dialect: Dialect) -> None:
    """PostgreSQL's tokenizer keeps SHOW's argument as one string: it must be a setting name."""
    if dialect != "postgres":
        _refuse_string_literal(text, tokens)
    elif not _PG_SHOW.fullmatch(text, tokens[0].start):
        raise ToolParameterError(
            f"Tool '{TOOL}': PostgreSQL's SHOW takes one setting name (SHOW search_path, SHOW ALL)"
        )


def _optional(module: Any, *names: str) -> tuple[type, ...]:
    return tuple(getattr(module, name) for name in names if hasattr(module, name))


# Literals ----------------------------------------------------------------------------------


def _refuse_string_literal(text: str, tokens: list[Token]) -> None:
    from sqlglot.tokens import TokenType

    kinds = {getattr(TokenType, name) for name in _STRING_TOKENS if hasattr(TokenType, name)}
    for token in tokens:
        if token.token_type in kinds:
            _literal_refusal(text[token.start : token.end + 1])


def _refuse_number_literal(tree: exp.Expression) -> None:
    from sqlglot import exp

    for literal in tree.find_all(exp.Literal):
        if not literal.is_string and not _number_allowed(literal):
            _literal_refusal(str(literal.this))


def _number_allowed(literal: exp.Expression) -> bool:
    """LIMIT/OFFSET/FETCH counts, `ORDER BY 1` / `GROUP BY 1` positions and type sizes."""
    from sqlglot import exp

    parent = literal.parent
    if isinstance(parent, exp.Ordered | exp.Group):
        return True
    node: exp.Expression | None = literal
    while node is not None:
        if isinstance(node, exp.Limit | exp.Offset | exp.Fetch | exp.DataType | exp.Parameter):
            return True
        node = node.parent
    return False


def _literal_refusal(shown: str) -> None:
    if len(shown) > 40:
        shown = shown[:37] + "..."
    raise SecurityError(
        f"the query has a literal value ({shown}); pass it in `params` with {PLACEHOLDER_HELP}"
    )


def _clean(exc: Exception) -> str:
    text = _TOKEN_REPR.sub(lambda m: repr(m.group(1)), _ANSI.sub("", str(exc)))
    return " ".join(text.split())
