"""AME's shared caption encoder trained on captions of two languages alone (chapter 06, Table 5
without image features).

The paper's caption-caption experiment (Mohammadshahi, Lebret, Aberer 2019, Table 5) scores the
encoder trained through the IMAGES: a caption is embedded by the shared GRU and the other
language's captions of the same image are retrieved by the similarity of their embeddings. When
no image features exist (real Multi30k offline), the image can still serve as the PIVOT that pairs
the captions: every training item is one caption of an image in the first language with one
caption of the same image in the second, and the ranking loss of VSE++ (Eq. 1) is taken between
the two languages' caption embeddings, the first language's in the role of the images. Everything
else is AME's: one GRU over one embedding table of both languages, initialised from aligned
vectors, the RCSLS alignment loss between the languages' current word embeddings (Eq. 3-4, the
``"paper"`` and ``"released"`` variants of :mod:`tagbook.methods.retrieval.config`), frozen
embeddings for FME. This is not the paper's training signal: it is a direct translation-retrieval
objective, so the numbers it gives are not the paper's Table 5 (which never pairs captions).

>>> model = CaptionPairModel(ame_preset("ame", epochs=5)).fit({"en": en_caps, "de": de_caps},
...                                                           word_vectors=vectors, lexicon=pairs)
>>> sim = model.similarity(model.encode(en_test, "en"), model.encode(de_test, "de"))
"""

from __future__ import annotations

import copy
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from tagbook.methods.retrieval.config import AMEConfig
from tagbook.methods.retrieval.losses import ranking_loss, similarity_matrix, unit_rows
from tagbook.methods.retrieval.networks import AlignmentMatrices, CaptionEncoder, pad_captions
from tagbook.methods.retrieval.training import ReleasedAlignmentStep, TrainingData, joint_update
from tagbook.methods.retrieval.vocabulary import SharedVocabulary
from tagbook.seeding import seed_everything

__all__ = ["CaptionPairModel", "pair_items"]


def pair_items(counts_a: Sequence[int], counts_b: Sequence[int]) -> np.ndarray:
    """Rows ``(image, caption of language A, caption of language B)``: for each image, as many
    pairs as its larger caption count, caption ``slot % n`` of each side (every caption used)."""
    rows = [(image, slot % a, slot % b) for image, (a, b) in enumerate(zip(counts_a, counts_b))
            for slot in range(max(a, b))]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


class CaptionPairModel:
    """The shared GRU caption encoder of AME, trained on caption pairs of two languages.

    After ``fit``: ``languages_``, ``vocabulary_``, ``encoder_``, ``matrices_``, ``history_``
    (mean losses per epoch) and ``monitored_`` (the monitor's values).
    """

    def __init__(self, config: AMEConfig | None = None):
        self.config = config or AMEConfig()
        self.config.validate()
        self.languages_: tuple[str, ...] = ()
        self.vocabulary_: SharedVocabulary | None = None
        self.encoder_: CaptionEncoder | None = None
        self.matrices_: AlignmentMatrices | None = None
        self.history_: list[dict] = []
        self.monitored_: list[dict] = []

    def fit(self, captions: Mapping[str, Sequence[Sequence[Sequence[str]]]], vocabulary: SharedVocabulary | None = None,
            word_vectors: Mapping[str, object] | None = None, lexicon: Sequence[tuple[str, str]] | None = None,
            monitor: Callable[["CaptionPairModel", int, int], float | None] | None = None,
            monitor_every: int | None = None, keep_best: bool = True) -> "CaptionPairModel":
        """Train on ``captions[lang][i]``, the captions of image ``i`` in each of TWO languages
        (token lists or strings). ``monitor(model, iteration, epoch)`` is called every
        ``monitor_every`` iterations (None: every epoch; also once before training, at iteration
        0); with ``keep_best`` the weights at its highest value are kept."""
        config = self.config
        languages = tuple(captions)
        if len(languages) != 2:
            raise ValueError(f"caption pairs need exactly two languages, got {languages}")
        a, b = languages
        if len(captions[a]) != len(captions[b]) or not len(captions[a]):
            raise ValueError(f"both languages need captions of the same images, got {len(captions[a])} and "
                             f"{len(captions[b])}")
        if any(len(c) == 0 for lang in languages for c in captions[lang]):
            raise ValueError("every image needs at least one caption in each language")
        if vocabulary is None:
            if word_vectors is None:
                raise ValueError("pass a vocabulary (SharedVocabulary) or the aligned word_vectors to build one")
            flat = {lang: [c for per_image in captions[lang] for c in per_image] for lang in languages}
            vocabulary = SharedVocabulary.build(flat, word_vectors, seed=config.seed)
        self.languages_, self.vocabulary_ = languages, vocabulary
        encoded = [[[vocabulary.encode(c, lang) for c in per_image] for per_image in captions[lang]]
                   for lang in languages]
        data = TrainingData(features=torch.zeros(len(encoded[0]), 1), captions=encoded)
        if config.alignment != "none":
            if lexicon is None:
                raise ValueError(f"alignment={config.alignment!r} needs a bilingual lexicon")
            rows_a, rows_b = vocabulary.pair_rows(lexicon, a, b)
            if len(rows_a) == 0:
                raise ValueError(f"no lexicon pair has both words in the {a}/{b} vocabulary")
            cap = config.alignment_max_neighbours
            data.pairs = (torch.as_tensor(rows_a), torch.as_tensor(rows_b))
            data.neighbours = tuple(torch.as_tensor(vocabulary.rows(lang)[:cap]) for lang in languages)
        rng = seed_everything(config.seed)
        torch.set_num_threads(config.num_threads)
        self.encoder_ = CaptionEncoder(vocabulary.vectors, config.gru_width, config.joint_dim,
                                       nonnegative=config.uses_abs, train_embeddings=config.train_embeddings)
        self.matrices_ = AlignmentMatrices(2, vocabulary.dim)
        self._train(data, rng, monitor, monitor_every, keep_best)
        return self

    def _train(self, data: TrainingData, rng: np.random.Generator, monitor, monitor_every, keep_best) -> None:
        config, encoder, matrices = self.config, self.encoder_, self.matrices_
        trainable = [p for p in encoder.parameters() if p.requires_grad]
        optimiser = torch.optim.Adam(trainable, lr=config.lr)
        released = (ReleasedAlignmentStep(matrices, config.alignment_lr, config.alignment_constraint == "spectral")
                    if config.alignment == "released" else None)
        items = pair_items([len(c) for c in data.captions[0]], [len(c) for c in data.captions[1]])
        n_pairs = 0 if data.pairs is None else len(data.pairs[0])
        best: tuple[float, dict] | None = None
        iteration = 0
        self.history_, self.monitored_ = [], []

        def run_monitor(epoch: int) -> None:
            nonlocal best
            if monitor is None:
                return
            encoder.eval()
            value = monitor(self, iteration, epoch)
            encoder.train()
            if value is None:
                return
            self.monitored_.append({"iteration": iteration, "epoch": epoch, "value": float(value)})
            if best is None or float(value) > best[0]:
                best = (float(value), {"encoder": copy.deepcopy(encoder.state_dict()),
                                       "matrices": copy.deepcopy(matrices.state_dict())})

        run_monitor(-1)
        encoder.train()
        for epoch in range(config.epochs):
            for group in optimiser.param_groups:
                group["lr"] = config.lr * 0.1 ** (epoch // config.decay_every)
            order = items[rng.permutation(len(items))]
            ranking_total, alignment_total, alignment_steps = 0.0, 0.0, 0
            for start in range(0, len(order), config.batch_size):
                batch = order[start : start + config.batch_size]
                subset = (rng.choice(n_pairs, size=config.alignment_max_pairs, replace=False)
                          if config.alignment != "none" and config.alignment_max_pairs
                          and config.alignment_max_pairs < n_pairs else None)
                if released is not None:
                    alignment_total += released(encoder.embed.weight, data, config.alignment_k, subset)
                    alignment_steps += 1
                maps = matrices.maps.detach() if config.alignment != "none" else None
                sides = []
                for lang, column in ((0, 1), (1, 2)):
                    tokens, lengths = pad_captions([data.captions[lang][image][c]
                                                    for image, c in zip(batch[:, 0], batch[:, column])])
                    sides.append(encoder(tokens, lengths, torch.full((len(batch),), lang, dtype=torch.long), maps))
                ids = torch.as_tensor(batch[:, 0]) if config.mask_same_image else None
                ranking = ranking_loss(sides[0], sides[1], config.similarity, config.effective_margin,
                                       config.max_violation, ids)
                aligned = joint_update(ranking, encoder.embed.weight, matrices, data, config, iteration, subset,
                                       optimiser, trainable)
                if aligned is not None:
                    alignment_total += aligned
                    alignment_steps += 1
                ranking_total += float(ranking.detach())
                iteration += 1
                if monitor_every and iteration % monitor_every == 0:
                    run_monitor(epoch)
            self.history_.append({"epoch": epoch, "ranking_loss": ranking_total / len(order),
                                  "alignment_loss": alignment_total / alignment_steps if alignment_steps else None})
            if not monitor_every:
                run_monitor(epoch)
        encoder.eval()
        if keep_best and best is not None:
            encoder.load_state_dict(best[1]["encoder"])
            matrices.load_state_dict(best[1]["matrices"])

    # -- inference ----------------------------------------------------------------------------
    def _index(self, lang: str) -> int:
        if self.encoder_ is None:
            raise RuntimeError("the model is not trained: call fit() first")
        if lang not in self.languages_:
            raise ValueError(f"language {lang!r} is not one this model was trained on ({', '.join(self.languages_)})")
        return self.languages_.index(lang)

    def encode(self, captions: Sequence[str | Sequence[str]], lang: str, batch_size: int = 512) -> np.ndarray:
        """Unit joint-space embeddings ``(n, joint_dim)`` of captions in ``lang``."""
        index = self._index(lang)
        ids = [self.vocabulary_.encode(c, lang) for c in captions]
        if not ids:
            return np.empty((0, self.config.joint_dim), dtype=np.float32)
        maps = None if self.matrices_.is_identity() else self.matrices_.maps.detach()
        self.encoder_.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(ids), batch_size):
                tokens, lengths = pad_captions(ids[start : start + batch_size])
                out.append(self.encoder_(tokens, lengths, torch.full((len(tokens),), index, dtype=torch.long), maps))
        return torch.cat(out).numpy()

    def similarity(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """``(n_first, n_second)`` scores of embeddings of the first and the second language
        (the first in the role of the images for the order score)."""
        with torch.no_grad():
            return similarity_matrix(torch.as_tensor(first), torch.as_tensor(second), self.config.similarity).numpy()

    def word_vectors(self, lang: str, mapped: bool = True) -> tuple[list[str], np.ndarray]:
        """``(words, vectors)`` of ``lang`` now: unit rows of the table, mapped by the language's
        alignment matrix when ``mapped``."""
        index = self._index(lang)
        with torch.no_grad():
            vectors = unit_rows(self.encoder_.embed.weight[torch.as_tensor(self.vocabulary_.rows(lang))])
            if mapped:
                vectors = vectors @ self.matrices_.maps[index].T
        return list(self.vocabulary_.words[lang]), vectors.numpy()
