"""Where the database-connector connects: a configured database or a URL, checked and masked.

URLs: `postgresql://user[:password]@host[:5432]/db[?sslmode=...&application_name=...]`,
`mysql://user[:password]@host[:3306]/db[?charset=...]` (`mariadb://` too) and
`sqlite:///relative/path.db` or `sqlite:////absolute/path.db` (SQLAlchemy's form). A server's host
and every address it resolves to go through the outbound rules (`tools.database.allowed_hosts`
for loopback and private hosts); the connection then goes to the checked address. A SQLite file
must lie inside `tools.file_operations.allowed_paths`. Passwords are replaced by `***` in every
URL and message the tool returns.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from llmspell.core.errors import HostNotAllowed, ToolExecutionError, ToolParameterError
from llmspell.tools.data.database.sql_guard import TOOL, Dialect

if TYPE_CHECKING:
    from llmspell.tools.context import ToolContext

Engine = Literal["sqlite", "postgresql", "mysql"]
SCHEMES: dict[str, Engine] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
URL_OPTIONS = {"postgresql": ("sslmode", "application_name"), "mysql": ("charset",), "sqlite": ()}
_DIALECTS: dict[Engine, Dialect] = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}
_USERINFO = re.compile(r"(://[^:/@\s]*):[^@/\s]*@")
_SHORTEST_MASKED = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One `[tools.database.databases.<name>]` table."""

    url: str
    password: str | None = field(default=None, repr=False)
    read_only: bool = True
    allow_ddl: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A checked connection target; `password` never leaves it unmasked."""

    engine: Engine
    #: the configured name; None for a connection by `url`
    name: str | None
    url: str
    read_only: bool
    allow_ddl: bool = False
    config_key: str | None = None
    path: Path | None = None
    host: str = ""
    address: str = ""
    port: int = 0
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the database: `'main'` or the masked URL."""
        return repr(self.name) if self.name else self.url

    @property
    def dialect(self) -> Dialect:
        return _DIALECTS[self.engine]

    def mask(self, text: str) -> str:
        """`text` with this target's password (and any URL's) replaced by `***`."""
        text = _USERINFO.sub(r"\1:***@", text)
        if self.password and (len(self.password) >= _SHORTEST_MASKED or self.password in text):
            text = text.replace(self.password, "***")
        return text


def configured(ctx: ToolContext) -> dict[str, Entry]:
    """The databases of `[tools.database.databases]`, passwords read from `password_env`."""
    found: dict[str, Entry] = {}
    for name, item in ctx.config.database.databases.items():
        password = item.password
        if not password and item.password_env:
            password = os.environ.get(item.password_env) or None
        found[name] = Entry(
            url=item.url, password=password, read_only=item.read_only, allow_ddl=item.allow_ddl
        )
    return found


def resolve(
    ctx: ToolContext, *, name: str | None, url: str | None, read_only: bool | None
) -> Target:
    """The target of a call: `database` by name, a `url`, or the only configured database."""
    entries = configured(ctx)
    if name and url:
        raise _param_error("give `database` (a configured name) or `url`, not both")
    if not name and not url:
        if len(entries) != 1:
            choices = (
                f"one of {', '.join(sorted(entries))}"
                if entries
                else "a name configured in `[tools.database.databases.<name>]` (none are)"
            )
            raise _param_error(
                f"say which database: `database` = {choices}, or `url` = 'postgresql://...', "
                "'mysql://...' or 'sqlite:///path'"
            )
        name = next(iter(entries))
    if name:
        entry = entries.get(name)
        if entry is None:
            known = ", ".join(sorted(entries)) or "none"
            raise _param_error(
                f"no database named {name!r} in `[tools.database.databases]` (configured: "
                f'{known}); add `[tools.database.databases.{name}] url = "..."` or pass `url`'
            )
        key = f"tools.database.databases.{name}"
        if not entry.url:
            raise _param_error(f"`{key}.url` is not set")
        return _target(
            ctx,
            entry.url,
            name=name,
            password=entry.password,
            read_only=entry.read_only or bool(read_only),
            allow_ddl=entry.allow_ddl,
            config_key=key,
        )
    assert url is not None
    return _target(ctx, url, name=None, password=None, read_only=True, allow_ddl=False)


def mask_url(url: str) -> str:
    return _USERINFO.sub(r"\1:***@", url)


def _target(
    ctx: ToolContext,
    url: str,
    *,
    name: str | None,
    password: str | None,
    read_only: bool,
    allow_ddl: bool,
    config_key: str | None = None,
) -> Target:
    url = url.strip()
    shown = mask_url(url)
    scheme = url.split("://", 1)[0].lower().split("+", 1)[0] if "://" in url else ""
    engine = SCHEMES.get(scheme)
    if engine is None:
        raise _param_error(
            f"cannot connect to {shown!r}: use a postgresql://, mysql:// (or mariadb://) or "
            "sqlite:/// URL"
        )
    common: dict[str, Any] = {
        "engine": engine,
        "name": name,
        "url": shown,
        "read_only": read_only,
        "allow_ddl": allow_ddl,
        "config_key": config_key,
    }
    if engine == "sqlite":
        return Target(**common, path=_sqlite_path(ctx, url, shown, read_only=read_only))
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS[engine]
    except ValueError as exc:
        raise _param_error(f"invalid database URL {shown!r}: {exc}") from None
    if not parts.hostname:
        raise _param_error(f"{shown!r} has no host; write {scheme}://user@host:port/database")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - set(URL_OPTIONS[engine]))
    if unknown:
        raise _param_error(
            f"{shown!r}: URL option(s) {', '.join(unknown)} are not supported; allowed: "
            f"{', '.join(URL_OPTIONS[engine]) or 'none'}"
        )
    return Target(
        **common,
        host=parts.hostname,
        address=_checked_address(ctx, parts.hostname, port),
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else password,
        database=unquote(parts.path.lstrip("/")) or None,
        options=options,
    )


def _sqlite_path(ctx: ToolContext, url: str, shown: str, *, read_only: bool) -> Path:
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or "?" in rest:
        raise _param_error(
            f"{shown!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db "
            "(no host, no options)"
        )
    text = unquote(rest[1:])
    if not text or text == ":memory:":
        raise _param_error(f"{shown!r} names no file; give the path of a SQLite database file")
    path = Path(text)
    if not path.is_absolute():
        path = ctx.base / path
    resolved = ctx.check_path(path, "r" if read_only else "w")
    if read_only and not resolved.is_file():
        raise ToolExecutionError(
            f"no SQLite database file at {str(path)!r} (from {shown!r}); a read-only "
            "database must exist"
        )
    return resolved


def _checked_address(ctx: ToolContext, host: str, port: int) -> str:
    """The first address of `host` after the name and every address passed the outbound rules."""
    from llmspell.tools.web.safe_http import HostRules
    from llmspell.tools.web.safe_http import resolve as resolve_host

    tools = ctx.config
    rules = HostRules(
        network_allowed=ctx.network_allowed,
        allow_private=tools.network.allow_private,
        allowed_hosts=tuple(tools.database.allowed_hosts),
        blocked_hosts=tuple(tools.http_request.blocked_hosts),
        family="database",
    )
    try:
        rules.check_name(host)
        addresses = resolve_host(host, port)
        for address in addresses:
            rules.check_address(host, address)
    except HostNotAllowed as exc:
        raise HostNotAllowed(f"database host: {exc}") from None
    return addresses[0]


def _param_error(message: str) -> ToolParameterError:
    return ToolParameterError(f"Tool '{TOOL}': {message}")
