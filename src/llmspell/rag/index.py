"""One namespace's vectors: exact numpy search while small, an HNSW graph (chroma-hnswlib) beyond.

Labels are caller-chosen non-negative integers. The index keeps its live vectors in a dense
numpy matrix (exact search, filtered search over a few rows, saving) and, once it holds
`exact_limit` vectors, an HNSW graph too; the graph costs about as much memory again.

Scores, best first: cosine similarity for `cosine`, the dot product for `innerproduct`, and
`1 / (1 + d)` with `d` the Euclidean distance for `euclidean`.

Why the thresholds (2-core EPYC, 384-d, measured with /tmp/r3/explore.py):
* exact search beats the graph below about 4-5k vectors (5k: 5.2k vs 5.6k queries/s; 3k: 5.7k vs
  5.0k) and is exact, so `EXACT_LIMIT` is 5000;
* a filter goes through the library's Python callback once per visited node: at 100k vectors and
  10% allowed it manages ~170 queries/s, at 1% ~20/s, while an exact search over the allowed rows
  runs ~2,400/s at 1k rows and ~110/s at 10k. Cost grows with |allowed| for exact and with
  n/|allowed| for the callback, so they cross near |allowed| = 25 * sqrt(n) (~7.9k at 100k).

Saved files are one container: a magic line, a JSON header (dimension, metric, sizes, CRC-32 of
the payload, caller metadata), the labels, the vectors and the library's graph file. A file that
fails any check raises StorageError naming it and is never modified; `save` writes a temporary
file in the same directory, fsyncs it and renames it over the old one.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import tempfile
import threading
import zlib
from collections.abc import Collection, Iterable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from llmspell.config.rag import DistanceMetric, HnswConfig
from llmspell.core.errors import StorageError, ValidationError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EXACT_LIMIT", "FILTER_EXACT_FACTOR", "VectorIndex"]

EXACT_LIMIT = 5000
FILTER_EXACT_FACTOR = 25
MAGIC = b"LLMSPELL-VECTOR-INDEX\n"
FORMAT = 1
_SPACES = {"cosine": "cosine", "euclidean": "l2", "innerproduct": "ip"}
_CHUNK = 1 << 20
_PARALLEL_ADD = 8  # fewer vectors are added on the calling thread: starting threads costs more

Result = list[tuple[int, float]]


class _SharedLock:
    """Many searches at once; adds, deletes and ef changes alone."""

    __slots__ = ("_cond", "_readers", "_writer", "exclusive", "shared")

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self.shared = _Shared(self)
        self.exclusive = _Exclusive(self)


class _Shared:
    __slots__ = ("_lock",)

    def __init__(self, lock: _SharedLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        lock = self._lock
        with lock._cond:
            while lock._writer:
                lock._cond.wait()
            lock._readers += 1

    def __exit__(self, *exc: object) -> None:
        lock = self._lock
        with lock._cond:
            lock._readers -= 1
            if not lock._readers:
                lock._cond.notify_all()


class _Exclusive:
    __slots__ = ("_lock",)

    def __init__(self, lock: _SharedLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        lock = self._lock
        with lock._cond:
            while lock._writer or lock._readers:
                lock._cond.wait()
            lock._writer = True

    def __exit__(self, *exc: object) -> None:
        lock = self._lock
        with lock._cond:
            lock._writer = False
            lock._cond.notify_all()


class VectorIndex:
    """The vectors of one namespace, searchable by similarity, with deletion and persistence."""

    def __init__(
        self,
        dim: int,
        config: HnswConfig | None = None,
        *,
        metric: DistanceMetric | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        import numpy as np

        if dim <= 0:
            raise ValidationError(f"vector dimension must be positive, got {dim}")
        self.dim = dim
        self.config = config or HnswConfig()
        self.metric: DistanceMetric = metric or self.config.metric
        self.exact_limit = max(0, exact_limit)
        self.ef_search = self.config.ef_search
        self._lock = _SharedLock()
        self._vectors = np.zeros((0, dim), np.float32)
        self._sqnorms = np.zeros(0, np.float32)
        self._labels = np.zeros(0, np.int64)
        self._rows: dict[int, int] = {}
        self._graph: Any = None
        self._dead: set[int] = set()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, label: object) -> bool:
        return label in self._rows

    @property
    def has_graph(self) -> bool:
        return self._graph is not None

    @property
    def graph_slots(self) -> int | None:
        """Slots in use in the HNSW graph (live and deleted vectors); None without a graph."""
        return None if self._graph is None else int(self._graph.get_current_count())

    @property
    def threads(self) -> int:
        return self.config.num_threads or os.cpu_count() or 1

    def labels(self) -> np.ndarray:
        """The live labels (int64), in no particular order."""
        with self._lock.shared:
            return self._labels[: len(self._rows)].copy()

    def vectors(self, labels: Iterable[int]) -> np.ndarray:
        """Stored vectors of `labels` (normalised for cosine); KeyError for an unknown label."""
        with self._lock.shared:
            rows = [self._rows[int(label)] for label in labels]
            return self._vectors[rows].copy()

    def holds(self, labels: Iterable[int], vectors: Any) -> np.ndarray:
        """Per label, whether the index holds (to float rounding) this vector under it."""
        import numpy as np

        given = self._matrix(vectors)
        held = self.vectors(labels)
        return np.isclose(held, given, rtol=1e-5, atol=1e-6).all(axis=1)

    # Writing ----------------------------------------------------------------------------------

    def add(self, labels: Iterable[int], vectors: Any) -> None:
        """Insert vectors under `labels`; a label already present gets its vector replaced."""
        import numpy as np

        if isinstance(labels, np.ndarray):
            ids = labels.astype(np.int64)
        else:
            ids = np.fromiter(labels, np.int64)
        data = self._matrix(vectors)
        if ids.ndim != 1 or len(ids) != len(data):
            raise ValidationError(f"add: {len(ids)} labels for {len(data)} vectors")
        if len(ids) and ids.min() < 0:
            raise ValidationError(f"add: labels must be non-negative, got {int(ids.min())}")
        if len(np.unique(ids)) != len(ids):
            raise ValidationError("add: the same label appears twice in one batch")
        if not len(ids):
            return
        with self._lock.exclusive:
            known = np.fromiter((label in self._rows for label in ids.tolist()), bool, len(ids))
            total = len(self._rows) + int((~known).sum())
            if total > self.config.max_elements:
                raise StorageError(
                    f"the vector index would hold {total} vectors, more than "
                    f"rag.vector_storage.hnsw.max_elements = {self.config.max_elements}",
                    hint="Raise max_elements or spread the documents over more collections.",
                )
            self._store_rows(ids, data)
            if self._graph is not None:
                self._graph_add(ids, data, known)
            elif len(self._rows) >= self.exact_limit:
                self._build_graph()

    def delete(self, labels: Iterable[int]) -> int:
        """Remove labels (unknown ones are ignored); the number removed."""
        removed = 0
        with self._lock.exclusive:
            for raw in labels:
                label = int(raw)
                row = self._rows.pop(label, None)
                if row is None:
                    continue
                last = len(self._rows)
                if row != last:
                    moved = int(self._labels[last])
                    self._vectors[row] = self._vectors[last]
                    self._sqnorms[row] = self._sqnorms[last]
                    self._labels[row] = moved
                    self._rows[moved] = row
                if self._graph is not None:
                    self._graph.mark_deleted(label)
                    self._dead.add(label)
                removed += 1
        return removed

    def _matrix(self, vectors: Any) -> np.ndarray:
        import numpy as np

        data = np.array(vectors, dtype=np.float32, ndmin=2, copy=True)
        if data.size == 0:
            return np.zeros((0, self.dim), np.float32)
        if data.ndim != 2 or data.shape[1] != self.dim:
            got = data.shape[-1] if data.ndim else 0
            raise ValidationError(f"vectors have dimension {got}; this index holds {self.dim}")
        if not np.isfinite(data).all():
            raise ValidationError("vectors must be finite (no NaN or infinity)")
        if self.metric == "cosine":
            norms = np.linalg.norm(data, axis=1, keepdims=True)
            data /= np.where(norms > 0, norms, 1.0)
        return data

    def _queries(self, queries: Any) -> np.ndarray:
        """`_matrix` for searches, cheaper for the common single float32 vector."""
        import numpy as np

        q = queries if isinstance(queries, np.ndarray) else np.asarray(queries, np.float32)
        if q.ndim != 1 or q.dtype != np.float32 or q.shape[0] != self.dim:
            return self._matrix(queries)
        if not np.isfinite(q).all():
            raise ValidationError("vectors must be finite (no NaN or infinity)")
        if self.metric == "cosine":
            norm = math.sqrt(float(q @ q))
            if norm > 0:
                return (q / norm).reshape(1, -1)
        return q.reshape(1, -1)

    def _store_rows(self, ids: np.ndarray, data: np.ndarray) -> None:
        import numpy as np

        n = len(self._rows)
        needed = n + len(ids)
        if needed > len(self._vectors):
            size = max(needed, 2 * len(self._vectors), 64)
            grown = np.zeros((size, self.dim), np.float32)
            grown[:n] = self._vectors[:n]
            self._vectors = grown
            self._sqnorms = np.resize(self._sqnorms, size)
            self._labels = np.resize(self._labels, size)
        sq = np.einsum("ij,ij->i", data, data)
        for i, label in enumerate(ids.tolist()):
            row = self._rows.get(label)
            if row is None:
                row = len(self._rows)
                self._rows[label] = row
                self._labels[row] = label
            self._vectors[row] = data[i]
            self._sqnorms[row] = sq[i]

    def _graph_add(self, ids: np.ndarray, data: np.ndarray, known: np.ndarray) -> None:
        """Updates first, then new labels (which may take the slots of deleted ones).

        The library's slot reuse does not check whether the label already exists, so a label
        still in the graph (live, or deleted and revived here) must go through a plain add,
        which updates it in place.
        """
        in_graph = known.copy()
        for i, label in enumerate(ids.tolist()):
            if not in_graph[i] and label in self._dead:
                self._dead.discard(label)
                try:
                    self._graph.unmark_deleted(label)
                except RuntimeError:
                    continue
                in_graph[i] = True
        fresh = ~in_graph
        needed = self._graph.get_current_count() + int(fresh.sum())
        capacity = self._graph.get_max_elements()
        if needed > capacity:
            self._graph.resize_index(max(needed, 2 * capacity))
        threads = self.threads if len(ids) >= _PARALLEL_ADD else 1
        if in_graph.any():
            self._graph.add_items(data[in_graph], ids[in_graph], num_threads=threads)
        if fresh.any():
            self._graph.add_items(
                data[fresh],
                ids[fresh],
                num_threads=threads,
                replace_deleted=self.config.allow_replace_deleted,
            )

    def _build_graph(self) -> None:
        import hnswlib

        n = len(self._rows)
        graph = hnswlib.Index(space=_SPACES[self.metric], dim=self.dim)
        graph.init_index(
            max_elements=max(1024, 2 * n),
            M=self.config.m,
            ef_construction=self.config.ef_construction,
            random_seed=100 if self.config.seed is None else self.config.seed,
            allow_replace_deleted=self.config.allow_replace_deleted,
        )
        graph.set_ef(self.ef_search)
        if n:
            graph.add_items(self._vectors[:n], self._labels[:n], num_threads=self.threads)
        self._graph = graph
        self._dead = set()

    def set_ef(self, ef: int) -> None:
        """Change the default `ef_search` of this index."""
        if ef < 1:
            raise ValidationError(f"ef_search must be at least 1, got {ef}")
        with self._lock.exclusive:
            self.ef_search = ef
            if self._graph is not None:
                self._graph.set_ef(ef)

    def build_graph(self) -> None:
        """Build the HNSW graph now, whatever the size (normally done at `exact_limit`)."""
        with self._lock.exclusive:
            if self._graph is None:
                self._build_graph()

    # Searching --------------------------------------------------------------------------------

    def search(
        self,
        query: Any,
        k: int,
        *,
        allowed: Collection[int] | None = None,
        threshold: float | None = None,
        ef: int | None = None,
    ) -> Result:
        """The `k` best (label, score) pairs for one vector, best first.

        `allowed` restricts the result to those labels during the search; `threshold` drops
        scores below it; `ef` overrides `ef_search` for this call.
        """
        return self.search_batch(query, k, allowed=allowed, threshold=threshold, ef=ef)[0]

    def search_batch(
        self,
        queries: Any,
        k: int,
        *,
        allowed: Collection[int] | None = None,
        threshold: float | None = None,
        ef: int | None = None,
        num_threads: int | None = None,
    ) -> list[Result]:
        """`search` for each row of `queries` (threads: `num_threads`, default the config's)."""
        if k < 1:
            raise ValidationError(f"k must be at least 1, got {k}")
        q = self._queries(queries)
        if not len(q):
            return []
        custom_ef = ef is not None and ef != self.ef_search and self._graph is not None
        with self._lock.exclusive if custom_ef else self._lock.shared:
            n = len(self._rows)
            if allowed is not None:
                allowed_set = allowed if isinstance(allowed, set | frozenset) else set(allowed)
                rows = self._allowed_rows(allowed_set)
                if len(rows) == 0:
                    return [[] for _ in range(len(q))]
                exact = (
                    self._graph is None
                    or n < self.exact_limit
                    or len(rows) <= max(self.exact_limit, FILTER_EXACT_FACTOR * math.sqrt(n))
                )
                if exact:
                    results = self._exact(q, k, rows)
                else:
                    results = self._approximate(
                        q, min(k, len(rows)), allowed_set, ef, num_threads, rows
                    )
            elif n == 0:
                return [[] for _ in range(len(q))]
            elif self._graph is None or n < self.exact_limit:
                results = self._exact(q, k, None)
            else:
                results = self._approximate(q, min(k, n), None, ef, num_threads, None)
        if threshold is not None:
            results = [[(lab, s) for lab, s in res if s >= threshold] for res in results]
        return results

    def scores(self, query: Any, labels: Iterable[int]) -> dict[int, float]:
        """The exact score of `query` against each known label (unknown labels are skipped)."""
        import numpy as np

        q = self._matrix(query)[0]
        with self._lock.shared:
            known = [(int(lab), self._rows[int(lab)]) for lab in labels if int(lab) in self._rows]
            if not known:
                return {}
            rows = np.fromiter((row for _, row in known), np.int64, len(known))
            values = self._score_rows(q[None, :], rows)[0]
        return {label: float(v) for (label, _), v in zip(known, values.tolist(), strict=True)}

    def _allowed_rows(self, allowed: Collection[int]) -> np.ndarray:
        import numpy as np

        rows = self._rows
        found = [rows[lab] for lab in allowed if lab in rows]
        return np.fromiter(found, np.int64, len(found))

    def _score_rows(self, q: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        import numpy as np

        n = len(self._rows)
        matrix = self._vectors[:n] if rows is None else self._vectors[rows]
        dots = q @ matrix.T
        if self.metric != "euclidean":
            return dots
        sq = self._sqnorms[:n] if rows is None else self._sqnorms[rows]
        qsq = np.einsum("ij,ij->i", q, q)[:, None]
        dist = np.sqrt(np.maximum(sq[None, :] + qsq - 2 * dots, 0))
        return 1.0 / (1.0 + dist)

    def _exact(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> list[Result]:
        import numpy as np

        scores = self._score_rows(q, rows)
        count = scores.shape[1]
        k = min(k, count)
        labels = self._labels[: len(self._rows)] if rows is None else self._labels[rows]
        if k < count:
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(count), (len(q), count))
        picked = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-picked, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        picked = np.take_along_axis(picked, order, axis=1)
        return [
            list(zip(labels[t].tolist(), s.tolist(), strict=True))
            for t, s in zip(top, picked, strict=True)
        ]

    def _approximate(
        self,
        q: np.ndarray,
        k: int,
        allowed: Collection[int] | None,
        ef: int | None,
        num_threads: int | None,
        rows: np.ndarray | None,
    ) -> list[Result]:
        threads = 1 if len(q) == 1 else (num_threads or self.threads)
        filt = allowed.__contains__ if allowed is not None else None
        graph = self._graph
        try:
            if ef is None or ef == self.ef_search:
                labels, dists = graph.knn_query(q, k=k, num_threads=threads, filter=filt)
            else:
                # ef is per index in the library; search_batch holds the exclusive lock here
                graph.set_ef(ef)
                try:
                    labels, dists = graph.knn_query(q, k=k, num_threads=threads, filter=filt)
                finally:
                    graph.set_ef(self.ef_search)
        except RuntimeError:
            # the library gives up when it cannot find k results (a filter that cuts the
            # graph apart, many deletions): answer exactly instead
            return self._exact(q, k, rows)
        return [
            list(zip(row_labels, self._to_scores(row_dists), strict=True))
            for row_labels, row_dists in zip(labels.tolist(), dists.tolist(), strict=True)
        ]

    def _to_scores(self, dists: list[float]) -> list[float]:
        if self.metric == "euclidean":
            return [1.0 / (1.0 + math.sqrt(max(d, 0.0))) for d in dists]
        return [1.0 - d for d in dists]

    # Persistence ------------------------------------------------------------------------------

    def save(self, path: Path, *, meta: Mapping[str, Any] | None = None) -> None:
        """Write the index to `path` atomically (temp file, fsync, rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock.shared:
            n = len(self._rows)
            labels = self._labels[:n].astype("<i8").tobytes()
            vectors = self._vectors[:n].astype("<f4").tobytes()
            graph_file = None
            try:
                if self._graph is not None:
                    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
                    os.close(fd)
                    graph_file = Path(name)
                    self._graph.save_index(str(graph_file))
                graph_size = graph_file.stat().st_size if graph_file else 0
                crc = zlib.crc32(vectors, zlib.crc32(labels))
                if graph_file:
                    with graph_file.open("rb") as fh:
                        while block := fh.read(_CHUNK):
                            crc = zlib.crc32(block, crc)
                header = {
                    "format": FORMAT,
                    "dim": self.dim,
                    "metric": self.metric,
                    "count": n,
                    "graph_bytes": graph_size,
                    "m": self.config.m,
                    "ef_construction": self.config.ef_construction,
                    "crc32": crc,
                    "meta": dict(meta or {}),
                }
                _write_atomically(path, header, (labels, vectors), graph_file)
            finally:
                if graph_file is not None:
                    graph_file.unlink(missing_ok=True)

    @staticmethod
    def read_header(path: Path) -> dict[str, Any]:
        """The JSON header of a saved index (StorageError when it is not one)."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                return _read_header(fh, path)
        except OSError as exc:
            raise _corrupt(path, f"cannot be read: {exc}") from exc

    @classmethod
    def load(
        cls,
        path: Path,
        config: HnswConfig | None = None,
        *,
        dim: int | None = None,
        metric: DistanceMetric | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> VectorIndex:
        """Read an index saved by `save`; StorageError naming the file when it is damaged or
        holds another dimension or metric than asked for. The file is never modified."""
        import hnswlib
        import numpy as np

        path = Path(path)
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise _corrupt(path, f"cannot be read: {exc}") from exc
        with fh:
            header = _read_header(fh, path)
            saved_dim, saved_metric, n = header["dim"], header["metric"], header["count"]
            if dim is not None and saved_dim != dim:
                raise _corrupt(path, f"holds {saved_dim}-dimensional vectors, expected {dim}")
            if metric is not None and saved_metric != metric:
                raise _corrupt(path, f"was built for metric {saved_metric}, expected {metric}")
            start = fh.tell()
            size = os.fstat(fh.fileno()).st_size
            body = n * 8 + n * saved_dim * 4
            if size - start != body + header["graph_bytes"]:
                raise _corrupt(path, f"is {size} bytes long, its header says {start + body}+")
            raw = fh.read(body)
            crc = zlib.crc32(raw)
            index = cls(saved_dim, config, metric=saved_metric, exact_limit=exact_limit)
            graph_file = None
            try:
                if header["graph_bytes"]:
                    graph_file = _temp_beside(path)
                    with graph_file.open("wb") as out:
                        while block := fh.read(_CHUNK):
                            crc = zlib.crc32(block, crc)
                            out.write(block)
                if crc != header["crc32"]:
                    raise _corrupt(path, "fails its checksum")
                labels = np.frombuffer(raw, "<i8", n, 0).astype(np.int64)
                vectors = np.frombuffer(raw, "<f4", n * saved_dim, n * 8).reshape(n, saved_dim)
                index._store_rows(labels, vectors.astype(np.float32))
                if len(index._rows) != n:
                    raise _corrupt(path, "lists a label twice")
                if graph_file is not None:
                    graph = hnswlib.Index(space=_SPACES[saved_metric], dim=saved_dim)
                    try:
                        graph.load_index(
                            str(graph_file),
                            max_elements=0,
                            allow_replace_deleted=index.config.allow_replace_deleted,
                        )
                    except (RuntimeError, ValueError, MemoryError) as exc:
                        raise _corrupt(path, f"has an unreadable graph ({exc})") from exc
                    in_graph = set(graph.get_ids_list())
                    if not in_graph.issuperset(index._rows):
                        raise _corrupt(path, "has a graph missing some of its vectors")
                    graph.set_ef(index.ef_search)
                    index._graph = graph
                    index._dead = in_graph.difference(index._rows)
            finally:
                if graph_file is not None:
                    graph_file.unlink(missing_ok=True)
        if index._graph is None and n >= index.exact_limit:
            index._build_graph()
        return index


def _corrupt(path: Path, why: str) -> StorageError:
    return StorageError(
        f"the vector index file {path} {why}; it was left untouched",
        hint="Rebuild it from the stored vectors, or move the file away.",
    )


def _read_header(fh: BinaryIO, path: Path) -> dict[str, Any]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise _corrupt(path, "is not an llmspell vector index (bad magic)")
    raw_len = fh.read(8)
    if len(raw_len) != 8:
        raise _corrupt(path, "is truncated")
    (length,) = struct.unpack("<Q", raw_len)
    if length > 1 << 24:
        raise _corrupt(path, "has an implausible header length")
    try:
        header = json.loads(fh.read(length))
        ok = (
            isinstance(header, dict)
            and header.get("format") == FORMAT
            and all(isinstance(header.get(k), int) for k in ("dim", "count", "graph_bytes"))
            and header["dim"] > 0
            and header["count"] >= 0
            and header["graph_bytes"] >= 0
            and header.get("metric") in _SPACES
            and isinstance(header.get("crc32"), int)
        )
    except (ValueError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise _corrupt(path, "has a damaged header")
    return header


def _temp_beside(path: Path) -> Path:
    for folder in (path.parent, Path(tempfile.gettempdir())):
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".graph", dir=folder)
        except OSError:
            continue
        os.close(fd)
        return Path(name)
    raise StorageError(f"no writable directory for a temporary copy of {path}")


def _write_atomically(
    path: Path, header: dict[str, Any], parts: tuple[bytes, ...], graph_file: Path | None
) -> None:
    encoded = json.dumps(header, sort_keys=True).encode()
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC)
            out.write(struct.pack("<Q", len(encoded)))
            out.write(encoded)
            for part in parts:
                out.write(part)
            if graph_file is not None:
                with graph_file.open("rb") as src:
                    shutil.copyfileobj(src, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
