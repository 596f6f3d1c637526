"""The ingest pipeline's steps: files to documents, chunks, vectors (checked against the
collection) and rows.

Every check runs before anything is embedded or stored, so a bad document refuses the whole
call and leaves the store as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ValidationError
from llmspell.rag.chunking import Chunk, chunk_text
from llmspell.rag.documents import load_document, supported_formats
from llmspell.rag.embeddings import EmbeddingService, EmbedResult
from llmspell.rag.namespaces import Namespace
from llmspell.rag.options import ChunkSettings, DocInput
from llmspell.rag.store import NamespaceInfo, StoredChunk

if TYPE_CHECKING:
    import numpy as np

    from llmspell.security import PathPolicy

__all__ = [
    "PreparedDoc",
    "check_collection",
    "chunk_documents",
    "embed_texts",
    "expand_paths",
    "load_paths",
    "stored_chunks",
]

Progress = Callable[[int, int], None]
EMBED_SLICE = 256


@dataclass(slots=True)
class PreparedDoc:
    """A document ready to embed: its id, metadata and chunks."""

    doc_id: str
    metadata: dict[str, Any]
    chunks: list[Chunk]
    source: str


def load_paths(
    docs: list[DocInput], paths: PathPolicy | None, *, optional: Collection[str] = ()
) -> list[dict[str, str]]:
    """Fill in the text and metadata of `{path = ...}` documents (confined by `paths`).

    A file in `optional` (found by walking a directory) that cannot be read is dropped from
    `docs` and reported in the returned list as `{path, reason}`; any other failure raises.
    """
    skipped: list[dict[str, str]] = []
    kept: list[DocInput] = []
    for doc in docs:
        if doc.path is None:
            kept.append(doc)
            continue
        try:
            path = Path(doc.path) if paths is None else paths.check(doc.path, "r")
            loaded = load_document(path)
            if not loaded.text.strip():
                raise ValidationError(f"RAG.ingest: {doc.path} holds no text to ingest")
        except ValidationError as exc:
            if doc.path not in optional:
                raise
            skipped.append({"path": doc.path, "reason": str(exc)})
            continue
        doc.text = loaded.text
        doc.metadata = {**loaded.metadata, **doc.metadata}
        doc.path = str(path)
        kept.append(doc)
    docs[:] = kept
    return skipped


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], set[Path]]:
    """Files as given, then every supported file below each directory (hidden ones skipped);
    and the set of those found in directories (rather than named)."""
    suffixes = set(supported_formats())
    found: list[Path] = []
    walked: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if not path.is_dir():
            found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                    found.append(Path(root) / name)
                    walked.add(Path(root) / name)
    named = set(found) - walked
    return list(dict.fromkeys(found)), walked - named


def chunk_documents(
    docs: Sequence[DocInput], settings: ChunkSettings, extra: dict[str, Any]
) -> list[PreparedDoc]:
    """Each document's chunks, with the call's metadata under the document's own."""
    prepared = []
    for doc in docs:
        chunks = chunk_text(
            doc.text,
            strategy=settings.strategy,
            chunk_size=settings.chunk_size,
            overlap=settings.overlap,
            min_chunk_size=settings.min_chunk_size,
            max_chunk_size=settings.max_chunk_size,
        )
        if not chunks:
            raise ValidationError(
                f"RAG.ingest: document {doc.document_id()!r} has no words to index"
            )
        source = str(doc.metadata.get("source") or doc.path or "text")
        prepared.append(PreparedDoc(doc.document_id(), {**extra, **doc.metadata}, chunks, source))
    return prepared


def stored_chunks(
    doc: PreparedDoc,
    vectors: np.ndarray,
    *,
    tenant: str | None,
    expires_at: float | None,
) -> list[StoredChunk]:
    """The rows of one document: document_id, chunk_index and source on every chunk."""
    rows = []
    for chunk, vector in zip(doc.chunks, vectors, strict=True):
        meta: dict[str, Any] = {
            "document_id": doc.doc_id,
            "chunk_index": chunk.index,
            "source": doc.source,
        }
        if tenant is not None:
            meta["tenant_id"] = tenant
        rows.append(StoredChunk(chunk.text, vector, meta, expires_at))
    return rows


def embed_texts(
    embeddings: EmbeddingService,
    texts: list[str],
    provider: str,
    model: str,
    on_progress: Progress | None,
) -> EmbedResult:
    """All vectors at once, or in slices of `EMBED_SLICE` reporting progress between them."""
    if on_progress is None or len(texts) <= EMBED_SLICE:
        done = embeddings.embed(texts, provider=provider, model=model)
        if on_progress is not None:
            on_progress(len(texts), len(texts))
        return done
    import numpy as np

    parts = []
    for start in range(0, len(texts), EMBED_SLICE):
        part = texts[start : start + EMBED_SLICE]
        parts.append(embeddings.embed(part, provider=provider, model=model))
        on_progress(min(start + EMBED_SLICE, len(texts)), len(texts))
    return EmbedResult(
        vectors=np.vstack([p.vectors for p in parts]),
        provider=parts[0].provider,
        model=parts[0].model,
        tokens=sum(p.tokens for p in parts),
        cached=sum(p.cached for p in parts),
        truncated=sum(p.truncated for p in parts),
    )


def check_collection(
    info: NamespaceInfo | None, ns: Namespace, dim: int, model_id: str, *, expected: int
) -> None:
    """Refuse vectors of another size or model than the collection already holds, and a new
    collection's vectors of another size than `rag.vector_storage.dimensions`."""
    if info is None:
        if dim != expected:
            raise ValidationError(
                f"RAG.ingest: the embeddings of {model_id} have {dim} dimensions, but "
                f"`rag.vector_storage.dimensions` = {expected}; nothing was stored",
                hint=f"Set `rag.vector_storage.dimensions = {dim}` for this model, or choose "
                f"a model that gives {expected}-dimension vectors (OpenAI's text-embedding-3 "
                "models take a `dimensions` option in [providers.<name>]).",
            )
        return
    if info.dimension != dim:
        raise ValidationError(
            f"RAG.ingest: the embeddings of {model_id} have {dim} dimensions, but "
            f"collection {ns.name!r} holds {info.dimension}-dimensional vectors of "
            f"{info.model}; nothing was stored",
            hint="Ingest with the collection's own model (leave provider and model unset), "
            "or use another collection.",
        )
    if info.model != model_id:
        raise ValidationError(
            f"RAG.ingest: collection {ns.name!r} holds vectors of {info.model}; vectors of "
            f"{model_id} cannot be searched together with them; nothing was stored",
            hint="Leave provider and model unset to use the collection's model, "
            "or use another collection.",
        )
