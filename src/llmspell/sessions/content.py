"""Artifact content, stored once per distinct byte string and named by its SHA-256.

On disk a blob lives at `<root>/<hh>/<sha256>` (raw) or `<root>/<hh>/<sha256>.zst` (zstd). It is
written to a temporary file, flushed to disk and renamed into place, so a reader never sees half a
blob and a killed process leaves at most an unreferenced temporary file. Callers write and remove
blobs inside the database's write transaction, which serialises them across processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from llmspell.core.errors import StorageError

_ZSTD_LEVEL = 3


@dataclass(frozen=True, slots=True)
class StoredBlob:
    compressed: bool
    stored_size: int


class ContentStore(Protocol):
    def find(self, digest: str) -> StoredBlob | None: ...

    def put(self, digest: str, blob: bytes, *, compressed: bool) -> StoredBlob: ...

    def read(self, digest: str) -> tuple[bytes, bool]: ...

    def remove(self, digest: str) -> None: ...

    def locate(self, digest: str) -> str:
        """Where a blob lives, for messages."""
        ...


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(data: bytes, threshold: int) -> tuple[bytes, bool]:
    """The bytes to store: zstd when `data` is over `threshold` and compression pays off."""
    if len(data) <= threshold:
        return data, False
    import zstandard

    blob = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(data)
    if len(blob) >= len(data):
        return data, False
    return blob, True


def unpack(blob: bytes, compressed: bool, *, digest: str, size: int, where: str) -> bytes:
    """The original bytes, checked against their hash: corruption is reported, never returned."""
    data = blob
    if compressed:
        import zstandard

        try:
            data = zstandard.ZstdDecompressor().decompress(blob, max_output_size=max(size, 1))
        except zstandard.ZstdError as exc:
            raise _corrupt(where, f"it cannot be decompressed ({exc})") from exc
    if len(data) != size or digest_of(data) != digest:
        raise _corrupt(where, "its bytes no longer match their SHA-256")
    return data


def _corrupt(where: str, why: str) -> StorageError:
    return StorageError(
        f"the artifact content at {where} is corrupt: {why}. It was left untouched; restore it "
        "from a backup or delete the artifact."
    )


class DiskContent:
    """Blobs as files under `root` (`<home>/sessions/content`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str, *, compressed: bool) -> Path:
        return self.root / digest[:2] / (f"{digest}.zst" if compressed else digest)

    def locate(self, digest: str) -> str:
        found = self.find(digest)
        return str(self.path(digest, compressed=bool(found and found.compressed)))

    def find(self, digest: str) -> StoredBlob | None:
        for compressed in (True, False):
            try:
                stat = self.path(digest, compressed=compressed).stat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError(f"cannot read the artifact store at {self.root}: {exc}") from exc
            return StoredBlob(compressed=compressed, stored_size=stat.st_size)
        return None

    def put(self, digest: str, blob: bytes, *, compressed: bool) -> StoredBlob:
        target = self.path(digest, compressed=compressed)
        tmp = target.with_name(f".tmp-{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
            _sync_folder(target.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StorageError(f"cannot write artifact content to {target}: {exc}") from exc
        return StoredBlob(compressed=compressed, stored_size=len(blob))

    def sweep(self) -> None:
        """Remove temporary files a killed writer left behind (call under the write lock)."""
        for tmp in self.root.glob("*/.tmp-*"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    def read(self, digest: str) -> tuple[bytes, bool]:
        found = self.find(digest)
        if found is None:
            raise StorageError(
                f"the content of an artifact (sha256 {digest}) is missing from {self.root}; "
                "restore it from a backup or delete the artifact."
            )
        path = self.path(digest, compressed=found.compressed)
        try:
            return path.read_bytes(), found.compressed
        except OSError as exc:
            raise StorageError(f"cannot read artifact content {path}: {exc}") from exc

    def remove(self, digest: str) -> None:
        for compressed in (True, False):
            path = self.path(digest, compressed=compressed)
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot remove artifact content {path}: {exc}") from exc
        with contextlib.suppress(OSError):
            self.path(digest, compressed=False).parent.rmdir()  # only when empty


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class MemoryContent:
    """Blobs in a dict, for `storage_backend = "memory"`."""

    def __init__(self) -> None:
        self._blobs: dict[str, tuple[bytes, bool]] = {}

    def find(self, digest: str) -> StoredBlob | None:
        found = self._blobs.get(digest)
        if found is None:
            return None
        return StoredBlob(compressed=found[1], stored_size=len(found[0]))

    def put(self, digest: str, blob: bytes, *, compressed: bool) -> StoredBlob:
        self._blobs[digest] = (blob, compressed)
        return StoredBlob(compressed=compressed, stored_size=len(blob))

    def read(self, digest: str) -> tuple[bytes, bool]:
        try:
            return self._blobs[digest]
        except KeyError:
            raise StorageError(f"the content of an artifact (sha256 {digest}) is missing") from None

    def remove(self, digest: str) -> None:
        self._blobs.pop(digest, None)

    def locate(self, digest: str) -> str:
        return f"memory:{digest}"
