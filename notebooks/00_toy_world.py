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
# This page walks through it, and measures on the world it generated what the world is built to
# have: the claims below are about the world's construction, not about a paper, and each is
# checked on this run's data. Everything it shows comes from `tagbook.world`; the measurements
# are in `tagbook.experiments.toy_world`.

# %% [markdown] tags=["results-at-a-glance"]
# *Results at a glance: filled in when the book is built.*

# %% [markdown] tags=["run-this-chapter"] command=["n_images", "image_size", "seed"] tier="toy" reads=[]
# *Run this chapter: filled in when the book is built.*

# %% tags=["parameters"]
n_images = 400  # [16, 20000] number of images to generate
seed = 0  # [0, 4294967295] random seed
image_size = 64  # [64, 224] image side in pixels
n_unseen = 10  # [1, 30] object labels held out of training in the zero-shot split

# %%
from tagbook.params import chapter_parameters

params = chapter_parameters("00", globals())

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from tagbook.experiments import toy_world as tw
from tagbook.report import ClaimsLedger, show_table, use_theme
from tagbook.world import WorldConfig, make_world, summary
from tagbook.world.concepts import CATEGORIES, SCENES
from tagbook.world.lexicon import translate_word
from tagbook.world.ugc import NOISE_TAGS_PER_IMAGE, UGC_VOCABULARY_SIZE, ZIPF_EXPONENT


def md(text: str) -> None:
    display(Markdown(text))


use_theme()
ledger = ClaimsLedger("00", parameters=params)

# %% tags=["show-input"]
world = make_world(WorldConfig(n_images=params.n_images, seed=params.seed, image_size=params.image_size), progress=False)

# %% tags=["remove-input"]
n_objects = sum(len(o) for o in world.objects)
md(
    f"The world has **{len(world)} images** of {world.config.image_size} × {world.config.image_size} pixels "
    f"with **{n_objects} objects** from {len(CATEGORIES)} categories over {len(SCENES)} scene types, "
    f"and a vocabulary of **{len(world.vocabulary)} labels** "
    f"({len(world.labels_of_kind('object'))} objects, {len(world.labels_of_kind('scene'))} scenes, "
    f"{len(world.labels_of_kind('attribute'))} attributes)."
)

# %% [markdown]
# ## Pictures and masks
#
# Each object is drawn by a short function (a dog is a body, four legs, a head, a floppy ear and a
# tail), with its colour picked from the category's usual ones, its size, position, flip, a small
# rotation and a few shape parameters (leg length, ear size, number of windows) drawn at random,
# and a texture (stripes for a zebra, patches for a cow, bricks for a house). Objects are drawn
# back to front, so nearer objects hide farther ones; the instance mask keeps only the pixels
# that remain visible. Top row: images; bottom row: each object's mask in its own colour, titled
# with the objects.

# %%
fig = tw.plot_samples(world, range(min(6, len(world))))
plt.show()

# %% [markdown]
# One crop per category (the largest instance of each that this world drew):

# %%
fig = tw.plot_category_gallery(world)
plt.show()

# %% [markdown]
# How many objects an image shows is drawn first, from a fixed distribution; an object that
# nearer ones hide too much is then left out (and the picture redrawn without it), so the images
# keep fewer objects than were drawn:

# %%
show_table(tw.object_count_table(world), percent_columns=["drawn (configured %)", "images %"])

# %%
_ = tw.record_object_count_claim(ledger, world)

# %% [markdown]
# ## Captions in four languages
#
# A caption is first written down without a language (which objects, with which colour, size
# and position, in which scene, whether two objects are related by "next to", "to the left
# of", ...), then said in each language by its own small grammar: articles and plurals in
# English, gender, case and adjective endings in German, measure words and locality words in
# Chinese, counters, particles and the animate いる / inanimate ある in Japanese. The five
# captions of an image use different sentence frames and spell out different details.

# %% tags=["remove-input"]
for i in range(min(3, len(world))):
    md(f"**Image {i}** ({world.scenes[i]}): " + ", ".join(
        f"{o.colour} {o.category} ({o.size}, {o.position})" for o in world.objects[i]))
    show_table(pd.DataFrame({lang: world.captions[lang][i] for lang in ("en", "de", "zh", "ja")},
                            index=pd.RangeIndex(1, len(world.captions["en"][i]) + 1, name="caption")))

# %% [markdown]
# Every image has its captions in every language, and each language is written in its own script
# (English in ASCII; German in Latin letters; Chinese in Han characters without kana; Japanese with
# kana):

# %%
coverage = tw.caption_coverage(world)
show_table(coverage)

# %% [markdown]
# Because positions, counts and relations are read off the masks, the captions can be checked
# against the masks, statement by statement. This re-measures every one of them (centroid of
# the visible pixels, region of a 3 × 3 grid; relation from the two centroids):

# %%
agreement = summary.caption_mask_agreement(world)
show_table(agreement, percent_columns=["agree %"])

# %%
_ = tw.record_caption_claims(ledger, coverage, agreement)

# %% [markdown]
# ## Labels per image

# %%
per_image = summary.labels_per_image(world)
show_table(per_image.agg(["mean", "min", "max"]).T.rename_axis("per image"), digits={"mean": 2})
fig = tw.plot_labels_per_image(per_image)
plt.show()

# %% tags=["remove-input"]
objects = summary.object_frequencies(world)
absent = int((objects.images == 0).sum())
md(
    f"Most frequent categories: {', '.join(objects.key[:5])}; least frequent: {', '.join(objects.key[-5:])}. "
    + (f"{absent} categories do not occur in this world." if absent else "Every category occurs in this world.")
)

# %%
show_table(objects.head(12), index=False)

# %%
show_table(summary.scene_frequencies(world), index=False)

# %% [markdown]
# ## User tags: noise and a long tail
#
# The user-tag channel imitates photo-sharing tags: most object names (in English), sometimes
# the scene, a colour or a broader word, sometimes a misspelling or a name in another language,
# and tags unrelated to the picture drawn from a vocabulary of generic words, synthetic place
# names, camera models and proper nouns whose frequencies follow Zipf's law.

# %% tags=["remove-input"]
show_table(pd.DataFrame({"image": range(min(4, len(world))),
                         "tags": [", ".join(t) for t in world.tags[:4]]}), index=False)

# %% [markdown]
# **Fitting the long tail.** An image draws $N \sim \mathrm{Poisson}(\lambda)$ irrelevant tags,
# each of rank $r$ in a vocabulary of $V$ tags with probability $p_r = r^{-s} / H_V(s)$,
# $H_V(s) = \sum_{q=1}^{V} q^{-s}$. Splitting a Poisson count by rank leaves independent
# counts $\mathrm{Poisson}(\lambda p_r)$; a tag drawn twice is kept once, so an image carries
# the tag of rank $r$ with probability $q_r = 1 - e^{-\lambda p_r}$, and the number $k_r$ of the
# $n$ images that carry it is $\mathrm{Binomial}(n, q_r)$. The exponent $s$ and the rate
# $\lambda$ are fitted jointly by maximising
#
# $$\ell(s, \lambda) = \sum_r \big[k_r \log q_r - (n - k_r)\,\lambda p_r\big]$$
#
# over the ranks, and their 95% intervals are $\pm 1.96$ standard errors from the inverse of the
# observed information. A long-tail tag that a picture channel can produce as well is left out:
# its count mixes two sources.

# %%
tail_counts = tw.long_tail_counts(world.tags)
zipf = tw.fit_long_tail(tail_counts)
show_table(zipf.table(), digits={"configured": 2})

# %% tags=["remove-input"]
low, high = zipf.exponent_interval
md(
    f"This world uses **{len(summary.tag_rank_frequency(world))} distinct tags**; "
    f"{zipf.n_distinct} of them come from the long-tail vocabulary of {UGC_VOCABULARY_SIZE:,} "
    f"({zipf.n_occurrences} occurrences), configured with Zipf exponent {ZIPF_EXPONENT} and "
    f"{NOISE_TAGS_PER_IMAGE} irrelevant tags per image. The fit gives **s = {zipf.exponent:.3f}** "
    f"(95% interval {low:.3f} to {high:.3f}) and **λ = {zipf.tags_per_image:.2f}**"
    + (f"; left out as a word of the picture channels too: {', '.join(zipf.excluded_tags)}." if zipf.excluded_tags else ".")
    + " Left: every tag of the world by its rank among them (names from the picture and long-tail tags in two "
    "colours); right: the long-tail "
    "tags by their rank in the vocabulary, averaged over bins of doubling width (bins no image reached are not drawn)."
)
md(
    "**Two exponents.** On the right, the dashed line is the law the world draws its irrelevant tags "
    f"from (the configured exponent s = {ZIPF_EXPONENT}); the solid line is the law fitted to this world's "
    f"tags (s = {zipf.exponent:.3f}, its 95% interval in the legend). Where the two lines lie on top of each "
    "other, the fit has recovered the law the world was built with; the claim `ugc-zipf-exponent` checks "
    "that the configured value lies in the fitted interval. The left panel is not a third estimate: there "
    "the tags are ranked by their own counts among the tags that occurred, and its tail is a flat run of "
    "tags that reached exactly one image (most of the vocabulary reached none and is not drawn). A straight "
    "line through that panel would mix the law with this floor of ones (exercise 2); the fit on the right "
    "uses each tag's rank in the vocabulary, the tags no image carried included."
)

# %%
fig = tw.plot_tag_frequencies(world, tail_counts, zipf)
plt.show()

# %%
_ = tw.record_long_tail_claims(ledger, zipf)

# %% [markdown]
# ## The concept tree
#
# Every category sits in a tree that goes up to `entity`. Each node is a WordNet 3.0 synset; the
# paths leave out some of WordNet's steps but never invent an is-a link (a test checks every
# parent against WordNet's own hypernyms, and every typed-in synset id against its offset).

# %%
show_table(pd.DataFrame([summary.tree_size()]), index=False, digits={"mean depth": 2})
show_table(summary.hierarchy_table(), index=False)

# %% [markdown]
# ## Ambiguity on purpose
#
# Some English labels name two different things with different translations. The dictionary
# lists the senses in WordNet's order, so a word-by-word translation (first sense, first name)
# is wrong for the second sense:

# %%
show_table(summary.polysemy_table(), index=False)

# %% tags=["remove-input"]
md(
    "Word by word: " + "; ".join(f"*{w}* → {translate_word(w, 'zh')}" for w in ("bank", "mouse", "shutter", "bat"))
    + ", whatever the picture shows."
)

# %% [markdown]
# And some labels lie close to each other on purpose, in their target names (窗户 / 百叶窗,
# 杯子 / 马克杯, 船 / 轮船) or in their looks, so the nearest label to a good guess is not always
# the right one:

# %%
show_table(summary.near_synonym_table(), index=False)

# %% [markdown]
# ## Text corpora
#
# Per language, the corpus mixes descriptions of imagined scenes, statements from the concept
# tree ("a dog is a canine", 狗是一种犬科动物) and habits ("dogs are often on the grass"). The
# parallel corpora say the same content in two languages; they share one English side.

# %%
show_table(summary.corpus_samples(6, seed=params.seed), index=False)
show_table(summary.corpus_statistics(5000, seed=params.seed))

# %% [markdown]
# ## Splits
#
# A fixed train / validation / test split, and zero-shot splits in which some object labels
# never occur in training: training images (from the train and validation splits) carry none of
# them, test images carry at least one. That an unseen label reaches no training image is checked
# on every channel it could come through: the labels, the objects drawn, the statements of the
# captions, and the user tags (an unseen label's name in any of the four languages; a name that
# also names another label, such as *bank*, is left out of that check).

# %% tags=["show-input"]
zs = world.zero_shot_split(n_unseen=params.n_unseen, seed=params.seed)

# %%
show_table(tw.split_table(world, zs))
zero_shot = tw.check_zero_shot(world, zs)
show_table(zero_shot.leaks)

# %% tags=["remove-input"]
md(f"Unseen labels of this zero-shot split: {', '.join(zs.unseen)}."
   + (f" Names left out of the tag check: {', '.join(zero_shot.ambiguous_names)}." if zero_shot.ambiguous_names else ""))

# %%
_ = tw.record_zero_shot_claims(ledger, zero_shot)

# %% [markdown]
# ## Claims
#
# What the world is built to have, checked on this run's world. A claim that does not hold is
# reported with its numbers. A 95% interval misses its configured value now and then by chance
# alone: by design on about one seed in twenty.

# %%
ledger.write()
show_table(ledger.table(), index=False)

# %% [markdown]
# ## Exercises
#
# Each exercise says what to change, asks you to write down a prediction first, and gives the
# command that checks it (it reruns this chapter and rebuilds its page).
#
# 1. **More images, a narrower interval.** Change `n_images` from 400 to 1600. *Predict first:*
#    how much narrower does the 95% interval of the Zipf exponent get (a standard error shrinks as
#    $1/\sqrt{n}$)? Check: `tagbook run 00 -p n_images 1600`, and compare the interval in the
#    *Fitting the long tail* table with this page's.
# 2. **A slope is not an exponent.** In `tagbook.experiments.toy_world`, add a least-squares fit
#    of a line to the long-tail points of the left panel (log count against log rank among the
#    tags seen) and print its slope next to the fitted $s$. *Predict first:* is the slope steeper
#    or shallower than $-s$, and does the gap grow or shrink with fewer images? Check:
#    `tagbook run 00 -p n_images 100` and `tagbook run 00 -p n_images 1600`.
# 3. **Another seed, another world.** Change `seed` to 1, 2 and 3. *Predict first:* in how many
#    of 20 seeds would you expect the configured exponent to fall outside its 95% interval, and
#    which tables change, which stay the same? Check: `tagbook run 00 -p seed 1` (then 2, 3).
# 4. **Holding out more labels.** Change `n_unseen` from 10 to 30. *Predict first:* does the share
#    of training images lost grow in proportion to the share of the categories held out, faster or
#    slower? Check: `tagbook run 00 -p n_unseen 30`, and read the *Splits* table.
# 5. **Bigger pictures.** Change `image_size` from 64 to 128. *Predict first:* do the objects per
#    image, the captions and the tags change, or only the pixels? Check:
#    `tagbook run 00 -p image_size 128`.
