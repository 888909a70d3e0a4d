# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The toy world
#
# Every chapter of this book runs on a small world that is generated on the spot: pictures of
# one to four objects over a background, each object with a per-pixel mask, labels named in
# English, Chinese, German and Japanese, five captions per picture and language, noisy user
# tags, a concept tree tied to WordNet 3.0, a dictionary with ambiguous words, and text corpora.
# It needs no download, it is the same for the same parameters, and it is small enough that a
# chapter runs in seconds, yet it has the features the five papers are about: many labels per
# image, captions in several languages, a long tail of tags, labels unseen in training, and
# words whose translation depends on their sense.
#
# This page walks through it. Everything it shows comes from `tagbook.world`; the page only
# calls it. Rerun it with other parameters, for example
# `tagbook run 00 -p n_images 2000 -p seed 7 -p image_size 128`.

# %% tags=["parameters"]
n_images = 400  # [16, 20000] number of images to generate
seed = 0  # [0, 4294967295] random seed
image_size = 64  # [64, 224] image side in pixels

# %%
from tagbook.params import chapter_parameters

params = chapter_parameters("00", globals())

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from tagbook.report import use_theme
from tagbook.world import WorldConfig, make_world
from tagbook.world import summary
from tagbook.world.concepts import CATEGORIES, SCENES
from tagbook.world.lexicon import translate_word
from tagbook.world.ugc import UGC_VOCABULARY_SIZE, ZIPF_EXPONENT

use_theme()
world = make_world(WorldConfig(n_images=params.n_images, seed=params.seed, image_size=params.image_size), progress=False)
n_objects = sum(len(o) for o in world.objects)
display(Markdown(
    f"The world has **{len(world)} images** of {world.config.image_size} × {world.config.image_size} pixels "
    f"with **{n_objects} objects** from {len(CATEGORIES)} categories over {len(SCENES)} scene types, "
    f"and a vocabulary of **{len(world.vocabulary)} labels** "
    f"({len(world.labels_of_kind('object'))} objects, {len(world.labels_of_kind('scene'))} scenes, "
    f"{len(world.labels_of_kind('attribute'))} attributes)."
))

# %% [markdown]
# ## Pictures and masks
#
# Each object is drawn by a short function (a dog is a body, four legs, a head, a floppy ear and a
# tail), with its colour picked from the category's usual ones, its size, position, flip, a small
# rotation and a few shape parameters (leg length, ear size, number of windows) drawn at random,
# and a texture (stripes for a zebra, patches for a cow, bricks for a house). Objects are drawn
# back to front, so nearer objects hide farther ones; the instance mask keeps only the pixels
# that remain visible. Top row: images; bottom row: each object's mask in its own colour.

# %%
fig = summary.plot_samples(world, range(8))
plt.show()

# %% [markdown]
# One crop per category (the largest instance of each that this world drew):

# %%
fig = summary.plot_category_gallery(world)
plt.show()

# %% [markdown]
# ## Captions in four languages
#
# A caption is first written down without a language (which objects, with which colour, size
# and position, in which scene, whether two objects are related by "next to", "to the left
# of", ...), then said in each language by its own small grammar: articles and plurals in
# English, gender, case and adjective endings in German, measure words and locality words in
# Chinese, counters, particles and the animate いる / inanimate ある in Japanese. The five
# captions of an image use different sentence frames and spell out different details.

# %%
for i in range(3):
    display(Markdown(f"**Image {i}** ({world.scenes[i]}): " + ", ".join(
        f"{o.colour} {o.category} ({o.size}, {o.position})" for o in world.objects[i])))
    display(pd.DataFrame({lang: world.captions[lang][i] for lang in ("en", "de", "zh", "ja")}))

# %% [markdown]
# Because positions, counts and relations are read off the masks, the captions can be checked
# against the masks, statement by statement. This re-measures every one of them (centroid of
# the visible pixels, region of a 3 × 3 grid; relation from the two centroids):

# %%
agreement = summary.caption_mask_agreement(world)
agreement

# %% [markdown]
# ## Labels per image

# %%
per_image = summary.labels_per_image(world)
display(per_image.describe().loc[["mean", "min", "max"]].round(2))
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
for ax, column in zip(axes, ["objects", "attribute labels", "tags"]):
    counts = per_image[column].value_counts().sort_index()
    ax.bar(counts.index, counts.values)
    ax.set_xlabel(column + " per image")
    ax.set_ylabel("images")
plt.tight_layout()
plt.show()

# %%
objects = summary.object_frequencies(world)
display(Markdown(
    f"Most frequent categories: {', '.join(objects.key[:5])}; least frequent: {', '.join(objects.key[-5:])}. "
    f"{int((objects.images == 0).sum())} categories do not occur in this world."
))
objects.head(12)

# %%
summary.scene_frequencies(world)

# %% [markdown]
# ## User tags: noise and a long tail
#
# The user-tag channel imitates photo-sharing tags: most object names (in English), sometimes
# the scene, a colour or a broader word, sometimes a misspelling or a name in another language,
# and tags unrelated to the picture drawn from a vocabulary of synthetic place names, camera
# models and proper nouns whose frequencies follow Zipf's law.

# %%
freq = summary.tag_rank_frequency(world)
slope = summary.zipf_slope(freq)
display(Markdown(
    f"This world uses **{len(freq)} distinct tags** out of a long-tail vocabulary of {UGC_VOCABULARY_SIZE:,} "
    f"(Zipf exponent {ZIPF_EXPONENT}). The log-log slope over the 200 most frequent tags is **{slope:.2f}**."
))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(freq["rank"], freq["count"], marker=".", linestyle="none", markersize=3)
ax.set_xlabel("tag rank")
ax.set_ylabel("images with the tag")
ax.set_title("UGC tags: rank against frequency")
plt.show()
display(pd.DataFrame({"image": range(4), "tags": [", ".join(t) for t in world.tags[:4]]}))

# %% [markdown]
# ## The concept tree
#
# Every category sits in a tree that goes up to `entity`. Each node is a WordNet 3.0 synset; the
# paths leave out some of WordNet's steps but never invent an is-a link (a test checks every
# parent against WordNet's own hypernyms, and every typed-in synset id against its offset).

# %%
display(pd.DataFrame([summary.tree_size()]))
summary.hierarchy_table()

# %% [markdown]
# ## Ambiguity on purpose
#
# Some English labels name two different things with different translations. The dictionary
# lists the senses in WordNet's order, so a word-by-word translation (first sense, first name)
# is wrong for the second sense:

# %%
poly = summary.polysemy_table()
display(poly)
display(Markdown(
    "Word by word: " + "; ".join(f"*{w}* → {translate_word(w, 'zh')}" for w in ("bank", "mouse", "shutter", "bat"))
    + ", whatever the picture shows."
))

# %% [markdown]
# And some labels lie close to each other on purpose, in their target names (窗户 / 百叶窗,
# 杯子 / 马克杯, 船 / 轮船) or in their looks, so the nearest label to a good guess is not always
# the right one:

# %%
summary.near_synonym_table()

# %% [markdown]
# ## Text corpora
#
# Per language, the corpus mixes descriptions of imagined scenes, statements from the concept
# tree ("a dog is a canine", 狗是一种犬科动物) and habits ("dogs are often on the grass"). The
# parallel corpora say the same content in two languages; they share one English side.

# %%
display(summary.corpus_samples(6, seed=params.seed))
summary.corpus_statistics(5000, seed=params.seed)

# %% [markdown]
# ## Splits
#
# A fixed train / validation / test split, and zero-shot splits in which some object labels
# never occur in training: training images carry none of them, test images carry at least one.

# %%
zs = world.zero_shot_split(n_unseen=10, seed=params.seed)
unseen_cols = [world.label_index[k] for k in zs.unseen]
pd.DataFrame({
    "images": [len(world.splits["train"]), len(world.splits["val"]), len(world.splits["test"]), len(zs.train_idx), len(zs.test_idx)],
    "images with an unseen label": [
        int(world.label_matrix[world.splits[s]][:, unseen_cols].any(axis=1).sum()) for s in ("train", "val", "test")
    ] + [int(world.label_matrix[zs.train_idx][:, unseen_cols].any(axis=1).sum()), int(world.label_matrix[zs.test_idx][:, unseen_cols].any(axis=1).sum())],
}, index=["train", "val", "test", "zero-shot train", "zero-shot test"])

# %%
display(Markdown(f"Unseen labels of this zero-shot split: {', '.join(zs.unseen)}."))
