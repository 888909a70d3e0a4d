"""Image tagging over a tag vocabulary: DREL and its baselines (chapter 03), sampled tagging at web scale (chapter 04)."""
