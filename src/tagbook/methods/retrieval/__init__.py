"""Image-caption retrieval across languages (chapter 06).

AME (Mohammadshahi, Lebret, Aberer 2019) and its baselines: :class:`AME` with
:func:`ame_preset` (``"mono"``, ``"fme"``, ``"ame"``, ``"ame_no_alignment"``), the shared
word-embedding table :class:`SharedVocabulary`, and the losses in
:mod:`tagbook.methods.retrieval.losses`.
"""

from tagbook.methods.retrieval.ame import AME, lexicon_pairs
from tagbook.methods.retrieval.config import AMEConfig, ame_preset
from tagbook.methods.retrieval.vocabulary import SharedVocabulary

__all__ = ["AME", "AMEConfig", "SharedVocabulary", "ame_preset", "lexicon_pairs"]
