"""One module per chapter: the runs a chapter makes, its paper-vs-ours tables and its claims
checks. The notebooks call these."""
