"""A planted tagging problem with a known answer, for tests and timings of the tagging methods.

Each tag ``t`` has a prototype direction :math:`\\mathbf{p}_t` in feature space; an image draws
a few tags (popular tags more often: a Zipf-like long tail, as in NUS-WIDE) and its features are
the sum of their prototypes plus Gaussian noise. A method that recovers the structure ranks an
image's own tags first; chance ranks them at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.methods.tagging.inputs import check_non_negative, check_positive_int


@dataclass(frozen=True)
class PlantedProblem:
    features: np.ndarray  # (n_images, n_features) float32
    tag_matrix: np.ndarray  # (n_images, n_tags) bool
    prototypes: np.ndarray  # (n_tags, n_features) float32


def planted_problem(
    n_images: int = 300,
    n_tags: int = 12,
    n_features: int = 20,
    max_tags_per_image: int = 3,
    noise: float = 0.5,
    zipf: float = 0.5,
    seed: int = 0,
) -> PlantedProblem:
    """``n_images`` images with 1 to ``max_tags_per_image`` tags each (tag ``t`` drawn with
    probability proportional to ``(t + 1) ** -zipf``) and features = sum of their tags'
    unit prototypes + ``noise`` x standard normal."""
    for name, value in (("n_images", n_images), ("n_tags", n_tags), ("n_features", n_features),
                        ("max_tags_per_image", max_tags_per_image)):
        check_positive_int(value, name)
    check_non_negative(noise, "noise")
    check_non_negative(zipf, "zipf")
    if max_tags_per_image > n_tags:
        raise ValueError(f"max_tags_per_image ({max_tags_per_image}) exceeds n_tags ({n_tags})")
    rng = np.random.default_rng(seed)
    prototypes = rng.standard_normal((n_tags, n_features))
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    popularity = (np.arange(n_tags) + 1.0) ** -zipf
    popularity /= popularity.sum()
    tags = np.zeros((n_images, n_tags), dtype=bool)
    counts = rng.integers(1, max_tags_per_image + 1, size=n_images)
    for i, c in enumerate(counts):
        tags[i, rng.choice(n_tags, size=c, replace=False, p=popularity)] = True
    features = tags.astype(np.float64) @ prototypes + noise * rng.standard_normal((n_images, n_features))
    return PlantedProblem(features.astype(np.float32), tags, prototypes.astype(np.float32))
