"""Which files a spell or tool may read and write: roots resolved once, paths resolved per check."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llmspell.core.errors import PathNotAllowed

WRITE_KEY = "tools.file_operations.allowed_paths"


def _resolve(path: str | os.PathLike[str], base: Path) -> Path:
    candidate = Path(os.path.expanduser(os.fspath(path)))
    if not candidate.is_absolute():
        candidate = base / candidate
    return candidate.resolve(strict=False)


def _within(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


@dataclass(slots=True, kw_only=True)
class PathPolicy:
    """Allowed roots for reading and for writing; `anywhere` lifts a side's check.

    Paths are resolved (`..` and symlinks followed) before they are compared, so a link inside
    an allowed root that points outside it is refused.
    """

    read_roots: tuple[Path, ...] = ()
    write_roots: tuple[Path, ...] = ()
    read_anywhere: bool = False
    write_anywhere: bool = False
    base: Path = field(default_factory=Path.cwd)

    @classmethod
    def build(
        cls,
        *,
        allowed_paths: Iterable[str],
        extra_read_roots: Iterable[str | os.PathLike[str]] = (),
        read_anywhere: bool = False,
        base: Path | None = None,
    ) -> PathPolicy:
        """Writable roots are `allowed_paths` (`"*"` means everywhere); readable adds extras."""
        here = base or Path.cwd()
        allowed = list(allowed_paths)
        write_anywhere = "*" in allowed
        write_roots = tuple(_resolve(p, here) for p in allowed if p != "*")
        read_roots = write_roots + tuple(_resolve(p, here) for p in extra_read_roots)
        return cls(
            read_roots=read_roots,
            write_roots=write_roots,
            read_anywhere=read_anywhere or write_anywhere,
            write_anywhere=write_anywhere,
            base=here,
        )

    def refusal(self, path: str | os.PathLike[str], mode: str) -> str | None:
        """None when `path` may be opened in `mode` ('r' or 'w'), else the reason."""
        resolved = _resolve(path, self.base)
        if mode == "r":
            if self.read_anywhere or _within(resolved, self.read_roots):
                return None
            roots = ", ".join(str(r) for r in self.read_roots) or "none"
            return (
                f"reading {os.fspath(path)!r} is not allowed: it is outside the readable folders "
                f"({roots}). Add its folder to `{WRITE_KEY}` in llmspell.toml."
            )
        if self.write_anywhere or _within(resolved, self.write_roots):
            return None
        roots = ", ".join(str(r) for r in self.write_roots) or "none"
        return (
            f"writing {os.fspath(path)!r} is not allowed: it is outside `{WRITE_KEY}` "
            f"({roots}). Add its folder there in llmspell.toml."
        )

    def check(self, path: str | os.PathLike[str], mode: str) -> Path:
        """The resolved path, or PathNotAllowed."""
        reason = self.refusal(path, mode)
        if reason:
            raise PathNotAllowed(reason)
        return _resolve(path, self.base)
