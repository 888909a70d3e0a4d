"""Zero-shot cross-lingual annotation (Wei, Wang and Li 2017): machine translation, ConSE,
HierSE and the label-enhanced method, and the source models they harvest."""
