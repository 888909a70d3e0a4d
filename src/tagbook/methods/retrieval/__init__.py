"""Image-caption retrieval across languages (chapter 06)."""
