"""Typed, frozen config sections: fields with defaults, descriptions and validation.

Why not pydantic: on the 2-core development machine importing pydantic costs about 60 ms and
building the ~60 section models another 110 ms, twice the whole start-up budget of
`llmspell exec` (SPEC §3: at most 8 x `python -c pass`). This module keeps what the config needs
from pydantic (annotations as the schema, `Field(description=...)`, dotted-key errors, frozen
instances, `dataclass_transform` for type checkers) at well under a millisecond.

```python
class LuaConfig(Section):
    \"\"\"`[engines.lua]`: the Lua engine.\"\"\"

    max_memory_bytes: int = Field(50_000_000, ge=0, description="Memory cap in bytes; 0: none.")
    security_level: SecurityLevel = Field("safe", description="safe | privileged | unrestricted")
```

Supported annotations: `bool`, `int`, `float`, `str`, `Any`, a `Literal` of lower-case strings
(matched case-insensitively), `X | None`, `list[X]`, `dict[str, X]` and `Section` subclasses.
Validation turns a raw mapping into a *partial*: a dict holding only the keys that were given,
under their canonical names, with checked values. Partials from several layers (profile, file,
environment) merge with `merge`, and `Section.build` fills in the defaults.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from types import NoneType, UnionType
from typing import Any, ClassVar, Literal, Self, Union, dataclass_transform, get_args, get_origin

from llmspell.core.errors import ConfigError

_MISSING: Any = object()


class ConfigProblem(Exception):
    """A rule spanning several keys failed; `key` is relative to the section that raised it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class Context:
    """The source being validated (a file, a profile, a variable): named in errors and warnings."""

    __slots__ = ("source", "warnings")

    def __init__(self, source: str | None, warnings: list[str] | None = None) -> None:
        self.source = source
        self.warnings: list[str] = [] if warnings is None else warnings

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.source, key=key or None)

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.source}: {message}" if self.source else message)


class FieldInfo:
    """One field of a section: default, description, constraints, and its resolved type."""

    __slots__ = (
        "_item_section",
        "_section",
        "_type",
        "aliases",
        "annotation",
        "before",
        "check",
        "default",
        "default_factory",
        "deprecated",
        "description",
        "example",
        "ge",
        "gt",
        "le",
        "lt",
        "min_items",
        "module",
        "name",
        "values",
    )

    def __init__(
        self,
        default: Any,
        default_factory: Callable[[], Any] | None,
        description: str,
        *,
        aliases: tuple[str, ...],
        gt: float | None,
        ge: float | None,
        lt: float | None,
        le: float | None,
        min_items: int | None,
        values: Mapping[str, str] | None,
        deprecated: Mapping[str, str] | None,
        before: Callable[[Any], Any] | None,
        check: Callable[[Any], str | None] | None,
        example: str | None,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.description = description
        self.aliases = aliases
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.min_items = min_items
        self.values = values
        self.deprecated = deprecated
        self.before = before
        self.check = check
        self.example = example
        self.name = ""
        self.annotation = ""
        self.module = ""
        self._type: Any = _MISSING
        self._section: Any = _MISSING
        self._item_section: Any = _MISSING

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None

    def default_value(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        value = self.default
        if isinstance(value, list):
            return list(value)
        if isinstance(value, dict):
            return dict(value)
        return value

    @property
    def resolved_type(self) -> Any:
        """The annotation, evaluated in the defining module on first use."""
        if self._type is _MISSING:
            namespace = vars(sys.modules[self.module])
            self._type = eval(self.annotation, namespace)  # our own annotations, never user input
        return self._type

    @property
    def section(self) -> type[Section] | None:
        """The section class when the field holds a section (or an optional one)."""
        if self._section is _MISSING:
            self._section = _section_of(strip_optional(self.resolved_type))
        section: type[Section] | None = self._section
        return section

    @property
    def item_section(self) -> type[Section] | None:
        """The section class when the field is a `dict[str, Section]`."""
        if self._item_section is _MISSING:
            tp = strip_optional(self.resolved_type)
            args = get_args(tp) if get_origin(tp) is dict else ()
            self._item_section = _section_of(args[1]) if args else None
        section: type[Section] | None = self._item_section
        return section

    def validate(self, value: Any, path: str, ctx: Context) -> Any:
        """Check one raw value given for this field; returns it in canonical form."""
        return self._validate_as(self.resolved_type, value, path, ctx)

    def validate_item(self, value: Any, path: str, ctx: Context) -> Any:
        """Check one entry of a `dict[str, X]` field against X."""
        tp = strip_optional(self.resolved_type)
        return self._validate_as(get_args(tp)[1], value, path, ctx)

    def _validate_as(self, tp: Any, value: Any, path: str, ctx: Context) -> Any:
        if self.before is not None:
            try:
                value = self.before(value)
            except ValueError as exc:
                raise ctx.error(path, str(exc)) from None
        if isinstance(value, str):
            lowered = value.lower()
            if self.deprecated and lowered in self.deprecated:
                replacement = self.deprecated[lowered]
                ctx.warn(f"`{path}` = {value!r} is deprecated; using {replacement!r}")
                value = replacement
            elif self.values and lowered in self.values:
                value = self.values[lowered]
        value = coerce(tp, value, path, ctx)
        if value is None:
            return None
        self._check_bounds(value, path, ctx)
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ctx.error(path, problem)
        return value

    def _check_bounds(self, value: Any, path: str, ctx: Context) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.gt is not None and not value > self.gt:
                raise ctx.error(path, f"must be greater than {self.gt:g}, got {value!r}")
            if self.ge is not None and not value >= self.ge:
                raise ctx.error(path, f"must be at least {self.ge:g}, got {value!r}")
            if self.lt is not None and not value < self.lt:
                raise ctx.error(path, f"must be less than {self.lt:g}, got {value!r}")
            if self.le is not None and not value <= self.le:
                raise ctx.error(path, f"must be at most {self.le:g}, got {value!r}")
        if self.min_items is not None and isinstance(value, list) and len(value) < self.min_items:
            if self.min_items == 1:
                raise ctx.error(path, "must not be empty")
            raise ctx.error(path, f"must have at least {self.min_items} items")

    def build(self, value: Any) -> Any:
        """Turn a validated partial value into the stored value (sections become objects)."""
        section = self.section
        if section is not None and isinstance(value, Mapping):
            try:
                return section.build(value)
            except ConfigProblem as problem:
                raise ConfigProblem(f"{self.name}.{problem.key}", problem.message) from None
        item_section = self.item_section
        if item_section is not None and isinstance(value, Mapping):
            built = {}
            for key, item in value.items():
                try:
                    built[key] = item_section.build(item) if isinstance(item, Mapping) else item
                except ConfigProblem as problem:
                    raise ConfigProblem(
                        f"{self.name}.{key}.{problem.key}", problem.message
                    ) from None
            return built
        if isinstance(value, list):
            return list(value)
        if isinstance(value, dict):
            return dict(value)
        return value


def Field(  # named like the pydantic and dataclass field specifiers it mirrors
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] | None = None,
    description: str,
    aliases: tuple[str, ...] = (),
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_items: int | None = None,
    values: Mapping[str, str] | None = None,
    deprecated: Mapping[str, str] | None = None,
    before: Callable[[Any], Any] | None = None,
    check: Callable[[Any], str | None] | None = None,
    example: str | None = None,
) -> Any:
    """Declare a config field.

    Args:
        default: the value when the key is absent (lists and dicts are copied per instance).
        default_factory: called for the default instead (e.g. a section class).
        description: one sentence for `config show`, the default file and docs/configuration.md.
        aliases: other key names accepted in files (`model` for `default_model`).
        gt, ge, lt, le: numeric bounds.
        min_items: smallest list length.
        values: synonyms mapped silently to a canonical value (`{"full": "all"}`).
        deprecated: old values mapped to a canonical value with a warning (`{"sled": "sqlite"}`).
        before: normaliser run on the raw value; raises ValueError with a message to reject it.
        check: run on the checked value; returns a message to reject it, or None.
        example: shown for unset optional fields in the generated default file.
    """
    return FieldInfo(
        default,
        default_factory,
        description,
        aliases=aliases,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_items=min_items,
        values=values,
        deprecated=deprecated,
        before=before,
        check=check,
        example=example,
    )


class _SectionMeta(type):
    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _SectionMeta:
        annotations: dict[str, Any] = namespace.get("__annotations__", {})
        fields: dict[str, FieldInfo] = {}
        for base in reversed(bases):
            fields.update(getattr(base, "_fields", {}))
        own: list[str] = []
        for key, value in list(namespace.items()):
            if not isinstance(value, FieldInfo):
                continue
            if key not in annotations:
                raise TypeError(f"{name}.{key} needs a type annotation")
            value.name = key
            value.annotation = annotations[key]
            value.module = namespace["__module__"]
            fields[key] = value
            own.append(key)
            del namespace[key]
        namespace["__slots__"] = tuple(own)
        namespace["_fields"] = fields
        keys = {field_name: field_name for field_name in fields}
        for field_name, info in fields.items():
            for alias in info.aliases:
                keys[alias] = field_name
        namespace["_keys"] = keys
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def _rebuild(cls: type[Section], values: dict[str, Any]) -> Section:
    obj = cls.__new__(cls)
    for name, value in values.items():
        object.__setattr__(obj, name, value)
    return obj


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class Section(metaclass=_SectionMeta):
    """Base of every config section: keyword construction, validation, frozen instances."""

    __slots__ = ()
    _fields: ClassVar[dict[str, FieldInfo]]
    _keys: ClassVar[dict[str, str]]
    #: Name of a `dict[str, X]` field that collects keys the section does not declare.
    _extras: ClassVar[str | None] = None
    #: Unknown keys that moved elsewhere: key -> dotted path suggested in the warning.
    _moved: ClassVar[dict[str, str]] = {}

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        unknown = [key for key in values if key not in cls._keys]
        if unknown:
            raise TypeError(f"{cls.__name__}() got unexpected keyword arguments: {unknown}")
        partial = cls.validate(values, "", Context(None))
        try:
            self._fill(partial)
        except ConfigProblem as problem:
            raise ConfigError(problem.message, key=problem.key) from None

    @classmethod
    def validate(cls, raw: Mapping[str, Any], prefix: str, ctx: Context) -> dict[str, Any]:
        """Check a raw mapping; returns the partial dict of given keys, canonically named.

        Unknown keys are dropped with a warning naming `prefix + key`, or collected into the
        `_extras` field. Type and bound errors raise ConfigError naming the dotted key.
        """
        out: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        given_as: dict[str, str] = {}
        for key, value in raw.items():
            path = f"{prefix}{key}"
            name = cls._keys.get(key)
            if name is None:
                if cls._extras is not None:
                    extras[key] = value
                else:
                    ctx.warn(_unknown_key_message(cls, key, path))
                continue
            if name in given_as:
                ctx.warn(f"`{path}` repeats `{prefix}{given_as[name]}`; using `{path}`")
            given_as[name] = key
            out[name] = cls._fields[name].validate(value, path, ctx)
        if extras:
            extras_field = cls._fields[cls._extras]  # type: ignore[index]
            checked = {
                key: extras_field.validate_item(value, f"{prefix}{key}", ctx)
                for key, value in extras.items()
            }
            out[extras_field.name] = merge(out.get(extras_field.name) or {}, checked)
        return out

    @classmethod
    def build(cls, partial: Mapping[str, Any]) -> Self:
        """Make an instance from a validated partial, filling defaults; may raise ConfigProblem."""
        obj = cls.__new__(cls)
        obj._fill(partial)
        return obj

    @classmethod
    def prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Hook: adjust a validated partial before building (e.g. defaults taken from keys)."""
        return data

    def check(self) -> None:
        """Hook: rules spanning several fields; raise ConfigProblem(key, message)."""

    def _fill(self, partial: Mapping[str, Any]) -> None:
        cls = type(self)
        data = cls.prepare(dict(partial))
        for name, info in cls._fields.items():
            if name in data:
                value = info.build(data[name])
            elif info.required:
                raise ConfigProblem(name, "is required")
            else:
                value = info.default_value()
            object.__setattr__(self, name, value)
        self.check()

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed; dicts given for sections merge into them."""
        cls = type(self)
        unknown = [key for key in changes if key not in cls._keys]
        if unknown:
            raise TypeError(f"{cls.__name__}.replace() got unexpected keyword arguments: {unknown}")
        partial = cls.validate(changes, "", Context(None))
        try:
            return cls.build(merge(self.to_partial(), partial))
        except ConfigProblem as problem:
            raise ConfigError(problem.message, key=problem.key) from None

    def to_partial(self) -> dict[str, Any]:
        """Every field as plain data (sections become dicts), canonically named."""
        return {name: _plain(getattr(self, name)) for name in type(self)._fields}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; use .replace(...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in type(self)._fields)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._fields)
        return f"{type(self).__name__}({body})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), {name: getattr(self, name) for name in type(self)._fields}))


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge two partials: tables merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = merge(current, value)
        else:
            out[key] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Section):
        return value.to_partial()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def strip_optional(tp: Any) -> Any:
    """`X` for `X | None`; any other annotation unchanged."""
    if get_origin(tp) in (UnionType, Union):
        args = [arg for arg in get_args(tp) if arg is not NoneType]
        if len(args) == 1:
            return args[0]
    return tp


def _section_of(tp: Any) -> type[Section] | None:
    return tp if isinstance(tp, type) and issubclass(tp, Section) else None


def describe(value: Any) -> str:
    """`string 'abc'`, `integer 5`, `a table`: how a wrong value is named in errors."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def coerce(tp: Any, value: Any, path: str, ctx: Context) -> Any:
    """Check `value` against the annotation `tp`; returns the canonical value."""
    if tp is Any:
        return value
    if isinstance(tp, type):
        if issubclass(tp, Section):
            if isinstance(value, tp):
                return value
            if isinstance(value, Mapping):
                return tp.validate(value, f"{path}.", ctx)
            raise _expected(ctx, path, "a table", value)
        if tp is bool:
            if isinstance(value, bool):
                return value
            raise _expected(ctx, path, "a boolean (true or false)", value)
        if tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise _expected(ctx, path, "an integer", value)
        if tp is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            raise _expected(ctx, path, "a number", value)
        if tp is str:
            if isinstance(value, str):
                return value
            raise _expected(ctx, path, "a string", value)
    origin = get_origin(tp)
    if origin is Literal:
        choices = get_args(tp)
        candidate = value.lower() if isinstance(value, str) else value
        if isinstance(candidate, str) and candidate in choices:
            return candidate
        listed = ", ".join(repr(choice) for choice in choices)
        raise _expected(ctx, path, f"one of {listed}", value)
    if origin in (UnionType, Union):
        if value is None and NoneType in get_args(tp):
            return None
        return coerce(strip_optional(tp), value, path, ctx)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise _expected(ctx, path, "an array", value)
        (item_type,) = get_args(tp)
        return [coerce(item_type, item, f"{path}[{i}]", ctx) for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _expected(ctx, path, "a table", value)
        item_type = get_args(tp)[1]
        return {
            str(key): coerce(item_type, item, f"{path}.{key}", ctx) for key, item in value.items()
        }
    raise TypeError(f"unsupported config annotation {tp!r} at {path}")


def _expected(ctx: Context, path: str, what: str, value: Any) -> ConfigError:
    return ctx.error(path, f"expected {what}, got {describe(value)}")


def _unknown_key_message(cls: type[Section], key: str, path: str) -> str:
    message = f"unknown key `{path}` (ignored)"
    moved = cls._moved.get(key)
    if moved is None:
        import difflib  # only when a file has an unknown key

        close = difflib.get_close_matches(key, list(cls._keys), n=1, cutoff=0.7)
        if close:
            moved = path[: len(path) - len(key)] + close[0]
    if moved:
        message += f"; did you mean `{moved}`?"
    return message
