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
# # Sampled image tagging at web-vocabulary scale
#
# Ni et al. (Lab41) tag images with words from a vocabulary of hundreds of thousands: a network maps
# an image to a point $\mathbf{f}$ in word-vector space and a word $w$ scores $\mathbf{f}^\top\mathbf{v}_w$,
# so the output layer *is* the word-vector matrix. Training draws $P = 5$ of an image's tags and
# $N = 10$ negatives from the tag distribution, so that a step costs the same whatever the size of
# the vocabulary, and optimises the word vectors with the network (initialised from pre-trained
# ones). Words never used as a tag keep their vectors, and an out-of-vocabulary (OOV) update refits
# them afterwards so that they can still be searched.
#
# This chapter times the sampled and the full objectives from 291 to 400,000 tags (Table 1), trains
# the paper's variants on the toy world (Tables 2-3), and searches the test images with words never
# seen as tags, before and after the OOV update. Rerun it with, for example,
# `tagbook run 04 -p n_images 1600 -p seed 1`.

# %% [markdown] tags=["results-at-a-glance"]
# *Results at a glance: filled in when the book is built.*

# %% [markdown] tags=["run-this-chapter"] command=["n_images", "epochs", "seed"] tier="toy"
# *Run this chapter: filled in when the book is built.*

# %% tags=["parameters"]
n_images = 600  # [200, 20000] toy images to generate
epochs = 10  # [1, 200] training epochs of every variant
seed = 0  # [0, 4294967295] first random seed (world, split, training)
n_seeds = 2  # [1, 10] training seeds per variant (seed, seed + 1, ...)
train_tags = "ugc"  # {ugc, clean} training tags: the noisy UGC tags or the clean label words
n_unseen = 8  # [1, 30] label words held out of training (zero-shot and OOV search)
hidden = 512  # [16, 8192] width of the network's hidden layer (the paper: 8192 and 2048)
timing_tags = [291, 925, 10000, 100000, 400000]  # [2, 400000] vocabulary sizes of the timing table
timing_steps = 2  # [1, 50] training steps measured per size and objective
full_max_tags = 10000  # [291, 400000] largest vocabulary at which the full objectives are timed
oov_epochs = 2  # [1, 50] epochs of the OOV update over the unseen words
oov_partners = 1024  # [16, 400000] partner words per step of the OOV update (Eq. 4's sum over m, sampled)
vocabulary_words = 20000  # [1000, 400000] GloVe's most frequent words in the tagging runs' vocabulary

# %%
from tagbook.params import chapter_parameters

params = chapter_parameters("04", globals())

# %%
from IPython.display import Markdown, display

from tagbook.experiments import ni2017 as n17
from tagbook.report import ClaimsLedger, format_frame, show_table, use_theme


def md(text: str) -> None:
    display(Markdown(text))


use_theme()
ledger = ClaimsLedger("04", parameters=params)
config = n17.Ni2017Config.from_params(params)

# %% [markdown]
# ## The method in brief
#
# For an image with tags $T$ and features $\mathbf{x}$, $\mathbf{f} = h(\mathbf{x})$ (an MLP; here
# 1280 → `hidden` → 50) and the loss is Eq. 1 negated:
#
# $$-\sum_{p \in P} \log\sigma(\mathbf{f}^\top\mathbf{v}_p) - \sum_{n \in N} \log\sigma(-\mathbf{f}^\top\mathbf{v}_n)
#   - \alpha\Big(\sum_{p, p'} \sigma(\mathbf{v}_p^\top\mathbf{v}_{p'}) + \sum_{p, n} \sigma(-\mathbf{v}_p^\top\mathbf{v}_n)\Big),$$
#
# with $\alpha = 0.01$, $P$ drawn uniformly from $T$ and $N$ from the training tag frequencies. The
# *full* objectives ("X-Ent", "Opt+X-Ent") sum over every tag of the vocabulary instead; "Fixed WV"
# freezes the word vectors; Fast0Tag replaces the loss with a ranking loss over (tag, non-tag)
# pairs, $-\sum_p\sum_n \log\sigma(\mathbf{f}^\top(\mathbf{v}_p - \mathbf{v}_n))$.

# %% [markdown]
# ## Table 1: time per epoch, full against sampled
#
# Synthetic inputs of the right shape (1280-d features, 1-15 Zipf tags per image, unit word
# vectors, batch 128) at each vocabulary size; the time per epoch is the measured mean step
# time times the steps of an epoch of the paper's image counts (17,665 images at 291 tags,
# 102,709 at 925 and beyond). Two CPU threads, not the paper's GPU.

# %% tags=["show-input"]
timing = n17.timing_table(config.timing_tags, steps=config.timing_steps, hidden=config.hidden,
                          full_max_tags=config.full_max_tags, seed=config.seed)
ratios = n17.timing_ratios(timing)

# %% tags=["remove-input"]
wide = timing.pivot_table(index=["method", "objective"], columns="tags", values="epoch_s")
wide.columns = [f"{t:,} tags (s)" for t in wide.columns]
show_table(wide.fillna("not timed"))
ratio_view = ratios.rename(columns={"ours": "full / sampled, ours", "paper": "full / sampled, the paper's"})
show_table(ratio_view.fillna("—").set_index(["method", "tags"]))

# %%
n17.plot_timing(timing)

# %%
claim = n17.record_timing_claim(ledger, ratios, "toy")

# %% tags=["remove-input"]
md(f"Full objectives are timed up to {config.full_max_tags:,} tags: beyond, one full step takes seconds to "
   "tens of seconds on two cores (the benchmark `benchmarks/bench_sampled_tagging.py` times them at 400k "
   "side by side). The sampled step barely grows with the vocabulary: the network's forward and backward "
   "dominate it, which is also why the ratio at the paper's small sizes is lower than on the paper's GPU.")

# %% [markdown]
# ## Data: the toy world, with GloVe's words as the vocabulary
#
# The tagging runs' vocabulary is GloVe's `vocabulary_words` most frequent words (20,000 by default),
# plus every training tag and every label word, seen or held out, that GloVe has: the words the model
# is trained and evaluated on are always in it. Table 1 above already timed the objectives at 400,000
# words; `-p vocabulary_words 400000` trains on the whole table (the full objectives then update 20M
# values per step and the OOV update refits about 400,000 vectors: tens of minutes on two cores).
# The toy world's UGC tags (noisy, misspelt, multilingual, with a long tail) play the paper's
# user-generated metadata; evaluation is on the clean object and scene labels of the test images.
# Some label words are held out of training altogether: they are never a training tag, so their
# GloVe vectors are never updated, and they serve both the zero-shot test and the OOV search.

# %%
import numpy as np

from tagbook.text.vectors import load_vectors
from tagbook.vision import extract_features, load_backbone
from tagbook.world import WorldConfig, make_world

world = make_world(WorldConfig(n_images=config.n_images, seed=config.seed), progress=False)
features = extract_features(load_backbone("efficientnet-lite0"), world.images, kinds=("pooled",), progress=False).pooled
glove = load_vectors("glove-en")
data = n17.prepare_toy_data(world, features, glove.words, glove.matrix, config.train_tags, config.n_unseen, config.seed,
                            vocabulary_words=config.vocabulary_words)

# %% tags=["remove-input"]
md(f"{len(world)} images: {len(data.train_idx)} for training, {len(data.test_idx)} for testing. Training tags: "
   f"**{config.train_tags}**, {data.n_distinct_tags:,} distinct, of which {data.n_extra:,} have no GloVe vector and "
   f"join the vocabulary with random vectors; the model's vocabulary has {len(data.words):,} words. "
   f"{len(data.seen)} seen label words are evaluated; held out: {', '.join(data.label_words[j] for j in data.unseen)}.")

# %% [markdown]
# ## Tables 3 and 2 (left): tagging the toy test images
#
# Each variant is trained with the same data, network and epochs, over several seeds. P, R and F1
# at top 5 are given per label (macro, the paper's released code) and pooled (micro, Fast0Tag's
# style). The paper does not say which it used; the **per-label** numbers are the ones placed
# beside the paper's. The paper's numbers are on IAPR TC-12 (Table 3) and NUS-WIDE (Table 2):
# different data, shown for scale only.

# %% tags=["show-input"]
seeds = [config.seed + i for i in range(config.n_seeds)]
runs = n17.tagging_runs(data, seeds=seeds, epochs=config.epochs, hidden=config.hidden, oov_epochs=config.oov_epochs,
                       oov_partners=config.oov_partners)

# %% tags=["remove-input"]
md("**Seen words** (Table 3; the paper's columns: IAPR TC-12):")
show_table(n17.tagging_table(runs, "seen", "Table 3", "IA"))
md("**Held-out words only** (zero-shot, Table 2 left; the paper's columns: NUS-WIDE 925 → 81):")
show_table(n17.tagging_table(runs, "unseen", "Table 2", "NUS-WIDE 925->81"))
md("**Seen and held-out words together** (the paper's columns: NUS-WIDE 925 → 1006):")
show_table(n17.tagging_table(runs, "union", "Table 2", "NUS-WIDE 925->1006"))

# %%
c1 = n17.record_sampled_vs_full_claim(ledger, runs, "toy")
c2 = n17.record_optimised_claim(ledger, runs, "toy")
c3 = n17.record_cross_entropy_claim(ledger, runs, "toy")

# %% [markdown]
# ## Searching with words never seen as tags
#
# For each held-out word, the 10 test images whose points score it highest are retrieved with the
# trained S+Opt+X-Ent model; precision@10 is the share of them showing it. Then the OOV update
# (Sec. 2.1, Eq. 3-4) refits every vector that no training step touched, so that its sigmoid
# correlations with all words match those of the initial GloVe vectors, and the search is repeated.
# Eq. 4 sums over every word $m$; here each step draws `oov_partners` (1,024 by default) of them
# uniformly from the vocabulary, a cheaper setting than the library's default of 4,096, for two
# `oov_epochs`. More partners give a less noisy gradient per step, not a different objective.

# %%
oov = n17.oov_table(runs)
show_table(oov.rename(columns={"before": "precision@10 before (%)", "after": "after the OOV update (%)"}))
c4 = n17.record_oov_claim(ledger, runs, "toy")

# %% [markdown]
# ## Claims

# %%
ledger.write()
show_table(ledger.table(), index=False)

# %% [markdown]
# ## What differs from the paper
#
# - **Data.** The toy world instead of IAPR TC-12, ESP-game, NUS-WIDE and YFCC100M; EfficientNet-Lite0
#   pooled features (1280-d) instead of VGG's 4096-d; GloVe 6B 50-d (400k words) instead of 300-d
#   vectors over 432k words. The paper's numbers are shown beside ours for scale only.
# - **Size.** The network is 1280 → `hidden` → 50 (the paper: 4096 → 8192 → 2048 → 300), sized for two
#   CPU cores; the default run trains 6 variants × 2 seeds for 10 epochs on about 500 training images, over a
#   vocabulary of GloVe's 20,000 most frequent words plus the training tags and label words. A larger run
#   (`-p n_images 5000 -p epochs 50 -p n_seeds 5`) gives tighter spreads and more seeds per claim, which
#   makes the gaps between the variants easier to read (a 2-seed claim is a thin check);
#   `-p vocabulary_words 400000` adds the rare words that are neither tags nor labels, which the sampled
#   objectives only meet as negatives and the OOV update must refit (the retrieval of the held-out words
#   can change with that larger table); `-p oov_partners 4096` is the library's default OOV setting;
#   `-p full_max_tags 400000` times the full objectives at every size (minutes).
# - **Timing.** CPU with two threads; the network's cost is a larger share of a step than on the
#   paper's GPU, which lowers the full/sampled ratio at small vocabularies.

# %% [markdown]
# ## Exercises
#
# 1. **Clean tags.** Train on the clean label words instead of the UGC tags. Predict: higher F1 on the
#    seen words, and a smaller vocabulary for the full objectives. Check:
#    `tagbook run 04 -p train_tags clean`.
# 2. **More negatives are not free.** The sampled step grows with $N$, not with the vocabulary. Predict
#    how far the 400k sampled time moves when the full objectives are timed up to 100k:
#    `tagbook run 04 -p full_max_tags 100000 -p timing_steps 1`.
# 3. **A wider network.** Predict whether the full/sampled ratio at 291 tags rises or falls with
#    `hidden` at 2048 (the network's share of a step grows): `tagbook run 04 -p hidden 2048`.
# 4. **More held-out words.** With 20 words held out, does the OOV update still help retrieval?
#    `tagbook run 04 -p n_unseen 20`.
