"""AME: Aligning Multilingual word Embeddings for cross-modal retrieval (Mohammadshahi, Lebret,
Aberer 2019, "Aligning Multilingual Word Embeddings for Cross-Modal Retrieval Task").

Images and the captions of two languages are embedded in one joint space: a linear map of CNN
features for the images, and ONE GRU shared by both languages, over ONE word-embedding table that
holds both languages' words, for the captions (:mod:`tagbook.methods.retrieval.networks`). The
table starts from word vectors already aligned across the languages. Training minimises

.. math::

    \\mathcal{L} = \\mathcal{L}_{\\text{rank}} + \\mathcal{L}_{\\text{RCSLS}}   \\qquad \\text{(Eq. 4)}

with :math:`\\mathcal{L}_{\\text{rank}}` the pairwise hinge of VSE++ (Faghri et al. 2018) over the
batch's other captions and images, for the captions of both languages (Eq. 1), and
:math:`\\mathcal{L}_{\\text{RCSLS}}` the relaxed CSLS loss of Joulin et al. (2018) between the two
languages' CURRENT word embeddings over a bilingual lexicon (Eq. 3), so that fine-tuning the
embeddings for retrieval keeps the languages aligned
(:mod:`tagbook.methods.retrieval.losses`). The similarity is the cosine ("symmetric") or the
order-embedding score of Vendrov et al. (2016) ("asymmetric").

The baselines of the paper's tables are configurations (:func:`ame_preset`): ``"mono"``,
``"fme"`` (frozen embeddings), ``"ame"`` and ``"ame_no_alignment"``; the released code's
alignment update is ``alignment="released"`` (:mod:`tagbook.methods.retrieval.config`).

>>> vocab = SharedVocabulary.build({"en": en_train, "de": de_train}, {"en": en_vectors, "de": de_vectors})
>>> model = AME(ame_preset("ame", epochs=10)).fit(features, {"en": en_caps, "de": de_caps},
...                                               vocabulary=vocab, lexicon=en_de_pairs)
>>> sim = model.score(test_features, test_captions_de, "de")   # (n_images, n_captions)

Training runs unchanged under ``torchrun`` (:mod:`tagbook.methods.retrieval.training`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import torch

from tagbook.methods.retrieval.config import AMEConfig, ame_preset
from tagbook.methods.retrieval.losses import similarity_matrix, unit_rows
from tagbook.methods.retrieval.networks import AlignmentMatrices, AMENetwork, pad_captions
from tagbook.methods.retrieval.training import TrainingData, train_ame
from tagbook.methods.retrieval.vocabulary import SharedVocabulary
from tagbook.seeding import seed_everything
from tagbook.text.align import procrustes
from tagbook.training.distributed import DistributedContext
from tagbook.training.checkpoints import config_from_checkpoint, load_checkpoint, save_checkpoint

__all__ = ["AME", "AMEConfig", "ame_preset", "lexicon_pairs"]

Captions = Mapping[str, Sequence[Sequence[str | Sequence[str]]]]
Lexicon = Iterable[tuple[str, str]] | Mapping[tuple[str, str], Iterable[tuple[str, str]]]


def lexicon_pairs(lexicon: Lexicon, source: str, target: str) -> list[tuple[str, str]]:
    """The ``(source word, target word)`` pairs of a lexicon given as pairs (read as
    ``source -> target``) or as ``{(a, b): pairs}`` for one or both directions (a
    ``target -> source`` part is reversed and added)."""
    if isinstance(lexicon, Mapping):
        unknown = [key for key in lexicon if set(key) != {source, target}]
        if unknown:
            raise ValueError(f"lexicon directions must pair {source!r} and {target!r}, got {unknown}")
        pairs = [tuple(p) for p in lexicon.get((source, target), ())]
        pairs += [(b, a) for a, b in lexicon.get((target, source), ())]
        return pairs
    return [tuple(p) for p in lexicon]


def _check_features(features, name: str = "image_features") -> torch.Tensor:
    array = np.asarray(features, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (n_images, d) matrix, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return torch.from_numpy(np.ascontiguousarray(array))


class AME:
    """The multilingual image-caption model; ``fit`` on images with captions, ``score`` any
    captions of a known language against any images.

    After ``fit``: ``languages_``, ``vocabulary_``, ``network_``, ``matrices_`` (the alignment
    matrices), ``history_`` (losses per epoch) and ``monitored_`` (the monitor's values).
    """

    def __init__(self, config: AMEConfig | None = None):
        self.config = config or AMEConfig()
        self.config.validate()
        self.languages_: tuple[str, ...] = ()
        self.vocabulary_: SharedVocabulary | None = None
        self.network_: AMENetwork | None = None
        self.matrices_: AlignmentMatrices | None = None
        self.history_: list[dict] = []
        self.monitored_: list[dict] = []

    # -- training -----------------------------------------------------------------------------
    def fit(
        self,
        image_features: np.ndarray,
        captions: Captions,
        vocabulary: SharedVocabulary | None = None,
        word_vectors: Mapping[str, object] | None = None,
        lexicon: Lexicon | None = None,
        monitor: Callable[["AME", int, int], float | None] | None = None,
        monitor_every: int | None = None,
        keep_best: bool = True,
        context: DistributedContext | None = None,
    ) -> "AME":
        """Train on ``image_features (n_images, d)`` and ``captions[lang][i]``, the captions of
        image ``i`` in ``lang`` (strings split on white space, or token lists).

        - ``vocabulary``: the shared table (:class:`SharedVocabulary`); or pass ``word_vectors``
          (``{lang: aligned vectors}``) and it is built from the training captions.
        - ``lexicon``: the bilingual training lexicon for the alignment loss (pairs of the first
          language's word and the second's, or ``{(a, b): pairs}``); needed unless
          ``alignment="none"`` and ``translator_init="identity"``.
        - ``monitor(model, iteration, epoch)``: called every ``monitor_every`` iterations (None:
          every epoch) in eval mode; with ``keep_best`` the weights at its highest returned value
          are kept at the end (the paper's early stopping on the validation R@sum).
        """
        config = self.config
        features = _check_features(image_features)
        languages = tuple(captions)
        self._check_captions(captions, features.shape[0])
        if config.alignment != "none" and len(languages) != 2:
            raise ValueError(f"alignment={config.alignment!r} needs captions in two languages, got {languages}; "
                             "use alignment='none' (the 'mono' preset) for one language")
        if vocabulary is None:
            if word_vectors is None:
                raise ValueError("pass a vocabulary (SharedVocabulary) or the aligned word_vectors to build one")
            flat = {lang: [c for per_image in captions[lang] for c in per_image] for lang in languages}
            vocabulary = SharedVocabulary.build(flat, word_vectors, seed=config.seed)
        missing = [lang for lang in languages if lang not in vocabulary.languages]
        if missing:
            raise ValueError(f"the vocabulary has no words of {', '.join(missing)}")
        self.languages_, self.vocabulary_ = languages, vocabulary
        data = TrainingData(
            features=features,
            captions=[[[vocabulary.encode(c, lang) for c in per_image] for per_image in captions[lang]]
                      for lang in languages],
        )
        needs_lexicon = config.alignment != "none" or (config.translator_init == "procrustes" and len(languages) == 2)
        if needs_lexicon:
            if lexicon is None:
                raise ValueError(f"alignment={config.alignment!r} / translator_init={config.translator_init!r} "
                                 "needs a bilingual lexicon")
            data.pairs, data.neighbours = self._alignment_rows(lexicon)
        seed_everything(config.seed)
        self.network_ = AMENetwork(features.shape[1], vocabulary.vectors, config.joint_dim, config.gru_width,
                                   nonnegative=config.uses_abs, train_embeddings=config.train_embeddings)
        self.matrices_ = AlignmentMatrices(len(languages), vocabulary.dim, self._start_maps(data))
        wrapped = None if monitor is None else (lambda iteration, epoch: monitor(self, iteration, epoch))
        self.history_, self.monitored_, best = train_ame(self.network_, self.matrices_, data, config,
                                                         context=context, monitor=wrapped, monitor_every=monitor_every)
        if keep_best and best is not None:
            self.network_.load_state_dict(best["network"])
            self.matrices_.load_state_dict(best["matrices"])
        return self

    @staticmethod
    def _check_captions(captions: Captions, n_images: int) -> None:
        if not captions:
            raise ValueError("captions must hold at least one language")
        for lang, per_image in captions.items():
            if len(per_image) != n_images:
                raise ValueError(f"captions[{lang!r}] has {len(per_image)} entries but there are {n_images} images")
            empty = [i for i, c in enumerate(per_image) if isinstance(c, str) or len(c) == 0]
            if empty:
                raise ValueError(f"captions[{lang!r}][i] must be a non-empty list of captions; image {empty[0]} is not")

    def _alignment_rows(self, lexicon: Lexicon) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, ...]]:
        """``((rows of language 0, rows of language 1) of the lexicon pairs, neighbour rows per language)``."""
        a, b = self.languages_
        rows_a, rows_b = self.vocabulary_.pair_rows(lexicon_pairs(lexicon, a, b), a, b)
        if len(rows_a) == 0:
            raise ValueError(f"no lexicon pair has both words in the {a}/{b} vocabulary")
        cap = self.config.alignment_max_neighbours
        neighbours = tuple(torch.as_tensor(self.vocabulary_.rows(lang)[:cap]) for lang in (a, b))
        return (torch.as_tensor(rows_a), torch.as_tensor(rows_b)), neighbours

    def _start_maps(self, data: TrainingData) -> np.ndarray | None:
        """``translator_init="procrustes"``: the first language mapped onto the second by the
        orthogonal Procrustes solution on the lexicon (the released code's start), the second
        left as it is; otherwise identities."""
        if self.config.translator_init != "procrustes" or data.pairs is None:
            return None
        table = unit_rows(torch.as_tensor(self.vocabulary_.vectors)).numpy()
        first = procrustes(table[data.pairs[0].numpy()], table[data.pairs[1].numpy()])
        return np.stack([first, np.eye(first.shape[0])])

    # -- inference ----------------------------------------------------------------------------
    def _network(self) -> AMENetwork:
        if self.network_ is None:
            raise RuntimeError("the model is not trained: call fit() or AME.load() first")
        return self.network_

    def _lang_index(self, lang: str) -> int:
        if lang not in self.languages_:
            raise ValueError(f"language {lang!r} is not one this model was trained on ({', '.join(self.languages_)})")
        return self.languages_.index(lang)

    def encode_images(self, image_features: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Unit joint-space embeddings ``(n, joint_dim)`` of CNN features."""
        network = self._network()
        features = _check_features(image_features)
        network.eval()
        with torch.no_grad():
            return torch.cat([network.images(features[i : i + batch_size])
                              for i in range(0, len(features), batch_size)]).numpy()

    def encode_captions(self, captions: Sequence[str | Sequence[str]], lang: str, batch_size: int = 512) -> np.ndarray:
        """Unit joint-space embeddings ``(n, joint_dim)`` of captions in ``lang``."""
        network = self._network()
        index = self._lang_index(lang)
        ids = [self.vocabulary_.encode(c, lang) for c in captions]
        if not ids:
            return np.empty((0, self.config.joint_dim), dtype=np.float32)
        maps = None if self.matrices_.is_identity() else self.matrices_.maps.detach()
        network.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(ids), batch_size):
                tokens, lengths = pad_captions(ids[start : start + batch_size])
                languages = torch.full((len(tokens),), index, dtype=torch.long)
                out.append(network.captions(tokens, lengths, languages, maps))
        return torch.cat(out).numpy()

    def similarity(self, image_embeddings: np.ndarray, caption_embeddings: np.ndarray,
                   max_elements: int = 1 << 21) -> np.ndarray:
        """``(n_images, n_captions)`` scores of embedded images and captions with the model's
        similarity. The order score forms ``(n_images, block, d)`` differences: blocks of
        captions are sized so that each holds at most ``max_elements`` numbers (8 MB by default:
        blocks that stay in the CPU's cache score 1,000 x 5,000 at d = 64 about ten times faster
        than 64 MB blocks, with identical results)."""
        images = torch.as_tensor(np.asarray(image_embeddings, dtype=np.float32))
        captions = torch.as_tensor(np.asarray(caption_embeddings, dtype=np.float32))
        if images.ndim != 2 or captions.ndim != 2 or images.shape[1] != captions.shape[1]:
            raise ValueError(f"embeddings must be (n, d) with the same d, got {tuple(images.shape)} "
                             f"and {tuple(captions.shape)}")
        kind = self.config.similarity
        block = len(captions) if kind == "symmetric" else max(1, max_elements // max(1, images.numel()))
        with torch.no_grad():
            return torch.cat([similarity_matrix(images, captions[i : i + block], kind)
                              for i in range(0, max(len(captions), 1), max(block, 1))], dim=1).numpy()

    def score(self, image_features: np.ndarray, captions: Sequence[str | Sequence[str]], lang: str) -> np.ndarray:
        """``(n_images, n_captions)`` image-caption scores (higher is better)."""
        return self.similarity(self.encode_images(image_features), self.encode_captions(captions, lang))

    def word_vectors(self, lang: str, mapped: bool = True) -> tuple[list[str], np.ndarray]:
        """``(words, vectors)`` of ``lang`` now: the unit rows of the table, mapped by the
        language's alignment matrix when ``mapped`` (what the alignment loss and the alignment
        ratio compare)."""
        network = self._network()
        index = self._lang_index(lang)
        with torch.no_grad():
            rows = torch.as_tensor(self.vocabulary_.rows(lang))
            vectors = unit_rows(network.word_table[rows])
            if mapped:
                vectors = vectors @ self.matrices_.maps[index].T
        return list(self.vocabulary_.words[lang]), vectors.numpy()

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path, **metadata) -> Path:
        """Save config, vocabulary, weights, alignment matrices, histories and ``metadata``."""
        network = self._network()
        return save_checkpoint(
            path, "ame", self.config,
            languages=list(self.languages_), vocabulary=self.vocabulary_.to_dict(),
            image_dim=network.images.fc.in_features, network=network.state_dict(),
            matrices=self.matrices_.state_dict(), history=self.history_, monitored=self.monitored_, metadata=metadata,
        )

    @classmethod
    def load(cls, path: str | Path) -> tuple["AME", dict]:
        """Load a model saved with :meth:`save`; returns ``(model, metadata)``."""
        blob = load_checkpoint(path, "ame", "AME model")
        model = cls(config_from_checkpoint(blob, AMEConfig))
        model.languages_ = tuple(blob["languages"])
        model.vocabulary_ = SharedVocabulary.from_dict(blob["vocabulary"])
        config = model.config
        model.network_ = AMENetwork(blob["image_dim"], model.vocabulary_.vectors, config.joint_dim, config.gru_width,
                                    nonnegative=config.uses_abs, train_embeddings=config.train_embeddings)
        model.network_.load_state_dict(blob["network"])
        model.network_.eval()
        model.matrices_ = AlignmentMatrices(len(model.languages_), model.vocabulary_.dim)
        model.matrices_.load_state_dict(blob["matrices"])
        model.history_ = list(blob.get("history", []))
        model.monitored_ = list(blob.get("monitored", []))
        return model, dict(blob.get("metadata", {}))
