"""Evaluation metrics, each matching the papers' definitions (see each function's docstring)."""
