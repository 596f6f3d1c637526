"""The operations behind text_manipulator: word splitting, counts, transforms and regex."""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections.abc import Callable
from typing import Any

MAX_PATTERN = 1_000
MAX_MATCHES = 10_000
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def opt(opts: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    value = opts.get(name)
    if value is None:
        return default
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        want = "an integer" if kind is int else f"a {kind.__name__}"
        raise ValueError(f"options.{name} must be {want}, got {value!r}")
    return value


def words(text: str) -> list[str]:
    """Split on separators and case changes: 'HelloLLMSpell2Go' -> Hello, LLM, Spell2, Go."""
    found, current = [], ""
    for i, ch in enumerate(text):
        if not ch.isalnum():
            found, current = ([*found, current] if current else found), ""
            continue
        if current:
            prev, nxt = current[-1], text[i + 1 : i + 2]
            if (
                (prev.islower() and ch.isupper())
                or (prev.isdigit() and ch.isupper())
                or (prev.isupper() and ch.isupper() and nxt.islower())
            ):
                found.append(current)
                current = ""
        current += ch
    return [*found, current] if current else found


def cap(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def counts(text: str) -> dict[str, int]:
    return {
        "characters": len(text),
        "characters_no_spaces": sum(1 for c in text if not c.isspace()),
        "words": len(text.split()),
        "lines": len(text.splitlines()),
        "sentences": len([s for s in re.split(r"[.!?]+(?:\s|$)", text) if s.strip()]),
        "paragraphs": len([p for p in re.split(r"\n\s*\n", text) if p.strip()]),
    }


def compile_regex(pattern: str | None, flags: str | None) -> re.Pattern[str]:
    if not pattern:
        raise ValueError("regex operations need 'pattern' (or options.pattern)")
    bits = 0
    for letter in flags or "":
        if letter.lower() not in _FLAGS:
            raise ValueError(f"unknown regex flag {letter!r}; use i, m, s or x")
        bits |= _FLAGS[letter.lower()]
    try:
        return re.compile(pattern, bits)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def transform(op: str, text: str, opts: dict[str, Any], limit: int) -> Any:
    simple: dict[str, Callable[[str], Any]] = {
        "uppercase": str.upper, "lowercase": str.lower, "reverse": lambda t: t[::-1],
        "trim": str.strip, "dedent": textwrap.dedent,
        "normalize_whitespace": lambda t: " ".join(t.split()),
        "snake_case": lambda t: "_".join(w.lower() for w in words(t)),
        "kebab_case": lambda t: "-".join(w.lower() for w in words(t)),
        "pascal_case": lambda t: "".join(cap(w) for w in words(t)),
        "camel_case": lambda t: "".join(
            w.lower() if i == 0 else cap(w) for i, w in enumerate(words(t))
        ),
        "title_case": lambda t: re.sub(r"\S+", lambda m: cap(m[0]), t),
        "sanitize": lambda t: unicodedata.normalize("NFC", "".join(
            c for c in t.replace("\r\n", "\n")
            if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf")
        )),
    }  # fmt: skip
    if op in simple:
        return simple[op](text)
    if op == "replace":
        old, new = opt(opts, "from", str), opt(opts, "to", str, "")
        if not old:
            raise ValueError("replace needs options.from (the text to find) and options.to")
        if len(text) + text.count(old) * (len(new) - len(old)) > limit:
            raise ValueError(f"the result would be over the {limit:,}-character limit")
        return text.replace(old, new)
    if op == "substring":
        return text[opt(opts, "start", int, 0) : opt(opts, "end", int, len(text))]
    if op == "split":
        delimiter = opt(opts, "delimiter", str)
        if delimiter == "":
            return list(text)
        return text.split(delimiter, opt(opts, "max_split", int, -1))
    if op == "truncate":
        most, suffix = opt(opts, "max_length", int, 100), opt(opts, "suffix", str, "...")
        if len(text) <= most:
            return text
        return text[: max(most - len(suffix), 0)] + suffix[:most]
    if op == "indent":
        spaces = opt(opts, "spaces", int, 4)
        if not 0 <= spaces <= 64:
            raise ValueError("options.spaces must be between 0 and 64")
        return textwrap.indent(text, opt(opts, "prefix", str, " " * spaces))
    width = opt(opts, "width", int, 80)  # word_wrap
    if not 1 <= width <= 10_000:
        raise ValueError("options.width must be between 1 and 10000")
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())


def join_parts(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parts = json.loads(value)
    except json.JSONDecodeError:
        parts = None
    if not isinstance(parts, list):
        raise ValueError("join needs 'input' as a list of strings or a JSON array string")
    return [p if isinstance(p, str) else json.dumps(p) for p in parts]


def regex_match(regex: re.Pattern[str], text: str, opts: dict[str, Any], limit: int) -> Any:
    found = []
    for m in regex.finditer(text):
        found.append({"match": m[0], "start": m.start(), "end": m.end(),
                      "groups": list(m.groups()), "named": m.groupdict()})  # fmt: skip
        if len(found) >= MAX_MATCHES or not opt(opts, "all", bool, True):
            break
    return [f["match"] for f in found], {
        "matched": bool(found),
        "count": len(found),
        "matches": found,
    }


def regex_sub(regex: re.Pattern[str], text: str, opts: dict[str, Any], limit: int) -> Any:
    template = opt(opts, "replacement", str, "")
    template = re.sub(r"\$(\d+)|\$\{(\w+)\}", lambda m: rf"\g<{m[1] or m[2]}>", template)
    grown = [len(text)]

    def expand(m: re.Match[str]) -> str:
        out = m.expand(template)
        grown[0] += len(out) - len(m[0])
        if grown[0] > limit:
            raise ValueError(f"the result would be over the {limit:,}-character limit")
        return out

    try:
        value, replaced = regex.subn(expand, text, count=opt(opts, "count", int, 0))
    except (re.error, IndexError) as exc:
        raise ValueError(f"bad replacement {template!r}: {exc}") from None
    return value, {"replacements": replaced}
