"""Retrieval-augmented generation: chunking, documents, embeddings, vector storage."""
