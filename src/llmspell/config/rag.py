"""`[rag]`: vector storage, embeddings, chunking and the search cache for retrieval."""

from __future__ import annotations

from typing import Literal

from llmspell.config.section import ConfigProblem, Field, Section

DistanceMetric = Literal["cosine", "euclidean", "innerproduct"]
ChunkingStrategy = Literal["sliding_window", "sentence", "token", "semantic"]
SearchMode = Literal["vector", "hybrid", "keyword"]
VectorBackend = Literal["hnsw"]


class HnswConfig(Section):
    """`[rag.vector_storage.hnsw]`: the HNSW index."""

    m: int = Field(
        default=16, ge=2, description="Links per node; more: better recall, more memory."
    )
    ef_construction: int = Field(
        default=200, gt=0, description="Candidate list size while building."
    )
    ef_search: int = Field(default=50, gt=0, description="Candidate list size while searching.")
    max_elements: int = Field(default=1_000_000, gt=0, description="Capacity of one index.")
    seed: int | None = Field(default=None, description="Random seed for reproducible indexes.")
    metric: DistanceMetric = Field(
        default="cosine",
        values={"inner_product": "innerproduct", "dot": "innerproduct", "l2": "euclidean"},
        description="Distance: cosine, euclidean or innerproduct.",
    )
    allow_replace_deleted: bool = Field(default=True, description="Reuse slots of deleted vectors.")
    num_threads: int | None = Field(
        default=None, gt=0, description="Threads for batch inserts; unset: one per core."
    )


class VectorStorageConfig(Section):
    """`[rag.vector_storage]`: where vectors live."""

    dimensions: int = Field(
        default=384,
        gt=0,
        description="Vector size every new collection's embeddings must have (the local "
        "model gives 384); a collection refuses vectors of another size.",
    )
    backend: VectorBackend = Field(default="hnsw", description="Index type (only `hnsw`).")
    persistence_path: str | None = Field(
        default=None,
        description="Directory for saved indexes; unset: `<llmspell home>/rag`.",
        example='"./data/rag/vectors"',
    )
    max_memory_mb: float = Field(
        default=500,
        gt=0,
        description="Memory budget in MB for the vectors of all collections, estimated as "
        "vectors x dimensions x 4 bytes x 2 (the vectors plus the HNSW graph); an ingest that "
        "would exceed it is refused before anything is stored.",
    )
    hnsw: HnswConfig = Field(default_factory=HnswConfig, description="HNSW parameters.")


class EmbeddingConfig(Section):
    """`[rag.embedding]`: how text becomes vectors."""

    default_provider: str = Field(
        default="local",
        description="Embedding provider: `local` (the bundled offline all-MiniLM-L6-v2 model) "
        "or a `[providers]` name or vendor (openai, ollama, ...).",
    )
    model: str | None = Field(
        default=None,
        description="Embedding model; unset: the provider's default "
        "(`all-minilm-l6-v2` for `local`).",
        example='"text-embedding-3-small"',
    )
    cache_enabled: bool = Field(default=True, description="Cache embeddings of repeated texts.")
    cache_size: int = Field(default=10_000, ge=0, description="Embeddings kept in the cache.")
    cache_ttl_seconds: int = Field(
        default=3600, ge=0, description="Cache entry lifetime; 0: forever."
    )
    batch_size: int = Field(default=32, gt=0, description="Texts per embedding request.")
    timeout_seconds: float = Field(
        default=30,
        gt=0,
        description="Per-request timeout of a remote embedding provider, in seconds; replaces "
        "the provider's own `timeout_seconds` for RAG embeddings (not used by `local`).",
    )
    max_retries: int = Field(
        default=3,
        ge=0,
        description="Retries of a failed remote embedding request (429, 5xx, dropped "
        "connections); replaces the provider's own `max_retries` for RAG embeddings.",
    )


class ChunkingConfig(Section):
    """`[rag.chunking]`: how documents are split before embedding."""

    strategy: ChunkingStrategy = Field(
        default="sliding_window",
        description="sliding_window, sentence, token, or semantic (sentence packing that "
        "also closes chunks at paragraph breaks).",
    )
    chunk_size: int = Field(
        default=200,
        gt=0,
        description="Target chunk size in tokens (word and punctuation tokens); 200 fits the "
        "local model's 256-token window.",
    )
    overlap: int = Field(default=32, ge=0, description="Tokens shared by neighbouring chunks.")
    max_chunk_size: int = Field(default=2048, gt=0, description="Hard upper bound per chunk.")
    min_chunk_size: int = Field(default=50, ge=0, description="Smaller trailing chunks are merged.")

    def check(self) -> None:
        if self.overlap >= self.chunk_size:
            raise ConfigProblem(
                "overlap",
                f"must be less than chunk_size ({self.chunk_size}), got {self.overlap}",
            )
        if self.min_chunk_size > self.max_chunk_size:
            raise ConfigProblem(
                "min_chunk_size",
                f"must not exceed max_chunk_size ({self.max_chunk_size}), "
                f"got {self.min_chunk_size}",
            )


class RagCacheConfig(Section):
    """`[rag.cache]`: the search result cache."""

    search_cache_enabled: bool = Field(
        default=True,
        description="Answer a repeated search (same collection and request) from memory, "
        "without embedding the query again; any write to the collection, by this or another "
        "process, invalidates its entries.",
    )
    search_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Search results kept (least recently used go first); 0: none.",
    )
    search_cache_ttl_seconds: float = Field(
        default=300,
        ge=0,
        description="Lifetime of a cached search result in seconds; "
        "0: until the collection changes.",
    )


class RagSearchConfig(Section):
    """`[rag.search]`: defaults for `RAG.search` and `llmspell rag search`."""

    default_k: int = Field(default=10, gt=0, description="Results returned when k is not given.")
    max_k: int = Field(default=1000, gt=0, description="Largest k a search may ask for.")
    mode: SearchMode = Field(
        default="vector",
        description="vector (embeddings), keyword (BM25) or hybrid (weighted sum of both).",
    )
    vector_weight: float = Field(
        default=0.7, ge=0, description="Hybrid: weight of the vector (cosine) score."
    )
    keyword_weight: float = Field(
        default=0.3, ge=0, description="Hybrid: weight of the normalised BM25 keyword score."
    )

    def check(self) -> None:
        if self.default_k > self.max_k:
            raise ConfigProblem(
                "default_k", f"must not exceed max_k ({self.max_k}), got {self.default_k}"
            )
        if self.vector_weight + self.keyword_weight <= 0:
            raise ConfigProblem("keyword_weight", "vector_weight + keyword_weight must be > 0")


class RagTenancyConfig(Section):
    """`[rag.tenancy]`: default quotas of every tenant (unset: unlimited) and session TTLs."""

    max_vectors: int | None = Field(
        default=None, gt=0, description="Vectors (chunks) one tenant may store; unset: no limit."
    )
    max_storage_bytes: int | None = Field(
        default=None,
        gt=0,
        description="Bytes of chunk text and vectors one tenant may store; unset: no limit.",
    )
    max_queries_per_minute: int | None = Field(
        default=None, gt=0, description="Searches per tenant in any 60-second window."
    )
    max_embedding_tokens: int | None = Field(
        default=None, gt=0, description="Tokens one tenant may send to embedding models in total."
    )
    session_ttl_seconds: int = Field(
        default=3600,
        ge=0,
        description="Default lifetime of a session collection's vectors; 0: no expiry.",
    )


class RagConfig(Section):
    """`[rag]`: retrieval-augmented generation; the `RAG` global needs `enabled = true`."""

    enabled: bool = Field(
        default=False, description="Turn RAG on (the `RAG` global and `llmspell rag`)."
    )
    multi_tenant: bool = Field(default=False, description="Keep each tenant's vectors apart.")
    vector_storage: VectorStorageConfig = Field(
        default_factory=VectorStorageConfig, description="Vector storage."
    )
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig, description="Embeddings.")
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig, description="Chunking.")
    cache: RagCacheConfig = Field(
        default_factory=RagCacheConfig, description="Search result cache."
    )
    search: RagSearchConfig = Field(default_factory=RagSearchConfig, description="Search.")
    tenancy: RagTenancyConfig = Field(
        default_factory=RagTenancyConfig, description="Tenant quotas and session TTLs."
    )
