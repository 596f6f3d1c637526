"""The vector store: SQLite (`<path>/rag.db`) is the truth, HNSW index files are a cache of it.

`rag.db` holds namespaces, documents, chunks (text, metadata JSON, float32 vector, expiry) and,
per namespace, an FTS5 table for BM25 keyword search. Every write commits there first (a
document's old chunks are replaced in one transaction) and then updates the namespace's
in-memory index in the same call, so a killed process loses nothing it acknowledged.

Index files live in `<path>/indexes/` (see `rag.index_cache`): a stale or missing file is caught
up or rebuilt from rag.db, a corrupt one raises StorageError naming it until `rebuild(ns)`.
They are written by `save()`, `close()` and after large ingests. Other processes may write the
same rag.db: every search checks the namespace's generation (bumped by each write) and catches
the in-memory index up with the rows added or removed since.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from llmspell.config.rag import VectorStorageConfig
from llmspell.core.errors import StorageError, ValidationError
from llmspell.rag.filters import compile_filter, folded, fts_query, query_words
from llmspell.rag.index import EXACT_LIMIT
from llmspell.rag.index_cache import CachedIndex, IndexCache, NamespaceRow
from llmspell.storage.sqlite import Database, Migration, failure

if TYPE_CHECKING:
    import numpy as np

P = ParamSpec("P")
R = TypeVar("R")

__all__ = [
    "MAX_K",
    "DocumentInfo",
    "Hit",
    "NamespaceInfo",
    "StoredChunk",
    "VectorStore",
]

MAX_K = 10_000
_OVERFETCH_EXPIRED = 1000

_SCHEMA = (
    Migration(
        "001_vector_store",
        """
        CREATE TABLE rag_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO rag_meta (name, value) VALUES ('generation', 0);
        CREATE TABLE rag_namespaces (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            dimension INTEGER NOT NULL,
            model TEXT NOT NULL,
            metric TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL,
            generation INTEGER NOT NULL);
        CREATE TABLE rag_documents (
            ns_id INTEGER NOT NULL REFERENCES rag_namespaces (id),
            doc_id TEXT NOT NULL,
            metadata TEXT NOT NULL,
            chunk_count INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (ns_id, doc_id));
        CREATE TABLE rag_chunks (
            label INTEGER PRIMARY KEY AUTOINCREMENT,
            ns_id INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            chunk_index INTEGER NOT NULL,
            text TEXT NOT NULL,
            metadata TEXT NOT NULL,
            vector BLOB NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL,
            FOREIGN KEY (ns_id, doc_id) REFERENCES rag_documents (ns_id, doc_id));
        CREATE INDEX rag_chunks_doc ON rag_chunks (ns_id, doc_id, chunk_index);
        CREATE INDEX rag_chunks_meta ON rag_chunks (ns_id, metadata, expires_at);
        CREATE INDEX rag_chunks_expiry ON rag_chunks (ns_id, expires_at)
            WHERE expires_at IS NOT NULL
        """,
    ),
)

_LIVE = "(c.expires_at IS NULL OR c.expires_at > ?)"
_NS_COLUMNS = "id, name, dimension, model, metric, created_at, expires_at, generation"


def _mapped(method: Callable[P, R]) -> Callable[P, R]:
    """sqlite3 errors as StorageError naming rag.db (which is left as it is)."""

    @wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            store = args[0]
            assert isinstance(store, VectorStore)
            raise failure(store.db_path, exc) from exc

    return run


@dataclass(slots=True)
class StoredChunk:
    """One chunk to store: its text, its embedding and its own metadata (over the document's)."""

    text: str
    vector: Any
    metadata: Mapping[str, Any] = field(default_factory=dict)
    expires_at: float | None = None


@dataclass(slots=True, kw_only=True)
class Hit:
    """A search result; `id` is `<doc_id>#<chunk index>`."""

    id: str
    doc_id: str
    chunk_index: int
    text: str
    score: float
    metadata: dict[str, Any]
    label: int


@dataclass(slots=True, kw_only=True)
class NamespaceInfo:
    name: str
    dimension: int
    model: str
    metric: str
    created_at: float
    expires_at: float | None
    vectors: int = 0
    documents: int = 0
    bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dimension": self.dimension,
            "model": self.model,
            "metric": self.metric,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "vectors": self.vectors,
            "documents": self.documents,
            "bytes": self.bytes,
        }


@dataclass(slots=True, kw_only=True)
class DocumentInfo:
    doc_id: str
    metadata: dict[str, Any]
    chunks: int
    bytes: int
    created_at: float
    updated_at: float


class VectorStore:
    """Namespaces of documents, chunks and vectors under one directory; safe across threads."""

    def __init__(
        self,
        path: Path,
        config: VectorStorageConfig | None = None,
        *,
        exact_limit: int = EXACT_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.config = config or VectorStorageConfig()
        self.exact_limit = exact_limit
        self.db_path = self.path / "rag.db"
        self.index_dir = self.path / "indexes"
        self._clock = clock
        self._lock = threading.RLock()
        self._db = Database(self.db_path, component="rag_store", migrations=_SCHEMA)
        self._indexes = IndexCache(
            self._db, self.index_dir, self.config.hnsw, exact_limit=exact_limit, clock=clock
        )

    # Namespaces -------------------------------------------------------------------------------

    @_mapped
    def namespace(
        self,
        name: str,
        *,
        dimension: int,
        model: str | None = None,
        create: bool = True,
        expires_at: float | None = None,
    ) -> NamespaceInfo:
        """The namespace `name`, created when missing (if `create`); its dimension must match.

        A given `model` must match the one the namespace was created with; a given
        `expires_at` (session collections) is stored, replacing the previous expiry.
        """
        _check_name(name, "namespace")
        if not isinstance(dimension, int) or isinstance(dimension, bool) or dimension <= 0:
            raise ValidationError(f"dimension must be a positive integer, got {dimension!r}")
        dropped: list[NamespaceRow] = []
        with self._lock, self._write() as conn:
            row = _select_ns(conn, name)
            if row is not None and _expired(row, self._clock()):
                self._drop(conn, row)
                dropped.append(row)
                row = None
            if row is None:
                if not create:
                    raise ValidationError(f"there is no collection (namespace) {name!r}")
                row = self._create(conn, name, dimension, model or "unknown", expires_at)
            else:
                _check_dimension(row, dimension, "the new vectors")
                if model is not None and model != row.model:
                    raise ValidationError(
                        f"namespace {name!r} holds vectors of model {row.model!r}; "
                        f"vectors of {model!r} cannot be searched together with them",
                        hint="Use another collection, or delete this one first.",
                    )
                if expires_at is not None:
                    conn.execute(
                        "UPDATE rag_namespaces SET expires_at = ? WHERE id = ?",
                        (expires_at, row.id),
                    )
                    row.expires_at = expires_at
            info = self._info(conn, row)
        for gone in dropped:
            self._indexes.forget(gone)
        return info

    @_mapped
    def info(self, name: str) -> NamespaceInfo | None:
        """The namespace's description and sizes, or None when it does not exist (or expired)."""
        conn = self._read()
        row = _select_ns(conn, name)
        if row is None or _expired(row, self._clock()):
            return None
        return self._info(conn, row)

    @_mapped
    def namespaces(self) -> list[NamespaceInfo]:
        """Every live namespace, by name."""
        return [self._from_stats(name, s) for name, s in self.stats()["namespaces"].items()]

    @_mapped
    def delete_namespace(self, name: str) -> int:
        """Delete a namespace with its documents and index files; the number of chunks removed."""
        with self._lock, self._write() as conn:
            row = _select_ns(conn, name)
            if row is None:
                return 0
            removed = self._drop(conn, row)
        self._indexes.forget(row)
        return removed

    def _create(
        self,
        conn: sqlite3.Connection,
        name: str,
        dimension: int,
        model: str,
        expires_at: float | None,
    ) -> NamespaceRow:
        gen = _next_generation(conn)
        cur = conn.execute(
            "INSERT INTO rag_namespaces (name, dimension, model, metric, created_at, expires_at,"
            " generation) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, dimension, model, self.config.hnsw.metric, self._clock(), expires_at, gen),
        )
        ns_id = int(cur.lastrowid or 0)
        conn.execute(
            f"CREATE VIRTUAL TABLE {_fts(ns_id)} USING fts5(text, content='rag_chunks',"
            " content_rowid='label', tokenize='unicode61 remove_diacritics 2')"
        )
        conn.execute(f"CREATE VIRTUAL TABLE {_vocab(ns_id)} USING fts5vocab({_fts(ns_id)}, 'row')")
        row = _select_ns(conn, name)
        assert row is not None
        return row

    def _drop(self, conn: sqlite3.Connection, row: NamespaceRow) -> int:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM rag_chunks WHERE ns_id = ?", (row.id,)
        ).fetchone()
        conn.execute(f"DROP TABLE IF EXISTS {_vocab(row.id)}")
        conn.execute(f"DROP TABLE IF EXISTS {_fts(row.id)}")
        conn.execute("DELETE FROM rag_chunks WHERE ns_id = ?", (row.id,))
        conn.execute("DELETE FROM rag_documents WHERE ns_id = ?", (row.id,))
        conn.execute("DELETE FROM rag_namespaces WHERE id = ?", (row.id,))
        return int(count)

    # Documents --------------------------------------------------------------------------------

    @_mapped
    def upsert(
        self,
        ns: str,
        doc_id: str,
        chunks: Sequence[StoredChunk],
        metadata: Mapping[str, Any] | None = None,
        *,
        expires_at: float | None = None,
    ) -> int:
        """Store a document's chunks, replacing any it had, in one transaction; the count.

        Each chunk's metadata is merged over the document's; `expires_at` applies to chunks
        without their own. The namespace must exist (see `namespace`).
        """

        _check_name(doc_id, "document id")
        doc_meta = _metadata(metadata, f"document {doc_id!r}")
        doc_json = json.dumps(doc_meta, allow_nan=False)
        if not isinstance(chunks, Sequence) or isinstance(chunks, str | bytes):
            raise ValidationError(f"chunks must be a list, got {type(chunks).__name__}")
        prepared: list[tuple[str, str, np.ndarray, float | None, int]] = []
        for i, chunk in enumerate(chunks):
            if not isinstance(chunk, StoredChunk):
                raise ValidationError(f"chunk {i} must be a StoredChunk, got {type(chunk)}")
            if not isinstance(chunk.text, str):
                raise ValidationError(f"chunk {i} text must be a string, got {type(chunk.text)}")
            vector = _vector(chunk.vector, f"chunk {i} of {doc_id!r}")
            meta = {**doc_meta, **_metadata(chunk.metadata, f"chunk {i} of {doc_id!r}")}
            size = len(chunk.text.encode()) + vector.nbytes
            expiry = chunk.expires_at if chunk.expires_at is not None else expires_at
            prepared.append((chunk.text, json.dumps(meta, allow_nan=False), vector, expiry, size))
        total = sum(p[4] for p in prepared)
        with self._lock:
            entry = self._entry(ns, required=True)
            assert entry is not None
            for _, _, vector, _, _ in prepared:
                _check_dimension(entry.row, vector.shape[0], f"document {doc_id!r}")
            now = self._clock()
            with self._write() as conn:
                row = self._current_row(conn, entry)
                old = conn.execute(
                    "SELECT label, text FROM rag_chunks WHERE ns_id = ? AND doc_id = ?",
                    (row.id, doc_id),
                ).fetchall()
                self._check_capacity(entry, len(prepared) - len(old))
                fts = _fts(row.id)
                for label, text in old:
                    conn.execute(
                        f"INSERT INTO {fts} ({fts}, rowid, text) VALUES ('delete', ?, ?)",
                        (label, text),
                    )
                conn.execute(
                    "DELETE FROM rag_chunks WHERE ns_id = ? AND doc_id = ?", (row.id, doc_id)
                )
                conn.execute(
                    "INSERT INTO rag_documents (ns_id, doc_id, metadata, chunk_count, bytes,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (ns_id, doc_id) DO UPDATE SET metadata = excluded.metadata,"
                    " chunk_count = excluded.chunk_count, bytes = excluded.bytes,"
                    " updated_at = excluded.updated_at",
                    (row.id, doc_id, doc_json, len(prepared), total, now, now),
                )
                labels = []
                for index, (text, meta_json, vector, expiry, _) in enumerate(prepared):
                    cur = conn.execute(
                        "INSERT INTO rag_chunks (ns_id, doc_id, chunk_index, text, metadata,"
                        " vector, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (row.id, doc_id, index, text, meta_json, _blob(vector), now, expiry),
                    )
                    label = int(cur.lastrowid or 0)
                    labels.append(label)
                    conn.execute(f"INSERT INTO {fts} (rowid, text) VALUES (?, ?)", (label, text))
                before, after = self._bump(conn, row)
            self._indexes.apply(
                entry,
                before,
                after,
                removed=[label for label, _ in old],
                added=labels,
                vectors=[p[2] for p in prepared],
            )
        return len(prepared)

    @_mapped
    def delete_document(self, ns: str, doc_id: str) -> int:
        """Delete a document and its chunks; the number of chunks removed (0: none)."""
        with self._lock:
            with self._write() as conn:
                row = _select_ns(conn, ns)
                if row is None:
                    return 0
                old = conn.execute(
                    "SELECT label, text FROM rag_chunks WHERE ns_id = ? AND doc_id = ?",
                    (row.id, doc_id),
                ).fetchall()
                (known,) = conn.execute(
                    "SELECT COUNT(*) FROM rag_documents WHERE ns_id = ? AND doc_id = ?",
                    (row.id, doc_id),
                ).fetchone()
                if not known:
                    return 0
                _delete_chunks(conn, row.id, old)
                conn.execute(
                    "DELETE FROM rag_documents WHERE ns_id = ? AND doc_id = ?", (row.id, doc_id)
                )
                before, after = self._bump(conn, row)
            entry = self._indexes.loaded(ns, row.id)
            if entry is not None:
                self._indexes.apply(entry, before, after, removed=[label for label, _ in old])
        return len(old)

    @_mapped
    def documents(self, ns: str) -> list[DocumentInfo]:
        """The documents of a namespace, by id."""
        conn = self._read()
        row = _select_ns(conn, ns)
        if row is None or _expired(row, self._clock()):
            return []
        return [
            DocumentInfo(
                doc_id=doc_id,
                metadata=json.loads(meta),
                chunks=chunks,
                bytes=size,
                created_at=created,
                updated_at=updated,
            )
            for doc_id, meta, chunks, size, created, updated in conn.execute(
                "SELECT doc_id, metadata, chunk_count, bytes, created_at, updated_at"
                " FROM rag_documents WHERE ns_id = ? ORDER BY doc_id",
                (row.id,),
            )
        ]

    @_mapped
    def expire(self, now: float | None = None) -> int:
        """Delete expired chunks and expired namespaces; the number of chunks removed."""
        now = self._clock() if now is None else now
        removed = 0
        dropped: list[NamespaceRow] = []
        touched: list[tuple[NamespaceRow, int, int, list[int]]] = []
        with self._lock:
            with self._write() as conn:
                for row in _all_ns(conn):
                    if _expired(row, now):
                        removed += self._drop(conn, row)
                        dropped.append(row)
                        continue
                    old = conn.execute(
                        "SELECT label, text, doc_id FROM rag_chunks"
                        " WHERE ns_id = ? AND expires_at IS NOT NULL AND expires_at <= ?",
                        (row.id, now),
                    ).fetchall()
                    if not old:
                        continue
                    _delete_chunks(conn, row.id, [(label, text) for label, text, _ in old])
                    docs = sorted({doc for _, _, doc in old})
                    _recount(conn, row.id, docs)
                    before, after = self._bump(conn, row)
                    touched.append((row, before, after, [label for label, _, _ in old]))
                    removed += len(old)
            for gone in dropped:
                self._indexes.forget(gone)
            for row, before, after, labels in touched:
                entry = self._indexes.loaded(row.name, row.id)
                if entry is not None:
                    self._indexes.apply(entry, before, after, removed=labels)
        return removed

    # Searching --------------------------------------------------------------------------------

    @_mapped
    def search(
        self,
        ns: str,
        vector: Any,
        *,
        k: int = 10,
        filter: Mapping[str, Any] | None = None,
        threshold: float | None = None,
        ef: int | None = None,
    ) -> list[Hit]:
        """The `k` chunks nearest to `vector`, best first, among those matching `filter`."""
        import numpy as np

        k = _check_k(k)
        where, args = compile_filter(filter)
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            raise ValidationError(f"threshold must be a number, got {threshold!r}")
        if ef is not None and (isinstance(ef, bool) or not isinstance(ef, int) or ef < 1):
            raise ValidationError(f"ef must be a positive integer, got {ef!r}")
        query = _vector(vector, "the query vector")
        entry = self._entry(ns)
        if entry is None:
            return []
        if query.shape[0] != entry.row.dimension:
            _check_dimension(entry.row, query.shape[0], "the query vector")
        now = self._clock()
        conn = self._read()
        ns_id = entry.row.id
        fetch = k
        allowed: set[int] | None = None
        if where:
            allowed = {
                label
                for (label,) in conn.execute(
                    f"SELECT c.label FROM rag_chunks c WHERE c.ns_id = ? AND {_LIVE} AND {where}",
                    (ns_id, now, *args),
                )
            }
            if not allowed:
                return []
        else:
            expired = _expired_count(conn, ns_id, now)
            if expired > _OVERFETCH_EXPIRED:
                allowed = {
                    label
                    for (label,) in conn.execute(
                        f"SELECT c.label FROM rag_chunks c WHERE c.ns_id = ? AND {_LIVE}",
                        (ns_id, now),
                    )
                }
            else:
                fetch = k + expired
        pairs = entry.index.search(
            np.asarray(query, np.float32), fetch, allowed=allowed, threshold=threshold, ef=ef
        )
        return self._hits(conn, ns_id, pairs, now)[:k]

    @_mapped
    def keyword_search(
        self, ns: str, query: str, *, k: int = 10, filter: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """BM25 keyword search; the best hit scores 1 and the others their BM25 relative to it.

        The query is split into words (letters and digits) and any of them may match; no user
        text is ever read as FTS5 syntax. Words found in more than half of the namespace's
        chunks are left out when rarer ones remain: their BM25 weight is nil, and matching
        them would make the search read nearly every chunk.
        """
        k = _check_k(k)
        if not isinstance(query, str):
            raise ValidationError(f"the keyword query must be a string, got {type(query).__name__}")
        where, args = compile_filter(filter)
        words = query_words(query)
        conn = self._read()
        row = _select_ns(conn, ns)
        now = self._clock()
        if not words or row is None or _expired(row, now):
            return []
        fts = _fts(row.id)
        match = fts_query(self._informative(conn, row.id, words))
        expired = _expired_count(conn, row.id, now)
        if where or expired > _OVERFETCH_EXPIRED:
            sql = (
                f"SELECT c.label, bm25({fts}) AS rank FROM {fts}"
                f" JOIN rag_chunks c ON c.label = {fts}.rowid"
                f" WHERE {fts} MATCH ? AND c.ns_id = ? AND {_LIVE}"
                f"{f' AND {where}' if where else ''} ORDER BY rank, c.label LIMIT ?"
            )
            ranked = conn.execute(sql, (match, row.id, now, *args, k)).fetchall()
        else:
            ranked = conn.execute(
                f"SELECT rowid, bm25({fts}) AS rank FROM {fts} WHERE {fts} MATCH ?"
                " ORDER BY rank, rowid LIMIT ?",
                (match, k + expired),
            ).fetchall()
        hits = self._hits(conn, row.id, [(label, -rank) for label, rank in ranked], now)[:k]
        best = hits[0].score if hits else 0.0
        for hit in hits:
            hit.score = hit.score / best if best > 0 else 0.0
        return hits

    @staticmethod
    def _informative(conn: sqlite3.Connection, ns_id: int, words: list[str]) -> list[str]:
        """`words` without those in more than half the chunks, unless no other word is left."""
        (total,) = conn.execute(
            "SELECT COALESCE(SUM(chunk_count), 0) FROM rag_documents WHERE ns_id = ?", (ns_id,)
        ).fetchone()
        keys = {word: folded(word) for word in words}
        counts = dict(
            conn.execute(
                f"SELECT term, doc FROM {_vocab(ns_id)} WHERE term IN"
                " (SELECT value FROM json_each(?))",
                (json.dumps(sorted(set(keys.values()))),),
            ).fetchall()
        )
        kept = [word for word in words if counts.get(keys[word], 0) * 2 <= total]
        return kept or words

    @_mapped
    def similarities(self, ns: str, vector: Any, ids: Iterable[str]) -> dict[str, float]:
        """The exact vector score of each chunk id (`<doc_id>#<index>`) found in `ns`."""
        pairs = []
        for hit_id in ids:
            doc_id, sep, index = str(hit_id).rpartition("#")
            if sep and index.isdigit():
                pairs.append([doc_id, int(index)])
        query = _vector(vector, "the query vector")
        entry = self._entry(ns)
        if entry is None or not pairs:
            return {}
        if query.shape[0] != entry.row.dimension:
            _check_dimension(entry.row, query.shape[0], "the query vector")
        rows = (
            self._read()
            .execute(
                "SELECT c.label, c.doc_id, c.chunk_index FROM json_each(?) j"
                " CROSS JOIN rag_chunks c ON c.ns_id = ?"
                " AND c.doc_id = json_extract(j.value, '$[0]')"
                " AND c.chunk_index = json_extract(j.value, '$[1]')",
                (json.dumps(pairs), entry.row.id),
            )
            .fetchall()
        )
        scores = entry.index.scores(query, [label for label, _, _ in rows])
        return {
            f"{doc_id}#{index}": scores[label] for label, doc_id, index in rows if label in scores
        }

    def _hits(
        self, conn: sqlite3.Connection, ns_id: int, pairs: list[tuple[int, float]], now: float
    ) -> list[Hit]:
        if not pairs:
            return []
        found = {
            row[0]: row
            for row in conn.execute(
                "SELECT label, doc_id, chunk_index, text, metadata, expires_at, ns_id"
                " FROM rag_chunks WHERE label IN (SELECT value FROM json_each(?))",
                (json.dumps([label for label, _ in pairs]),),
            )
        }
        hits = []
        for label, score in pairs:
            row = found.get(label)
            if row is None or row[6] != ns_id or (row[5] is not None and row[5] <= now):
                continue
            hits.append(
                Hit(
                    id=f"{row[1]}#{row[2]}",
                    doc_id=row[1],
                    chunk_index=row[2],
                    text=row[3],
                    score=score,
                    metadata=json.loads(row[4]),
                    label=label,
                )
            )
        return hits

    # Sizes ------------------------------------------------------------------------------------

    @_mapped
    def stats(self, ns_prefix: str | None = None) -> dict[str, Any]:
        """Vectors, documents and bytes (text + vectors), per namespace and in total.

        Namespaces whose name starts with `ns_prefix` (all when None). Chunks past their
        expiry count until `expire()` removes them.
        """
        now = self._clock()
        prefix = ns_prefix or ""
        rows = (
            self._read()
            .execute(
                "SELECT n.name, n.dimension, n.model, n.metric, n.created_at, n.expires_at,"
                " COALESCE(SUM(d.chunk_count), 0), COUNT(d.doc_id), COALESCE(SUM(d.bytes), 0)"
                " FROM rag_namespaces n LEFT JOIN rag_documents d ON d.ns_id = n.id"
                " WHERE substr(n.name, 1, ?) = ? AND (n.expires_at IS NULL OR n.expires_at > ?)"
                " GROUP BY n.id ORDER BY n.name",
                (len(prefix), prefix, now),
            )
            .fetchall()
        )
        per = {
            name: {
                "vectors": vectors,
                "documents": documents,
                "bytes": size,
                "dimension": dimension,
                "model": model,
                "metric": metric,
                "created_at": created,
                "expires_at": expires,
            }
            for name, dimension, model, metric, created, expires, vectors, documents, size in rows
        }
        return {
            "namespaces": per,
            "vectors": sum(s["vectors"] for s in per.values()),
            "documents": sum(s["documents"] for s in per.values()),
            "bytes": sum(s["bytes"] for s in per.values()),
        }

    @staticmethod
    def _from_stats(name: str, s: Mapping[str, Any]) -> NamespaceInfo:
        return NamespaceInfo(
            name=name,
            dimension=s["dimension"],
            model=s["model"],
            metric=s["metric"],
            created_at=s["created_at"],
            expires_at=s["expires_at"],
            vectors=s["vectors"],
            documents=s["documents"],
            bytes=s["bytes"],
        )

    def _info(self, conn: sqlite3.Connection, row: NamespaceRow) -> NamespaceInfo:
        vectors, documents, size = conn.execute(
            "SELECT COALESCE(SUM(chunk_count), 0), COUNT(*), COALESCE(SUM(bytes), 0)"
            " FROM rag_documents WHERE ns_id = ?",
            (row.id,),
        ).fetchone()
        return NamespaceInfo(
            name=row.name,
            dimension=row.dimension,
            model=row.model,
            metric=row.metric,
            created_at=row.created_at,
            expires_at=row.expires_at,
            vectors=vectors,
            documents=documents,
            bytes=size,
        )

    @_mapped
    def memory_floats(self) -> int:
        """Floats the vectors of every live namespace take (vectors x dimension, summed)."""
        (total,) = (
            self._read()
            .execute(
                "SELECT COALESCE(SUM(d.chunk_count * n.dimension), 0)"
                " FROM rag_documents d JOIN rag_namespaces n ON n.id = d.ns_id"
                " WHERE n.expires_at IS NULL OR n.expires_at > ?",
                (self._clock(),),
            )
            .fetchone()
        )
        return int(total)

    @_mapped
    def document_chunks(self, ns: str, doc_ids: Iterable[str]) -> int:
        """How many chunks the listed documents of namespace `ns` hold (0 for unknown ones)."""
        conn = self._read()
        row = _select_ns(conn, ns)
        if row is None or _expired(row, self._clock()):
            return 0
        ids = list(dict.fromkeys(doc_ids))
        total = 0
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            (count,) = conn.execute(
                "SELECT COALESCE(SUM(chunk_count), 0) FROM rag_documents"
                f" WHERE ns_id = ? AND doc_id IN ({', '.join('?' * len(part))})",
                (row.id, *part),
            ).fetchone()
            total += int(count)
        return total

    @_mapped
    def version(self, name: str) -> tuple[int, int, float | None] | None:
        """What a search of `name` depends on: (namespace id, generation, next expiry).

        The generation is bumped by every write to the namespace, by any process sharing
        rag.db, and a deleted and re-created namespace has a new id; the next expiry is the
        earliest time a chunk (or the namespace) expires (None: never). None when the
        namespace does not exist or has expired.
        """
        conn = self._read()
        row = _select_ns(conn, name)
        now = self._clock()
        if row is None or _expired(row, now):
            return None
        (soonest,) = conn.execute(
            "SELECT MIN(expires_at) FROM rag_chunks"
            " WHERE ns_id = ? AND expires_at IS NOT NULL AND expires_at > ?",
            (row.id, now),
        ).fetchone()
        ends = [t for t in (soonest, row.expires_at) if t is not None]
        return row.id, row.generation, min(ends) if ends else None

    # Index files ------------------------------------------------------------------------------

    @_mapped
    def save(self) -> int:
        """Write the index file of every namespace changed since its last save; how many."""
        with self._lock:
            return self._indexes.save_changed()

    @_mapped
    def rebuild(self, ns: str) -> int:
        """Rebuild a namespace's index from the vectors in rag.db and save it; the vector count."""
        with self._lock:
            row = _select_ns(self._read(), ns)
            if row is None:
                raise ValidationError(f"there is no collection (namespace) {ns!r}")
            return len(self._indexes.rebuild(row).index)

    def close(self) -> None:
        """Save changed index files and close the database."""
        try:
            self.save()
        finally:
            with self._lock:
                self._indexes.clear()
                self._db.close()

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_capacity(self, entry: CachedIndex, growth: int) -> None:
        limit = self.config.hnsw.max_elements
        if growth > 0 and len(entry.index) + growth > limit:
            raise StorageError(
                f"namespace {entry.row.name!r} would hold {len(entry.index) + growth} vectors, "
                f"more than rag.vector_storage.hnsw.max_elements = {limit}",
                hint="Raise max_elements or spread the documents over more collections.",
            )

    def _current_row(self, conn: sqlite3.Connection, entry: CachedIndex) -> NamespaceRow:
        row = _select_ns(conn, entry.row.name)
        if row is None or row.id != entry.row.id:
            self._indexes.discard(entry.row.name)
            raise StorageError(
                f"namespace {entry.row.name!r} was deleted by another process; try again"
            )
        return row

    def _entry(self, ns: str, *, required: bool = False) -> CachedIndex | None:
        """The namespace's index, loaded and caught up with rag.db; None if there is none."""
        with self._lock:
            row = _select_ns(self._read(), ns)
            if row is None or _expired(row, self._clock()):
                if required:
                    raise ValidationError(
                        f"there is no collection (namespace) {ns!r}",
                        hint="Create it with VectorStore.namespace(name, dimension=...) first.",
                    )
                return None
            return self._indexes.get(row)

    def _bump(self, conn: sqlite3.Connection, row: NamespaceRow) -> tuple[int, int]:
        (before,) = conn.execute(
            "SELECT generation FROM rag_namespaces WHERE id = ?", (row.id,)
        ).fetchone()
        after = _next_generation(conn)
        conn.execute("UPDATE rag_namespaces SET generation = ? WHERE id = ?", (after, row.id))
        return int(before), after

    # SQLite -----------------------------------------------------------------------------------

    def _read(self) -> sqlite3.Connection:
        return self._db.connection()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.transaction()


# Rows -----------------------------------------------------------------------------------------


def _select_ns(conn: sqlite3.Connection, name: str) -> NamespaceRow | None:
    found = conn.execute(
        f"SELECT {_NS_COLUMNS} FROM rag_namespaces WHERE name = ?", (name,)
    ).fetchone()
    return _row(found) if found else None


def _all_ns(conn: sqlite3.Connection) -> list[NamespaceRow]:
    return [_row(r) for r in conn.execute(f"SELECT {_NS_COLUMNS} FROM rag_namespaces")]


def _row(r: Sequence[Any]) -> NamespaceRow:
    return NamespaceRow(
        id=r[0],
        name=r[1],
        dimension=r[2],
        model=r[3],
        metric=r[4],
        created_at=r[5],
        expires_at=r[6],
        generation=r[7],
    )


def _expired(row: NamespaceRow, now: float) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def _expired_count(conn: sqlite3.Connection, ns_id: int, now: float) -> int:
    """Chunks past their expiry that `expire()` has not removed yet."""
    (count,) = conn.execute(
        "SELECT COUNT(*) FROM rag_chunks WHERE ns_id = ?"
        " AND expires_at IS NOT NULL AND expires_at <= ?",
        (ns_id, now),
    ).fetchone()
    return int(count)


def _next_generation(conn: sqlite3.Connection) -> int:
    (value,) = conn.execute(
        "UPDATE rag_meta SET value = value + 1 WHERE name = 'generation' RETURNING value"
    ).fetchone()
    return int(value)


def _fts(ns_id: int) -> str:
    return f"rag_fts_{int(ns_id)}"


def _vocab(ns_id: int) -> str:
    return f"rag_ftsv_{int(ns_id)}"


def _delete_chunks(conn: sqlite3.Connection, ns_id: int, old: Sequence[Sequence[Any]]) -> None:
    fts = _fts(ns_id)
    for label, text in old:
        conn.execute(
            f"INSERT INTO {fts} ({fts}, rowid, text) VALUES ('delete', ?, ?)", (label, text)
        )
    conn.execute(
        "DELETE FROM rag_chunks WHERE label IN (SELECT value FROM json_each(?))",
        (json.dumps([label for label, _ in old]),),
    )


def _recount(conn: sqlite3.Connection, ns_id: int, doc_ids: Sequence[str]) -> None:
    """Refresh the counts of documents that lost chunks; drop those left with none."""
    ids = json.dumps(list(doc_ids))
    conn.execute(
        "UPDATE rag_documents SET"
        " chunk_count = (SELECT COUNT(*) FROM rag_chunks c"
        "   WHERE c.ns_id = rag_documents.ns_id AND c.doc_id = rag_documents.doc_id),"
        " bytes = (SELECT COALESCE(SUM(length(CAST(c.text AS BLOB)) + length(c.vector)), 0)"
        "   FROM rag_chunks c"
        "   WHERE c.ns_id = rag_documents.ns_id AND c.doc_id = rag_documents.doc_id)"
        " WHERE ns_id = ? AND doc_id IN (SELECT value FROM json_each(?))",
        (ns_id, ids),
    )
    conn.execute(
        "DELETE FROM rag_documents WHERE ns_id = ? AND chunk_count = 0"
        " AND doc_id IN (SELECT value FROM json_each(?))",
        (ns_id, ids),
    )


# Checks ---------------------------------------------------------------------------------------


def _check_name(value: Any, what: str) -> None:
    if not isinstance(value, str) or not value or "\x00" in value or len(value) > 1024:
        raise ValidationError(
            f"{what} must be a non-empty string (at most 1024 characters), got {value!r}"
        )


def _check_k(k: Any) -> int:
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ValidationError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
    return k


def _check_dimension(row: NamespaceRow, got: int, what: str) -> None:
    if got != row.dimension:
        raise ValidationError(
            f"{what} has dimension {got}, but namespace {row.name!r} holds "
            f"{row.dimension}-dimensional vectors (model {row.model!r}); nothing was written",
            hint="Embed with the model the collection was built with, or use another collection.",
        )


def _vector(value: Any, what: str) -> np.ndarray:
    import numpy as np

    try:
        vector = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what} must be a list of numbers ({exc})") from exc
    if vector.ndim != 1 or vector.shape[0] == 0:
        raise ValidationError(f"{what} must be a flat, non-empty list of numbers")
    if not np.isfinite(vector).all():
        raise ValidationError(f"{what} holds NaN or infinite values")
    return vector


def _metadata(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"metadata of {what} must be a table, got {type(value).__name__}")
    out = dict(value)
    for key in out:
        if not isinstance(key, str):
            raise ValidationError(f"metadata keys of {what} must be strings, got {key!r}")
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"metadata of {what} must be JSON-like values ({exc})") from exc
    return out


def _blob(vector: np.ndarray) -> bytes:
    return vector.astype("<f4").tobytes()
