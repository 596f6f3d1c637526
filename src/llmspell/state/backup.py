"""State backups that really copy the data: full or incremental, compressed, checksummed.

A backup is one file, `<backup_dir>/<id>.backup`: a one-line JSON manifest (id, kind, parent,
created_at, entries, deletions, compression, size_bytes, sha256), then the compressed payload
(every entry as stored, the keys deleted since the parent, and the schema version record).

- full: every live entry. incremental: what changed since the previous backup of this store,
  deletions included, chained to it through `parent`.
- restore replays the chain (full, then each incremental) and replaces the store in one
  transaction; nothing is written unless every file in the chain checks out.
- validate checks each file's checksum and decodes every entry; cleanup applies `max_backups`
  and `max_backup_age` but never removes the newest backup or a parent a kept backup needs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llmspell.core.errors import StateError
from llmspell.state import codec
from llmspell.state.backend import Entry

if TYPE_CHECKING:
    from llmspell.state.store import StateStore

log = logging.getLogger("llmspell.state")

Compression = Literal["zstd", "gzip", "lz4", "none"]
FORMAT = "llmspell-state-backup"
SUFFIX = ".backup"
_META = ("schema_version", "migrations")


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupSettings:
    directory: Path = field(default_factory=lambda: Path("backups"))
    compression: Compression = "zstd"
    level: int = 3
    incremental_enabled: bool = True
    max_backups: int = 10
    max_age_seconds: int = 2_592_000


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupInfo:
    """A backup's manifest, plus where its file is."""

    id: str
    kind: Literal["full", "incremental"]
    parent: str | None
    created_at: float
    seq: int
    entries: int
    deletions: int
    compression: Compression
    size_bytes: int
    sha256: str
    label: str | None = None
    path: Path = Path()

    def as_dict(self) -> dict[str, Any]:
        """The script-facing shape (`backup_id`, `is_incremental`, `parent_id`, ...)."""
        return {
            "id": self.id,
            "backup_id": self.id,
            "kind": self.kind,
            "is_incremental": self.kind == "incremental",
            "parent_id": self.parent,
            "created_at": self.created_at,
            "size_bytes": self.size_bytes,
            "entry_count": self.entries,
            "deletions": self.deletions,
            "compression": self.compression,
            "sha256": self.sha256,
            "label": self.label,
            "path": str(self.path),
        }


@dataclass(slots=True)
class _Payload:
    entries: list[Entry]
    deleted: list[str]
    meta: dict[str, str | None]


class BackupManager:
    def __init__(self, store: StateStore, settings: BackupSettings) -> None:
        self._store = store
        self.settings = settings

    @property
    def directory(self) -> Path:
        return self.settings.directory

    # Create ----------------------------------------------------------------------------------

    def create(
        self, *, incremental: bool = False, label: str | None = None, output: Path | None = None
    ) -> BackupInfo:
        """Write a backup (into the backup folder, or to `output` as a standalone full one)."""
        backend = self._store.backend
        parent: BackupInfo | None = None
        with backend.transaction(write=False) as tx:
            last = json.loads(tx.meta_get("last_backup") or "null")
            if incremental and output is None and self.settings.incremental_enabled and last:
                parent = self._find_id(last["id"])
            if parent is not None:
                # Since the head was recorded: its backup, or the restore of it.
                changes = tx.changes_since(last["seq"])
                payload = _Payload(changes.written, changes.deleted, {})
                seq = changes.seq
            else:
                payload = _Payload(tx.entries(), [], {})
                seq = tx.seq()
            payload.meta = {name: tx.meta_get(name) for name in _META}
        if incremental and parent is None:
            log.info("no earlier backup of this store to build on: making a full backup")
        backup_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)
        target = output or self.directory / f"{backup_id}{SUFFIX}"
        info = self._write(target, backup_id, parent, seq, payload, label)
        if output is None:
            with backend.transaction() as tx:
                last = json.loads(tx.meta_get("last_backup") or "null")
                if last is None or last["seq"] <= seq:
                    tx.meta_set("last_backup", json.dumps({"id": backup_id, "seq": seq}))
                    tx.forget_tombstones(seq)
        return info

    def _write(
        self,
        target: Path,
        backup_id: str,
        parent: BackupInfo | None,
        seq: int,
        payload: _Payload,
        label: str | None,
    ) -> BackupInfo:
        body = json.dumps(
            {
                "entries": [[e.key, e.value, e.expires_at] for e in payload.entries],
                "deleted": payload.deleted,
                "meta": payload.meta,
            },
            ensure_ascii=False,
        ).encode()
        kind: Compression = self.settings.compression
        data = _compress(body, kind, self.settings.level)
        info = BackupInfo(
            id=backup_id,
            kind="incremental" if parent else "full",
            parent=parent.id if parent else None,
            created_at=time.time(),
            seq=seq,
            entries=len(payload.entries),
            deletions=len(payload.deleted),
            compression=kind,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            label=label,
            path=target,
        )
        manifest = {"format": FORMAT, "version": 1, **asdict(info)}
        del manifest["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(json.dumps(manifest).encode() + b"\n" + data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StateError(f"cannot write the backup {target}: {exc.strerror or exc}") from exc
        return info

    # Find and list ---------------------------------------------------------------------------

    def list(self) -> list[BackupInfo]:
        """Readable backups in the backup folder, oldest first."""
        found = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                found.append(_read_manifest(path))
            except StateError as exc:
                log.warning("skipping %s: %s", path, exc)
        return sorted(found, key=lambda b: (b.created_at, b.id))

    def _find_id(self, backup_id: str, *, near: Path | None = None) -> BackupInfo | None:
        for folder in (near, self.directory):
            if folder is not None and (path := folder / f"{backup_id}{SUFFIX}").is_file():
                try:
                    return _read_manifest(path)
                except StateError:
                    return None
        return None

    def find(self, ref: str) -> BackupInfo:
        """A backup by id (in the backup folder) or by file path."""
        ref = str(ref)
        path = Path(ref).expanduser()
        if ref.endswith(SUFFIX) or os.sep in ref or path.is_file():
            if not path.is_file():
                raise StateError(f"backup file {ref} not found")
            return _read_manifest(path)
        candidate = self.directory / f"{ref}{SUFFIX}"
        if not candidate.is_file():
            raise StateError(
                f"Backup {ref!r} not found in {self.directory}; see `llmspell backup list`."
            )
        return _read_manifest(candidate)

    def _chain(self, info: BackupInfo) -> list[BackupInfo]:
        chain = [info]
        while chain[-1].parent is not None:
            parent = self._find_id(chain[-1].parent, near=info.path.parent)
            if parent is None:
                raise StateError(
                    f"backup {chain[-1].id} builds on {chain[-1].parent}, which is missing or "
                    "unreadable; the chain cannot be restored"
                )
            if len(chain) > 10_000 or parent.id in {b.id for b in chain}:
                raise StateError(f"backup {info.id} has a looping parent chain")
            chain.append(parent)
        return chain[::-1]

    # Restore, validate -----------------------------------------------------------------------

    def restore(self, ref: str) -> dict[str, Any]:
        """Replace the store's contents with the backup's (its whole chain), atomically."""
        info = self.find(ref)
        chain = self._chain(info)
        state: dict[str, Entry] = {}
        meta: dict[str, str | None] = {}
        for backup in chain:
            payload = _read_payload(backup)
            for key in payload.deleted:
                state.pop(key, None)
            for entry in payload.entries:
                state[entry.key] = entry
            meta = payload.meta
        now = time.time()
        live = [e for e in state.values() if e.expires_at is None or e.expires_at > now]
        in_folder = info.path.parent.resolve() == self.directory.resolve()
        with self._store.backend.transaction() as tx:
            tx.reset(live)
            for name in _META:
                tx.meta_set(name, meta.get(name))
            head = {"id": info.id, "seq": tx.seq()} if in_folder else None
            tx.meta_set("last_backup", json.dumps(head) if head else None)
        return {
            "success": True,
            "backup_id": info.id,
            "entries_restored": len(live),
            "chain": [b.id for b in chain],
        }

    def validate(self, ref: str) -> dict[str, Any]:
        """Checksums and decodability of a backup and of every backup it builds on."""
        info = self.find(ref)
        errors: list[str] = []
        checksum_ok = integrity_ok = True
        try:
            chain = self._chain(info)
        except StateError as exc:
            chain = [info]
            errors.append(str(exc))
        for backup in chain:
            problem = _checksum_problem(backup)
            if problem:
                checksum_ok = False
                errors.append(problem)
                continue
            try:
                _read_payload(backup, verified=True)
            except StateError as exc:
                integrity_ok = False
                errors.append(str(exc))
        valid = not errors
        return {
            "success": True,
            "backup_id": info.id,
            "is_valid": valid,
            "valid": valid,
            "checksum_valid": checksum_ok,
            "integrity_valid": integrity_ok,
            "chain": [b.id for b in chain],
            "entry_count": info.entries,
            "errors": errors,
        }

    # Retention -------------------------------------------------------------------------------

    def cleanup(self, *, dry_run: bool = False, keep: int | None = None) -> dict[str, Any]:
        """Remove backups past `max_backups` (or `keep`) or older than `max_backup_age`."""
        backups = self.list()[::-1]  # newest first
        limit = self.settings.max_backups if keep is None else keep
        max_age = self.settings.max_age_seconds
        now = time.time()
        kept = {
            b.id
            for i, b in enumerate(backups)
            if i == 0
            or (
                not (limit > 0 and i >= limit)
                and not (max_age > 0 and now - b.created_at > max_age)
            )
        }
        by_id = {b.id: b for b in backups}
        for backup_id in list(kept):
            parent = by_id[backup_id].parent
            while parent is not None and parent in by_id and parent not in kept:
                kept.add(parent)
                parent = by_id[parent].parent
        doomed = [b for b in reversed(backups) if b.id not in kept]  # oldest first
        if not dry_run:
            for backup in doomed:
                backup.path.unlink(missing_ok=True)
        return {
            "success": True,
            "dry_run": dry_run,
            "removed": [b.id for b in doomed],
            "deleted_count": len(doomed),
            "kept": [b.id for b in reversed(backups) if b.id in kept],
        }

    def delete(self, ref: str, *, with_dependents: bool = False) -> list[str]:
        """Delete a backup; refused while other backups build on it, unless asked."""
        info = self.find(ref)
        backups = self.list()
        dependents: list[BackupInfo] = []
        children = {info.id}
        for backup in backups:  # oldest first: a child comes after its parent
            if backup.parent in children:
                dependents.append(backup)
                children.add(backup.id)
        if dependents and not with_dependents:
            names = ", ".join(b.id for b in dependents)
            raise StateError(
                f"backup {info.id} is the base of {names}; delete those too with "
                "`llmspell backup delete --with-dependents`"
            )
        removed = []
        for backup in [info, *dependents]:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.id)
        return removed

    def usage(self) -> dict[str, Any]:
        backups = self.list()
        return {
            "count": len(backups),
            "bytes": sum(b.path.stat().st_size for b in backups if b.path.exists()),
            "directory": str(self.directory),
        }


# Files -----------------------------------------------------------------------------------------


def _read_manifest(path: Path) -> BackupInfo:
    try:
        with open(path, "rb") as fh:
            line = fh.readline(1_000_000)
        manifest = json.loads(line)
        if manifest.get("format") != FORMAT:
            raise ValueError("not an llmspell state backup")
        return BackupInfo(
            id=str(manifest["id"]),
            kind=manifest["kind"],
            parent=manifest.get("parent"),
            created_at=float(manifest["created_at"]),
            seq=int(manifest["seq"]),
            entries=int(manifest["entries"]),
            deletions=int(manifest["deletions"]),
            compression=manifest["compression"],
            size_bytes=int(manifest["size_bytes"]),
            sha256=str(manifest["sha256"]),
            label=manifest.get("label"),
            path=path,
        )
    except OSError as exc:
        raise StateError(f"cannot read backup {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"backup {path} has an unreadable manifest ({exc})") from exc


def _data(info: BackupInfo) -> bytes:
    try:
        raw = info.path.read_bytes()
    except OSError as exc:
        raise StateError(f"cannot read backup {info.path}: {exc.strerror or exc}") from exc
    return raw[raw.index(b"\n") + 1 :]


def _checksum_problem(info: BackupInfo) -> str | None:
    try:
        data = _data(info)
    except StateError as exc:
        return str(exc)
    if len(data) != info.size_bytes:
        return f"backup {info.id}: {len(data)} bytes of data, the manifest says {info.size_bytes}"
    if hashlib.sha256(data).hexdigest() != info.sha256:
        return f"backup {info.id}: checksum mismatch (the file was changed or damaged)"
    return None


def _read_payload(info: BackupInfo, *, verified: bool = False) -> _Payload:
    """The decoded payload; StateError if the file fails its checksum or any entry is bad."""
    if not verified and (problem := _checksum_problem(info)):
        raise StateError(f"{problem}; nothing was restored")
    try:
        body = json.loads(_decompress(_data(info), info.compression))
        entries = []
        for key, value, expires_at in body["entries"]:
            if not isinstance(key, str) or ":" not in key or not isinstance(value, str):
                raise ValueError(f"malformed entry {key!r}")
            codec.decode(value)
            entries.append(Entry(key, value, None if expires_at is None else float(expires_at)))
        deleted = [str(k) for k in body["deleted"]]
        meta = {name: body.get("meta", {}).get(name) for name in _META}
    except StateError as exc:
        raise StateError(f"backup {info.id}: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"backup {info.id}: its data cannot be decoded ({exc})") from exc
    return _Payload(entries, deleted, meta)


def _compress(data: bytes, kind: Compression, level: int) -> bytes:
    match kind:
        case "zstd":
            import zstandard

            return zstandard.ZstdCompressor(level=level).compress(data)
        case "gzip":
            return gzip.compress(data, compresslevel=level, mtime=0)
        case "lz4":
            return _lz4().compress(data, compression_level=level)
        case "none":
            return data


def _decompress(data: bytes, kind: str) -> bytes:
    try:
        match kind:
            case "zstd":
                import zstandard

                return zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 34)
            case "gzip":
                return gzip.decompress(data)
            case "lz4":
                return _lz4().decompress(data)
            case "none":
                return data
    except StateError:
        raise
    except Exception as exc:  # each library has its own error class for damaged input
        raise ValueError(f"{kind} data is damaged: {exc}") from exc
    raise ValueError(f"unknown compression {kind!r}")


def _lz4() -> Any:
    try:
        import lz4.frame  # type: ignore[import-not-found]
    except ImportError:
        raise StateError(
            "lz4 backups need the `lz4` package (`pip install lz4`); or set "
            '`runtime.state_persistence.backup.compression_type = "zstd"`'
        ) from None
    return lz4.frame
