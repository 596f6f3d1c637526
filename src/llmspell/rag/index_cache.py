"""Each namespace's in-memory VectorIndex, kept equal to its rows in rag.db, and its files.

A namespace's index file (`<dir>/<namespace, %-encoded>.hnsw`) comes with a JSON sidecar naming
the namespace generation (bumped by every write to rag.db) it reflects. Opening loads the file
when current; a stale one (saved before later commits, e.g. by a killed process) is loaded and
caught up from rag.db, comparing every vector; a missing one, or one built for another namespace
or other HNSW parameters, is rebuilt from the stored vectors. A corrupt file raises StorageError
naming it and saying how to rebuild it; it is never overwritten by a failed load.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.config.rag import DistanceMetric, HnswConfig
from llmspell.core.errors import StorageError
from llmspell.rag.index import EXACT_LIMIT, VectorIndex
from llmspell.storage.sqlite import Database

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AUTOSAVE_MIN", "REBUILD_HINT", "CachedIndex", "IndexCache", "NamespaceRow"]

log = logging.getLogger("llmspell.rag")

AUTOSAVE_MIN = 10_000
REBUILD_HINT = (
    "Its data in {db} is intact: rebuild the index from it with `llmspell rag rebuild --all` "
    "(collection {ns!r}), or delete the file and it is rebuilt on the next open."
)
_FILE_FORMAT = 1


@dataclass(slots=True, kw_only=True)
class NamespaceRow:
    """A row of `rag_namespaces`."""

    id: int
    name: str
    dimension: int
    model: str
    metric: DistanceMetric
    created_at: float
    expires_at: float | None
    generation: int


@dataclass(slots=True, kw_only=True)
class CachedIndex:
    """A namespace's loaded index and the generation of rag.db it reflects."""

    row: NamespaceRow
    index: VectorIndex
    generation: int
    saved_generation: int | None
    unsaved: int = 0


class IndexCache:
    """The loaded indexes of one store; callers hold no lock, this class has its own."""

    def __init__(
        self,
        db: Database,
        index_dir: Path,
        config: HnswConfig,
        *,
        exact_limit: int = EXACT_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self.index_dir = index_dir
        self.config = config
        self.exact_limit = exact_limit
        self._clock = clock
        self._lock = threading.RLock()
        self._entries: dict[str, CachedIndex] = {}

    def get(self, row: NamespaceRow) -> CachedIndex:
        """The namespace's index, loaded (or built) and caught up with rag.db."""
        with self._lock:
            entry = self._entries.get(row.name)
            if entry is None or entry.row.id != row.id:
                entry = self._open(row)
                self._entries[row.name] = entry
            elif entry.generation != row.generation:
                self._catch_up(entry, verify=False)
            return entry

    def loaded(self, name: str, ns_id: int) -> CachedIndex | None:
        """The namespace's index if it is in memory (never loads it)."""
        entry = self._entries.get(name)
        return entry if entry is not None and entry.row.id == ns_id else None

    def forget(self, row: NamespaceRow) -> None:
        """Drop a deleted namespace's index from memory and its files from disk."""
        with self._lock:
            entry = self._entries.get(row.name)
            if entry is not None and entry.row.id == row.id:
                del self._entries[row.name]
            for file in self.files(row.name):
                file.unlink(missing_ok=True)

    def discard(self, name: str) -> None:
        """Forget the in-memory index (it is reloaded on next use)."""
        with self._lock:
            self._entries.pop(name, None)

    def rebuild(self, row: NamespaceRow) -> CachedIndex:
        """Build the index from rag.db alone, replacing any file."""
        with self._lock:
            self._entries.pop(row.name, None)
            entry = self.build(row)
            self._entries[row.name] = entry
            self.save(entry)
            return entry

    def save_changed(self) -> int:
        """Write the file of every index changed since its last save; how many."""
        written = 0
        with self._lock:
            for entry in list(self._entries.values()):
                if (
                    entry.saved_generation != entry.generation
                    or not self.files(entry.row.name)[0].exists()
                ):
                    self.save(entry)
                    written += 1
        return written

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def files(self, name: str) -> tuple[Path, Path]:
        stem = _safe_name(name)
        return self.index_dir / f"{stem}.hnsw", self.index_dir / f"{stem}.json"

    def save(self, entry: CachedIndex) -> None:
        """Write the entry's index file, then its sidecar (each atomically)."""
        index_file, sidecar = self.files(entry.row.name)
        meta = {
            "namespace": entry.row.name,
            "ns_id": entry.row.id,
            "generation": entry.generation,
        }
        entry.index.save(index_file, meta=meta)
        side = {
            "format": _FILE_FORMAT,
            **meta,
            "dimension": entry.row.dimension,
            "metric": entry.row.metric,
            "m": self.config.m,
            "ef_construction": self.config.ef_construction,
            "vectors": len(entry.index),
            "saved_at": self._clock(),
        }
        _write_json(sidecar, side)
        entry.saved_generation = entry.generation
        entry.unsaved = 0

    def _open(self, row: NamespaceRow) -> CachedIndex:
        index_file, sidecar = self.files(row.name)
        if not index_file.exists():
            log.info("building the vector index of %r from %s", row.name, self._db.path)
            return self.build(row)
        header = self._checked(index_file, row, VectorIndex.read_header)
        meta = header.get("meta") or {}
        hnsw = self.config
        if (
            meta.get("ns_id") != row.id
            or header["dim"] != row.dimension
            or header["metric"] != row.metric
            or header.get("m") != hnsw.m
            or header.get("ef_construction") != hnsw.ef_construction
        ):
            log.info(
                "the index file %s was built for another namespace or other HNSW parameters: "
                "rebuilding it from %s",
                index_file,
                self._db.path,
            )
            return self.build(row)
        index = self._checked(
            index_file,
            row,
            lambda path: VectorIndex.load(
                path,
                self.config,
                dim=row.dimension,
                metric=row.metric,
                exact_limit=self.exact_limit,
            ),
        )
        generation = meta.get("generation")
        side = _read_json(sidecar)
        entry = CachedIndex(row=row, index=index, generation=-1, saved_generation=None)
        current = (
            isinstance(generation, int)
            and side.get("generation") == generation
            and generation == row.generation
        )
        if current and self._same_labels(row, index):
            entry.generation = entry.saved_generation = generation
        else:
            log.info(
                "the index file %s is older than %s: catching it up", index_file, self._db.path
            )
            self._catch_up(entry, verify=True)
        return entry

    def _checked(self, path: Path, row: NamespaceRow, fn: Callable[[Path], Any]) -> Any:
        try:
            return fn(path)
        except StorageError as exc:
            raise StorageError(
                exc.message, hint=REBUILD_HINT.format(db=self._db.path, ns=row.name)
            ) from exc

    def build(self, row: NamespaceRow) -> CachedIndex:
        """A new index holding the namespace's vectors in rag.db."""
        import numpy as np

        index = VectorIndex(
            row.dimension, self.config, metric=row.metric, exact_limit=self.exact_limit
        )
        with self._db.transaction(immediate=False) as conn:
            (generation,) = conn.execute(
                "SELECT generation FROM rag_namespaces WHERE id = ?", (row.id,)
            ).fetchone()
            rows = conn.execute(
                "SELECT label, vector FROM rag_chunks WHERE ns_id = ? ORDER BY label", (row.id,)
            ).fetchall()
        if rows:
            labels = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            vectors = np.vstack([np.frombuffer(r[1], "<f4") for r in rows])
            index.add(labels, vectors)
        return CachedIndex(row=row, index=index, generation=generation, saved_generation=None)

    def _same_labels(self, row: NamespaceRow, index: VectorIndex) -> bool:
        import numpy as np

        (count,) = (
            self._db.connection()
            .execute("SELECT COUNT(*) FROM rag_chunks WHERE ns_id = ?", (row.id,))
            .fetchone()
        )
        if count != len(index):
            return False
        stored = np.fromiter(
            (
                r[0]
                for r in self._db.connection().execute(
                    "SELECT label FROM rag_chunks WHERE ns_id = ?", (row.id,)
                )
            ),
            np.int64,
        )
        return bool(np.array_equal(np.sort(stored), np.sort(index.labels())))

    def _catch_up(self, entry: CachedIndex, *, verify: bool) -> None:
        """Make the in-memory index hold exactly the namespace's rows in rag.db.

        Labels are never reused within one database, so rows are matched by label; `verify`
        also compares every vector (for a file that may predate a restored database).
        """
        import numpy as np

        index = entry.index
        with self._db.transaction(immediate=False) as conn:
            (generation,) = conn.execute(
                "SELECT generation FROM rag_namespaces WHERE id = ?", (entry.row.id,)
            ).fetchone()
            if verify:
                rows = conn.execute(
                    "SELECT label, vector FROM rag_chunks WHERE ns_id = ?", (entry.row.id,)
                ).fetchall()
                stored = np.fromiter((r[0] for r in rows), np.int64, len(rows))
                vectors = {r[0]: r[1] for r in rows}
            else:
                stored = np.fromiter(
                    (
                        r[0]
                        for r in conn.execute(
                            "SELECT label FROM rag_chunks WHERE ns_id = ?", (entry.row.id,)
                        )
                    ),
                    np.int64,
                )
                vectors = None
            have = index.labels()
            gone = np.setdiff1d(have, stored, assume_unique=True)
            new = np.setdiff1d(stored, have, assume_unique=True)
            if verify and vectors is not None:
                common = np.intersect1d(have, stored, assume_unique=True)
                changed = self._changed(index, common, vectors)
                gone = np.concatenate([gone, changed])
                new = np.concatenate([new, changed])
            if vectors is None and len(new):
                vectors = {}
                for start in range(0, len(new), 5000):
                    part = new[start : start + 5000].tolist()
                    vectors.update(
                        conn.execute(
                            "SELECT label, vector FROM rag_chunks"
                            " WHERE label IN (SELECT value FROM json_each(?))",
                            (json.dumps(part),),
                        ).fetchall()
                    )
        index.delete(gone.tolist())
        if len(new):
            assert vectors is not None
            index.add(new, np.vstack([np.frombuffer(vectors[int(lab)], "<f4") for lab in new]))
        if len(gone) or len(new):
            log.info(
                "vector index of %r caught up with %s: %d added, %d removed",
                entry.row.name,
                self._db.path,
                len(new),
                len(gone),
            )
        entry.generation = generation
        entry.unsaved += len(new) + len(gone)

    @staticmethod
    def _changed(index: VectorIndex, labels: np.ndarray, blobs: dict[int, bytes]) -> np.ndarray:
        import numpy as np

        if not len(labels):
            return labels
        stored = np.vstack([np.frombuffer(blobs[int(lab)], "<f4") for lab in labels])
        return labels[~index.holds(labels, stored)]

    def apply(
        self,
        entry: CachedIndex,
        before: int,
        after: int,
        *,
        removed: Sequence[int] = (),
        added: Sequence[int] = (),
        vectors: Sequence[np.ndarray] = (),
    ) -> None:
        """Mirror a write committed to rag.db (generation `before` -> `after`) in memory.

        When another process wrote in between, the index keeps its older generation and is
        caught up on next use. A failure drops the index from memory: it is reloaded then.
        """
        import numpy as np

        with self._lock:
            try:
                entry.index.delete(removed)
                if added:
                    entry.index.add(np.asarray(added, np.int64), np.vstack(vectors))
            except BaseException:
                self._entries.pop(entry.row.name, None)
                raise
            if entry.generation == before:
                entry.generation = after
            entry.unsaved += len(removed) + len(added)
            if entry.unsaved >= max(AUTOSAVE_MIN, len(entry.index)):
                self.save(entry)


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _safe_name(name: str) -> str:
    """A file name for a namespace: `%XX` for anything but letters, digits, `_` and `-`."""
    import hashlib

    safe = _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), name)
    if len(safe) > 150:
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        safe = f"{safe[:120]}~{digest}"
    return safe


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: Mapping[str, Any]) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(value, out, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
