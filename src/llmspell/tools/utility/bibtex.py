"""A small BibTeX reader and writer: entries, @string macros, `#` concatenation, LaTeX accents."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MONTHS = {
    m: str(i + 1)
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "\u0131",
}  # fmt: skip
_ESCAPES = {"&": "&", "%": "%", "_": "_", "$": "$", "#": "#", "{": "{", "}": "}"}
ORDER = [
    "author", "editor", "title", "journal", "booktitle", "edition", "publisher", "address",
    "year", "month", "volume", "number", "pages", "doi", "url", "urldate", "note",
]  # fmt: skip


class BibTeXError(ValueError):
    pass


def latex_to_text(value: str) -> str:
    """`{\\"o}` -> ö, `\\&` -> &, `--` -> en dash; braces that only protect case are dropped."""
    text = re.sub(
        r"\\([\"'`^~=.])\s*\{?\s*([A-Za-z])\s*\}?|\\([cvuHk])(?:\s*\{\s*([A-Za-z])\s*\}|\s+([A-Za-z]))",
        lambda m: (m[2] or m[4] or m[5]) + _ACCENTS[m[1] or m[3]],
        value,
    )
    text = re.sub(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i)\b\s*", lambda m: _LETTERS[m[1]], text)
    text = re.sub(r"\\([&%_$#{}])", lambda m: "\x00" + _ESCAPES[m[1]], text)
    text = re.sub(r"\\(TeX|LaTeX|BibTeX)\b", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+\*?\s*", "", text)  # \emph{x} -> x; other commands dropped
    text = text.replace("{", "").replace("}", "").replace("\x00", "")
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", " ")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def _close(text: str, start: int, opener: str) -> int:
    """Index of the character that closes an entry opened just before `start`."""
    depth, closer = 0, "}" if opener == "{" else ")"
    for i in range(start, len(text)):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and closer == "}":
                return i
            depth -= 1
        elif char == closer and depth == 0:
            return i
    raise BibTeXError(f"the BibTeX entry before character {start} is never closed")


def _split_top(body: str, sep: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, []
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        if char == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _value(raw: str, macros: dict[str, str]) -> str:
    pieces = []
    for piece in _split_top(raw, "#"):
        piece = piece.strip()
        if (piece.startswith("{") and piece.endswith("}")) or (
            piece.startswith('"') and piece.endswith('"')
        ):
            pieces.append(piece[1:-1])
        elif piece.isdigit():
            pieces.append(piece)
        elif piece.lower() in macros:
            pieces.append(macros[piece.lower()])
        elif piece:
            raise BibTeXError(f"unknown value {piece!r} (an undefined @string macro?)")
    return "".join(pieces)


def parse(text: str) -> list[dict[str, Any]]:
    """Entries as `{key, entry_type, fields{name: raw value}}`, in file order."""
    entries: list[dict[str, Any]] = []
    macros = dict(MONTHS)
    position = 0
    while (match := _ENTRY.search(text, position)) is not None:
        kind = match[1].lower()
        end = _close(text, match.end(), match[2])
        body = text[match.end() : end]
        position = end + 1
        if kind in ("comment", "preamble"):
            continue
        parts = _split_top(body, ",")
        if kind == "string":
            for part in parts:
                name, _, raw = part.partition("=")
                macros[name.strip().lower()] = _value(raw, macros)
            continue
        key, fields = parts[0].strip(), {}
        for part in parts[1:]:
            if not part.strip():
                continue
            name, equals, raw = part.partition("=")
            if not equals:
                raise BibTeXError(f"entry {key!r}: expected `field = value`, got {part.strip()!r}")
            fields[name.strip().lower()] = _value(raw, macros)
        entries.append({"key": key, "entry_type": kind, "fields": fields})
    if not entries:
        raise BibTeXError("no BibTeX entries found (they start with @article{key, ...})")
    return entries


def _escape(value: str) -> str:
    return re.sub(r"(?<!\\)([&%#_$])", r"\\\1", value)


def write(key: str, entry_type: str, fields: dict[str, str]) -> str:
    names = [n for n in ORDER if fields.get(n)] + sorted(set(fields) - set(ORDER))
    width = max((len(n) for n in names), default=0)
    lines = [f"@{entry_type}{{{key},"]
    for name in names:
        value = fields[name] if name in ("url", "doi") else _escape(fields[name])
        lines.append(f"  {name.ljust(width)} = {{{value}}},")
    return "\n".join([*lines, "}"])


def split_names(raw: str) -> list[str]:
    """'A and {B and C} and D' -> ['A', '{B and C}', 'D']: `and` inside braces is kept."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", raw):
        if match[0] == "{":
            depth += 1
        elif match[0] == "}":
            depth -= 1
        elif depth == 0:
            parts.append(raw[start : match.start()])
            start = match.end()
    parts.append(raw[start:])
    return [p.strip() for p in parts if p.strip()]
