"""Annotation methods, one module per method (import the module you need)."""
