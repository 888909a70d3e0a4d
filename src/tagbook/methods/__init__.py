"""The papers' methods and baselines, grouped by family: ``zeroshot`` (chapter 02), ``vse``
(chapter 05), ``tagging`` (chapters 03 and 04) and ``retrieval`` (chapter 06). A method never
imports metrics, report, experiments, apps or cli."""
