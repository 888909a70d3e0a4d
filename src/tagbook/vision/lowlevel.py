"""Low-level image features: the NUS-WIDE set that DREL's Table 1 uses.

He et al. (ICMR 2015, Section 3.2) feed DREL "64-dimensional color histogram, 144-dimensional
color correlogram, 73-dimensional edge direction histogram, 128-dimensional wavelet texture,
255-dimensional block-wise color moments and 500-dimensional bag of words based on SIFT
descriptor": the low-level features published with NUS-WIDE (Chua et al., CIVR 2009), whose
block-wise colour moments are 225-d (5 x 5 grid); DREL's 255 is a typo that its 1164-d image
input repeats (64+144+73+128+255+500). Here the six blocks add up to
64 + 144 + 73 + 128 + 225 = 634 dimensions without the bag of words and 1,134 with it.

NUS-WIDE published the sizes, the colour spaces and the kind of each feature, not every detail;
the choices made here (each documented in its function) are:

=====================  ====  ==========  ====================================================
feature                dims  space       definition here
=====================  ====  ==========  ====================================================
colour histogram         64  LAB         4 x 4 x 4 equal-width bins (L in [0, 100], a and b
                                         in [-128, 128)), fraction of pixels per bin
colour auto-correlogram 144  HSV         36 colours (9 hues x 2 saturations x 2 values) x
                                         distances 1, 3, 5, 7 (chessboard rings)
edge direction hist.     73  L of LAB    72 bins of 5 degrees of the gradient direction at
                                         Canny edge pixels + 1 bin of non-edge pixels
wavelet texture         128  L of LAB    3-level Haar wavelet-packet (tree) decomposition:
                                         mean |c| and std c of each of the 64 leaf sub-bands
block colour moments    225  LAB         5 x 5 blocks x 3 channels x (mean, std, skewness)
bag of visual words     500  grey        dense SIFT-like descriptors (16 x 16 px patches of
                                         4 x 4 cells x 8 orientations, L2-Hys) quantised by a
                                         500-word k-means codebook (:class:`BagOfVisualWords`)
=====================  ====  ==========  ====================================================

Images are first shrunk so that their longer side is at most ``max_side`` pixels (default 240;
never enlarged), which bounds the cost and makes features comparable across image sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from tagbook.vision.extract import as_image_list

FEATURE_DIMS: dict[str, int] = {
    "color_histogram": 64,
    "color_correlogram": 144,
    "edge_histogram": 73,
    "wavelet_texture": 128,
    "color_moments": 225,
}
BOVW_NAME, BOVW_DIM = "bovw", 500
CORRELOGRAM_DISTANCES = (1, 3, 5, 7)
EDGE_BIN_DEGREES = 5
MOMENT_GRID = 5


@dataclass(frozen=True)
class LowLevelConfig:
    """Shared settings: ``max_side`` (shrink larger images to it), ``canny_sigma`` (edge detector
    smoothing) and ``wavelet`` (PyWavelets name; ``haar`` by default)."""

    max_side: int = 240
    canny_sigma: float = 1.0
    wavelet: str = "haar"

    def __post_init__(self):
        if not isinstance(self.max_side, int) or self.max_side < 16:
            raise ValueError(f"LowLevelConfig.max_side must be an int >= 16, got {self.max_side!r}")
        if not self.canny_sigma > 0:
            raise ValueError(f"LowLevelConfig.canny_sigma must be > 0, got {self.canny_sigma!r}")


# ---------------------------------------------------------------- helpers

def shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """Resize (area-averaging) so the longer side is at most ``max_side``; never enlarges."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    from PIL import Image

    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.BOX))


def to_lab(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> CIE LAB (D65): L in [0, 100], a and b roughly in [-128, 128)."""
    from skimage.color import rgb2lab

    return rgb2lab(image)


def _bin(values: np.ndarray, low: float, high: float, n: int) -> np.ndarray:
    """Equal-width bin index in ``[0, n)`` of values in ``[low, high]`` (ends clipped)."""
    idx = np.floor((values - low) / (high - low) * n).astype(np.int64)
    return np.clip(idx, 0, n - 1)


# ---------------------------------------------------------------- the five global features

def color_histogram(image: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
    """64-d colour histogram in LAB: 4 bins per channel, bin ``(l * 4 + a) * 4 + b``.

    ``h[k] = |{pixels in bin k}| / |pixels|`` (sums to 1). L bins are 25 units wide over
    [0, 100]; a and b bins 64 units wide over [-128, 128).
    """
    lab = to_lab(image) if lab is None else lab
    l_ = _bin(lab[..., 0], 0.0, 100.0, 4)
    a_ = _bin(lab[..., 1], -128.0, 128.0, 4)
    b_ = _bin(lab[..., 2], -128.0, 128.0, 4)
    index = (l_ * 4 + a_) * 4 + b_
    return (np.bincount(index.ravel(), minlength=64) / index.size).astype(np.float32)


def quantize_hsv36(image: np.ndarray) -> np.ndarray:
    """Each pixel's colour among 36: 9 hues (40 degrees) x 2 saturations x 2 values (halves),
    index ``(hue * 2 + saturation) * 2 + value``."""
    from skimage.color import rgb2hsv

    hsv = rgb2hsv(image)
    h = _bin(hsv[..., 0], 0.0, 1.0, 9)
    s = _bin(hsv[..., 1], 0.0, 1.0, 2)
    v = _bin(hsv[..., 2], 0.0, 1.0, 2)
    return (h * 2 + s) * 2 + v


def _ring_offsets(d: int) -> list[tuple[int, int]]:
    """Offsets at chessboard distance exactly ``d`` (the 8d pixels of a square ring)."""
    return [(dy, dx) for dy in range(-d, d + 1) for dx in range(-d, d + 1) if max(abs(dy), abs(dx)) == d]


def color_correlogram(image: np.ndarray, distances=CORRELOGRAM_DISTANCES) -> np.ndarray:
    """144-d colour auto-correlogram in HSV (Huang et al. 1997): 36 colours x 4 distances.

    ``gamma_c(d) = P(I(q) = c | I(p) = c, ||p - q||_inf = d)``, estimated over all pixel pairs
    inside the image; entry ``k * 36 + c`` holds colour ``c`` at the ``k``-th distance (1, 3, 5,
    7). A colour absent from the image has 0 at every distance.
    """
    q = quantize_hsv36(image)
    h, w = q.shape
    out = np.zeros((len(distances), 36), dtype=np.float64)
    for k, d in enumerate(distances):
        same = np.zeros(36)
        total = np.zeros(36)
        for dy, dx in _ring_offsets(d):
            if abs(dy) >= h or abs(dx) >= w:
                continue
            a = q[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
            b = q[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)]
            total += np.bincount(a.ravel(), minlength=36)
            same += np.bincount(a[a == b], minlength=36)
        out[k] = np.divide(same, total, out=np.zeros(36), where=total > 0)
    return out.ravel().astype(np.float32)


def edge_direction_histogram(image: np.ndarray, lab: np.ndarray | None = None, sigma: float = 1.0) -> np.ndarray:
    """73-d edge direction histogram: 72 bins of 5 degrees + 1 bin of non-edge pixels.

    Edge pixels are Canny edges (``sigma``) of the lightness ``L / 100``; the direction at an edge
    pixel is that of the smoothed intensity gradient, ``theta = atan2(-g_y, g_x)`` in [0, 360)
    degrees (0 = brighter to the right, 90 = brighter upwards; rows point down). Bin
    ``floor(theta / 5)`` counts edge pixels, bin 72 the non-edge pixels; all divided by the
    number of pixels (sums to 1). A vertical edge lands in bin 0 or 36, a horizontal one in 18
    or 54.
    """
    from scipy import ndimage
    from skimage.feature import canny

    lab = to_lab(image) if lab is None else lab
    grey = lab[..., 0] / 100.0
    edges = canny(grey, sigma=sigma)
    smooth = ndimage.gaussian_filter(grey, sigma)
    gx = ndimage.sobel(smooth, axis=1)
    gy = ndimage.sobel(smooth, axis=0)
    theta = np.degrees(np.arctan2(-gy[edges], gx[edges])) % 360.0
    bins = np.minimum((theta // EDGE_BIN_DEGREES).astype(np.int64), 360 // EDGE_BIN_DEGREES - 1)
    hist = np.zeros(73, dtype=np.float64)
    hist[:72] = np.bincount(bins, minlength=72)
    hist[72] = edges.size - edges.sum()
    return (hist / edges.size).astype(np.float32)


def wavelet_texture(image: np.ndarray, lab: np.ndarray | None = None, wavelet: str = "haar") -> np.ndarray:
    """128-d wavelet texture: a 3-level 2-D wavelet-packet (tree-structured) decomposition of
    the lightness ``L / 100``; for each of its 4^3 = 64 leaf sub-bands (natural order ``aaa, aah,
    aav, aad, aha, ...``) the mean absolute coefficient and the standard deviation of the
    coefficients: ``[mean|c_1|, std c_1, ..., mean|c_64|, std c_64]``. A flat image has zero
    detail everywhere: only ``aaa`` is non-zero.
    """
    import pywt

    lab = to_lab(image) if lab is None else lab
    grey = lab[..., 0] / 100.0
    packet = pywt.WaveletPacket2D(grey, wavelet, mode="periodization", maxlevel=3)
    out = []
    for node in packet.get_level(3, order="natural"):
        c = np.asarray(node.data, dtype=np.float64)
        out.extend([np.abs(c).mean(), c.std()])
    return np.asarray(out, dtype=np.float32)


def color_moments(image: np.ndarray, lab: np.ndarray | None = None, grid: int = MOMENT_GRID) -> np.ndarray:
    """225-d block-wise colour moments in LAB (Stricker & Orengo 1995) over a 5 x 5 grid.

    For each block (row-major) and channel: mean ``mu = E[x]``, standard deviation
    ``sigma = E[(x - mu)^2]^(1/2)`` and skewness ``s = E[(x - mu)^3]^(1/3)`` (real cube root),
    laid out ``[block][channel][moment]``. A flat block of colour ``c`` gives ``(c, 0, 0)``.
    """
    lab = to_lab(image) if lab is None else lab
    h, w = lab.shape[:2]
    if h < grid or w < grid:
        raise ValueError(f"color_moments needs an image of at least {grid}x{grid} pixels, got {h}x{w}")
    rows = np.linspace(0, h, grid + 1).round().astype(int)
    cols = np.linspace(0, w, grid + 1).round().astype(int)
    out = np.zeros((grid, grid, 3, 3), dtype=np.float64)
    for i in range(grid):
        for j in range(grid):
            block = lab[rows[i] : rows[i + 1], cols[j] : cols[j + 1]].reshape(-1, 3)
            mu = block.mean(axis=0)
            centred = block - mu
            out[i, j, :, 0] = mu
            out[i, j, :, 1] = np.sqrt((centred**2).mean(axis=0))
            out[i, j, :, 2] = np.cbrt((centred**3).mean(axis=0))
    return out.ravel().astype(np.float32)


def _global_features(image: np.ndarray, config: LowLevelConfig) -> dict[str, np.ndarray]:
    image = shrink(image, config.max_side)
    lab = to_lab(image)
    return {
        "color_histogram": color_histogram(image, lab),
        "color_correlogram": color_correlogram(image),
        "edge_histogram": edge_direction_histogram(image, lab, config.canny_sigma),
        "wavelet_texture": wavelet_texture(image, lab, config.wavelet),
        "color_moments": color_moments(image, lab),
    }


# ---------------------------------------------------------------- bag of visual words

def dense_descriptors(image: np.ndarray, cell: int = 4, step_cells: int = 2, max_side: int = 240) -> np.ndarray:
    """Dense SIFT-like descriptors ``(n, 128)`` of a uint8 RGB image.

    Patches of 4 x 4 cells of ``cell`` pixels (16 x 16 px by default) every ``step_cells`` cells
    (8 px); each patch is a histogram of 8 unsigned gradient orientations per cell, weighted by
    gradient magnitude and L2-Hys normalised (L2, clip at 0.2, L2 again) as in Lowe's SIFT; the
    grid of patches replaces SIFT's keypoint detector.
    """
    from skimage.color import rgb2gray
    from skimage.feature import hog

    grey = rgb2gray(shrink(image, max_side))
    if min(grey.shape) < 4 * cell:
        return np.zeros((0, 128), dtype=np.float32)
    blocks = hog(grey, orientations=8, pixels_per_cell=(cell, cell), cells_per_block=(4, 4),
                 block_norm="L2-Hys", feature_vector=False)
    blocks = blocks[::step_cells, ::step_cells]
    return blocks.reshape(-1, 128).astype(np.float32)


@dataclass(frozen=True)
class BagOfVisualWordsConfig:
    """``n_words`` codebook size (500 in NUS-WIDE); ``per_image`` descriptors sampled from each
    training image to fit the codebook; ``max_side``, ``cell``, ``step_cells`` as in
    :func:`dense_descriptors`; ``seed`` drives sampling and k-means."""

    n_words: int = BOVW_DIM
    per_image: int = 200
    max_side: int = 240
    cell: int = 4
    step_cells: int = 2
    seed: int = 0

    def __post_init__(self):
        for name in ("n_words", "per_image", "max_side", "cell", "step_cells"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"BagOfVisualWordsConfig.{name} must be a positive int, got {value!r}")


@dataclass
class BagOfVisualWords:
    """500-d bag of visual words: a k-means codebook over dense SIFT-like descriptors.

    ``fit(images)`` samples descriptors from training images and clusters them (mini-batch
    k-means); ``transform(images)`` assigns each descriptor to its nearest word and returns the
    L1-normalised word histogram of each image ``(n, n_words)``.
    """

    config: BagOfVisualWordsConfig = field(default_factory=BagOfVisualWordsConfig)
    codebook_: np.ndarray | None = None

    def _descriptors(self, image: np.ndarray) -> np.ndarray:
        c = self.config
        return dense_descriptors(image, c.cell, c.step_cells, c.max_side)

    def fit(self, images, progress: bool = False) -> "BagOfVisualWords":
        from sklearn.cluster import MiniBatchKMeans

        rng = np.random.default_rng(self.config.seed)
        sample = []
        for image in tqdm(as_image_list(images), desc="descriptors", disable=not progress):
            d = self._descriptors(image)
            if len(d) > self.config.per_image:
                d = d[rng.choice(len(d), self.config.per_image, replace=False)]
            sample.append(d)
        sample = np.concatenate(sample) if sample else np.zeros((0, 128), np.float32)
        if len(sample) < self.config.n_words:
            raise ValueError(
                f"BagOfVisualWords.fit: {len(sample)} descriptors cannot make {self.config.n_words} words; "
                f"give more or larger images, or lower n_words"
            )
        kmeans = MiniBatchKMeans(n_clusters=self.config.n_words, random_state=self.config.seed,
                                 batch_size=2048, n_init=3)
        kmeans.fit(sample)
        self.codebook_ = kmeans.cluster_centers_.astype(np.float32)
        return self

    def transform(self, images, progress: bool = False) -> np.ndarray:
        if self.codebook_ is None:
            raise RuntimeError("BagOfVisualWords is not fitted: call fit(training_images) first")
        code = self.codebook_
        code_sq = (code**2).sum(axis=1)
        out = []
        for image in tqdm(as_image_list(images), desc="visual words", disable=not progress):
            d = self._descriptors(image)
            hist = np.zeros(len(code), dtype=np.float32)
            if len(d):
                words = np.argmin(code_sq[None, :] - 2.0 * d @ code.T, axis=1)  # nearest word
                hist = np.bincount(words, minlength=len(code)).astype(np.float32) / len(d)
            out.append(hist)
        return np.stack(out) if out else np.zeros((0, len(code)), np.float32)


# ---------------------------------------------------------------- all together

def low_level_features(
    images,
    config: LowLevelConfig | None = None,
    bovw: BagOfVisualWords | None = None,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """The NUS-WIDE low-level features of ``images`` as ``{name: (n, dim) float32}``.

    Always the five global features of :data:`FEATURE_DIMS`; with a fitted ``bovw`` also
    ``"bovw"`` (500-d). :func:`concatenate_low_level` joins them in a fixed order.
    """
    config = config or LowLevelConfig()
    rgb = as_image_list(images)
    rows = [_global_features(im, config) for im in tqdm(rgb, desc="low-level features", disable=not progress)]
    feats = {
        name: (np.stack([r[name] for r in rows]) if rows else np.zeros((0, dim), np.float32))
        for name, dim in FEATURE_DIMS.items()
    }
    if bovw is not None:
        feats[BOVW_NAME] = bovw.transform(rgb, progress=progress)
    return feats


def concatenate_low_level(features: dict[str, np.ndarray]) -> np.ndarray:
    """Join the features in the order of :data:`FEATURE_DIMS` (then ``bovw`` if present):
    634 dimensions without the bag of words, 1,134 with it."""
    names = list(FEATURE_DIMS) + ([BOVW_NAME] if BOVW_NAME in features else [])
    missing = [n for n in FEATURE_DIMS if n not in features]
    if missing:
        raise KeyError(f"low-level features missing: {missing}")
    return np.concatenate([np.asarray(features[n], dtype=np.float32) for n in names], axis=1)
