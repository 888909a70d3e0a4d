"""Text resources: tokenisers, word vectors, lexicons, alignment and bilingual skip-gram.

Import the submodules directly (``from tagbook.text.vectors import load_vectors``); this package
itself imports nothing heavy.
"""
