"""Tables, checks and figures about a toy world, for the chapter that introduces it."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from tagbook.world.captions import LANGS, relation_between
from tagbook.world.concepts import CATEGORIES, CATEGORY_INFO, CONCEPTS, NEAR_SYNONYMS, SCENES, hypernym_path
from tagbook.world.corpora import monolingual_corpus, parallel_corpus
from tagbook.world.lexicon import LEXICON, polysemous_words
from tagbook.world.world import ToyWorld, region_of


def caption_mask_agreement(world: ToyWorld) -> pd.DataFrame:
    """Re-measure every statement of every caption on the instance masks.

    For each caption mention: the mentioned instances exist and have the category; the count
    equals the number of instances of that category in the image; a stated position equals the
    region of the mask centroid; a stated relation equals the one the two centroids give.
    Returns one row per kind of statement: how many were checked and how many agreed.
    """
    tally = Counter()
    size = world.config.image_size
    for i, specs in enumerate(world.caption_specs):
        mask = world.instance_masks[i]
        ids = {int(k) for k in np.unique(mask) if k}
        by_id = {o.instance_id: o for o in world.objects[i]}
        centroid = {}
        for k in ids:
            ys, xs = np.nonzero(mask == k)
            centroid[k] = (xs.mean() + 0.5, ys.mean() + 0.5)
        for spec in specs:
            for m in spec.mentions:
                ok = all(k in ids and by_id[k].category == m.category for k in m.instance_ids)
                tally["object", ok] += 1
                tally["count", m.count == sum(o.category == m.category for o in world.objects[i])] += 1
                if m.position is not None:
                    tally["position", region_of(*centroid[m.instance_ids[0]], size) == m.position] += 1
                if m.colour is not None:
                    tally["colour", all(by_id[k].colour == m.colour for k in m.instance_ids)] += 1
            if spec.relation is not None:
                a, rel, b = spec.relation
                ca, cb = centroid[spec.mentions[a].instance_ids[0]], centroid[spec.mentions[b].instance_ids[0]]
                tally["relation", relation_between(ca, cb, size) == rel] += 1
    rows = []
    for kind in ("object", "count", "colour", "position", "relation"):
        agree, total = tally[kind, True], tally[kind, True] + tally[kind, False]
        rows.append({"statement": kind, "checked": total, "agree": agree, "agree %": 100.0 * agree / total if total else float("nan")})
    return pd.DataFrame(rows).set_index("statement")


def labels_per_image(world: ToyWorld) -> pd.DataFrame:
    """Per image: number of objects, distinct object labels, attribute labels and UGC tags."""
    kinds = np.array([label.kind for label in world.vocabulary])
    return pd.DataFrame({
        "objects": [len(o) for o in world.objects],
        "object labels": world.label_matrix[:, kinds == "object"].sum(axis=1),
        "attribute labels": world.label_matrix[:, kinds == "attribute"].sum(axis=1),
        "tags": [len(t) for t in world.tags],
    })


def object_frequencies(world: ToyWorld) -> pd.DataFrame:
    """Images per object category, with the category's names and supercategory."""
    counts = world.object_counts()
    rows = [{"key": k, **{lang: c.names[lang] for lang in LANGS}, "group": CATEGORY_INFO[k].group, "images": counts[k]}
            for k, c in CATEGORIES.items()]
    return pd.DataFrame(rows).sort_values("images", ascending=False).reset_index(drop=True)


def scene_frequencies(world: ToyWorld) -> pd.DataFrame:
    counts = Counter(world.scenes)
    return pd.DataFrame([{"scene": k, **{lang: t.names[lang] for lang in LANGS}, "images": counts[k]} for k, t in SCENES.items()])


def tag_rank_frequency(world: ToyWorld) -> pd.DataFrame:
    """Every distinct tag of the world with its count, most frequent first (rank from 1)."""
    counts = Counter(t for tags in world.tags for t in tags)
    df = pd.DataFrame(counts.most_common(), columns=["tag", "count"])
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def zipf_slope(freq: pd.DataFrame, top: int = 200) -> float:
    """Least-squares slope of log(count) on log(rank) over the ``top`` most frequent tags."""
    head = freq.head(top)
    return float(np.polyfit(np.log(head["rank"]), np.log(head["count"]), 1)[0])


def hierarchy_table(keys=("dog", "zebra", "owl", "car", "bus", "apple", "bank.building", "cloud")) -> pd.DataFrame:
    """Hypernym paths (English and Chinese) with the WordNet id of every node."""
    rows = []
    for key in keys:
        path = hypernym_path(key)
        rows.append({
            "key": key,
            "path (en)": " → ".join(c.names["en"] for c in path),
            "path (zh)": " → ".join(c.names["zh"] for c in path),
            "wnids": " ".join(c.wnid or "-" for c in path),
        })
    return pd.DataFrame(rows)


def tree_size() -> dict[str, int]:
    inner = {c.parent for c in CONCEPTS.values() if c.parent}
    depth = [len(hypernym_path(k)) - 1 for k in CATEGORIES]
    return {"nodes": len(CONCEPTS), "inner nodes": len(inner), "leaves": len(CATEGORIES), "max depth": max(depth), "mean depth": float(np.mean(depth))}


def polysemy_table() -> pd.DataFrame:
    """English words with senses that translate differently, senses in dictionary order."""
    rows = []
    for word, senses in polysemous_words().items():
        for rank, sense in enumerate(senses, start=1):
            rows.append({"word": word, "sense": rank, "key": sense.key, "wnid": sense.wnid,
                         **{lang: " / ".join(sense.names[lang]) for lang in ("zh", "de", "ja")}})
    return pd.DataFrame(rows)


def near_synonym_table() -> pd.DataFrame:
    """The groups of near-synonym labels, with their names: where nearest-label redundancy shows."""
    rows = []
    for g, group in enumerate(NEAR_SYNONYMS, start=1):
        for key in group:
            rows.append({"group": g, "key": key, **{lang: CATEGORIES[key].names[lang] for lang in LANGS}})
    return pd.DataFrame(rows)


def corpus_samples(n: int = 6, seed: int = 0) -> pd.DataFrame:
    """The first ``n`` sentences of the parallel corpora: one English side, three translations."""
    rows = {"en": [" ".join(p[0]) for p in parallel_corpus("en", "zh", n, seed)]}
    for lang in ("zh", "de", "ja"):
        joiner = "" if lang in ("zh", "ja") else " "
        rows[lang] = [joiner.join(p[1]) for p in parallel_corpus("en", lang, n, seed)]
    return pd.DataFrame(rows)


def corpus_statistics(n_sentences: int = 20000, seed: int = 0) -> pd.DataFrame:
    rows = []
    for lang in LANGS:
        corpus = monolingual_corpus(lang, n_sentences, seed)
        tokens = [w for s in corpus for w in s]
        rows.append({"language": lang, "sentences": len(corpus), "tokens": len(tokens), "vocabulary": len(set(tokens))})
    return pd.DataFrame(rows).set_index("language")


def lexicon_size() -> int:
    return len(LEXICON)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def mask_overlay(world: ToyWorld, i: int, alpha: float = 0.55) -> np.ndarray:
    """The image with each instance tinted in its own colour (background left as is)."""
    palette = np.array([(0, 0, 0), (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180)], float)
    mask = world.instance_masks[i]
    img = world.images[i].astype(float)
    tint = palette[np.minimum(mask, len(palette) - 1)]
    out = np.where(mask[..., None] > 0, (1 - alpha) * img + alpha * tint, img)
    return out.astype(np.uint8)


def plot_samples(world: ToyWorld, indices, axes=None):
    """Images (top row) and their instance masks over them (bottom row), titled with the scene."""
    import matplotlib.pyplot as plt

    indices = list(indices)
    if axes is None:
        fig, axes = plt.subplots(2, len(indices), figsize=(1.9 * len(indices), 4.1), squeeze=False)
    for col, i in enumerate(indices):
        axes[0][col].imshow(world.images[i])
        axes[0][col].set_title(f"#{i} {world.scenes[i]}", fontsize=9)
        axes[1][col].imshow(mask_overlay(world, i))
        axes[1][col].set_title(", ".join(o.category for o in world.objects[i]), fontsize=7)
        for row in (0, 1):
            axes[row][col].set_axis_off()
    return axes[0][0].figure


def plot_category_gallery(world: ToyWorld, per_category: int = 1, max_categories: int = 65):
    """One crop per object category (its largest instance), to see what each looks like."""
    import matplotlib.pyplot as plt

    best: dict[str, tuple[int, int, tuple]] = {}
    for i, objs in enumerate(world.objects):
        for o in objs:
            if o.area > best.get(o.category, (0, -1, None))[0]:
                best[o.category] = (o.area, i, o.bbox)
    keys = [k for k in CATEGORIES if k in best][:max_categories]
    cols = 13
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.95, rows * 1.15), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, k in zip(axes.ravel(), keys):
        _, i, (x, y, w, h) = best[k]
        pad = 2
        crop = world.images[i, max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad]
        ax.imshow(crop)
        ax.set_title(k, fontsize=6)
    return fig
