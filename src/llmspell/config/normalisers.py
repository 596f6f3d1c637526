"""Value normalisers used by `Field(before=...)` and `Field(check=...)`: old spellings to new."""

from __future__ import annotations

from typing import Any

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}


def comma_list(value: Any) -> Any:
    """Accept `"a, b"` where a list is expected (the original kept some lists as strings)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def byte_size(value: Any) -> Any:
    """Accept `"10MB"`, `"512 KiB"` or a plain integer number of bytes."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().replace(" ", "")
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(digits) :]
    if not digits or unit not in _SIZE_UNITS:
        raise ValueError(f"expected a size such as 10485760 or '10MB', got string {value!r}")
    try:
        number = float(digits)
    except ValueError:
        raise ValueError(
            f"expected a size such as 10485760 or '10MB', got string {value!r}"
        ) from None
    return int(number * _SIZE_UNITS[unit])


def octal_mode(value: Any) -> Any:
    """Accept a umask as an integer (`0o027` in TOML) or an octal string (`"027"`, `"0o027"`)."""
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("0o")
        try:
            return int(text, 8)
        except ValueError:
            raise ValueError(
                f"expected an octal mode such as 0o027, got string {value!r}"
            ) from None
    return value


def rate_limit_shorthand(value: Any) -> Any:
    """`rate_limit = 60` (seen in example configs) means 60 requests per minute."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"requests_per_minute": value}
    return value


def auto_is_unset(value: Any) -> Any:
    """`kernel_id = "auto"` means: generate one."""
    if isinstance(value, str) and value.strip().lower() in ("", "auto"):
        return None
    return value


def http_url(value: str) -> str | None:
    if value.startswith(("http://", "https://")):
        return None
    return f"must be an http:// or https:// URL, got {value!r}"


def dimensions(value: str) -> str | None:
    width, sep, height = value.lower().partition("x")
    if sep and width.isdigit() and height.isdigit():
        return None
    return f"expected WIDTHxHEIGHT such as '4096x4096', got {value!r}"


def signature_scheme(value: str) -> str | None:
    algorithm = value.removeprefix("hmac-")
    if value.startswith("hmac-") and algorithm in ("sha256", "sha384", "sha512", "sha1", "md5"):
        return None
    return f"expected 'hmac-sha256' (or another hmac-<hash>), got {value!r}"


def port(value: int) -> str | None:
    if 0 <= value <= 65535:
        return None
    return f"must be a TCP port between 0 and 65535, got {value}"
