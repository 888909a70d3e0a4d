"""Visual-semantic embeddings at the conv level and pooled (Kovacs and Bremner 2019)."""
