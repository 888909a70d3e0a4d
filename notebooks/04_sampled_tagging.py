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
# the paper's variants on the toy world (Tables 2-3, within one corpus, zero-shot and across
# corpora), draws the sampling curves of Fig. 2, retrieves test images for query words (Fig. 3), and
# searches the test images with words never seen as tags, before and after the OOV update. Rerun
# it with, for example, `tagbook run 04 -p n_images 1600 -p seed 1`.

# %% [markdown] tags=["results-at-a-glance"]
# *Results at a glance: filled in when the book is built.*

# %% [markdown] tags=["run-this-chapter"] command=["n_images", "epochs", "seed"] tier="toy" reads=[]
# *Run this chapter: filled in when the book is built.*

# %% tags=["parameters"]
n_images = 600  # [200, 20000] toy images to generate
epochs = 10  # [1, 200] training epochs of every variant
seed = 0  # [0, 4294967295] first random seed (world, split, training)
n_seeds = 3  # [1, 10] training seeds per variant (seed, seed + 1, ...)
train_tags = "ugc"  # {ugc, clean} training tags: the noisy UGC tags or the clean label words
n_unseen = 8  # [1, 30] label words held out of training (zero-shot and OOV search)
hidden = 512  # [16, 8192] width of the network's hidden layer (the paper: 8192 and 2048)
timing_tags = [291, 925, 10000, 100000, 400000]  # [2, 400000] vocabulary sizes of the timing table
timing_steps = 2  # [1, 50] training steps measured per size and objective
full_max_tags = 10000  # [291, 400000] largest vocabulary at which the full objectives are timed
oov_epochs = 2  # [1, 50] epochs of the OOV update over the unseen words
oov_partners = 1024  # [16, 400000] partner words per step of the OOV update (Eq. 4's sum over m, sampled)
vocabulary_words = 20000  # [1000, 400000] GloVe's most frequent words in the tagging runs' vocabulary
word_learning_rate = 0.001  # [0.0001, 0.1] learning rate of the word vectors (Adam; the network's is 0.001)
curve_epochs = 12  # [1, 200] epochs of each sampling curve (Fig. 2; the paper: 100)
curve_grid = "cross"  # {cross, full} the (P, N) settings of Fig. 2: P at N = 10, N at P = 5 and P = N = 1; or all 16
clean_share = 0.25  # [0.05, 1.0] share of the training images in the small clean corpus (Table 2 right)

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
show_table(ratio_view.astype(object).fillna("—").set_index(["method", "tags"]))

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
# Each variant is trained with the same data, network and epochs, over several seeds (mean ± sd
# over seeds). P, R and F1 at top 5 are given per label (macro, the paper's released code) and
# pooled (micro, Fast0Tag's style). The paper does not say which it used; the **per-label**
# numbers are the ones placed beside the paper's (its columns "paper P/R/F1"). The paper's numbers
# are on IAPR TC-12 (Table 3) and NUS-WIDE (Table 2): different data, shown for scale only.

# %% tags=["show-input"]
seeds = [config.seed + i for i in range(config.n_seeds)]
runs = n17.tagging_runs(data, seeds=seeds, epochs=config.epochs, hidden=config.hidden, oov_epochs=config.oov_epochs,
                       oov_partners=config.oov_partners, word_learning_rate=config.word_learning_rate)

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
# ## Fig. 2: how many positives and negatives to sample
#
# The paper chose $P = 5$ and $N = 10$ from curves of F1 against epochs (its Fig. 2 c-d, 100 epochs on
# a small corpus). Here S+Opt+X-Ent is trained `curve_epochs` epochs for each setting of
# `curve_grid` ("cross": $P \in \{1, 2, 5, 10\}$ at $N = 10$, $N \in \{1, 5, 10, 100\}$ at $P = 5$, and
# $P = N = 1$; `-p curve_grid full` runs all 16 pairs) and each seed, and the test images' per-label
# F1@5 on the seen words is measured after every epoch. The test images are only measured: nothing
# is chosen on them. "Near-parity" and "similar" are read as within 2 F1 points, fixed before the runs.

# %% tags=["show-input"]
curves = n17.sampling_curves(data, n17.curve_grid(config.curve_grid), seeds=seeds, epochs=config.curve_epochs,
                             hidden=config.hidden)

# %%
n17.plot_sampling_curves(curves)

# %% tags=["remove-input"]
final = curves[(curves["average"] == "label") & (curves["epoch"] == curves["epoch"].max())]
show_table(final.groupby(["P", "N"])[["precision", "recall", "F1"]].agg(lambda v: f"{v.mean():.1f} ± {v.std(ddof=1) if v.size > 1 else 0:.1f}"))
md(f"*F1, precision and recall at top 5 (per label, %) after {int(curves['epoch'].max())} epochs, mean ± sd over "
   f"{len(seeds)} seeds. The figure shows the same runs after every epoch; the paper's curves run to 100 epochs, "
   "and ours are shorter, so a setting that learns more slowly (few positives, many negatives) can still be "
   "climbing where ours stop.*")

# %%
c5 = n17.record_single_samples_claim(ledger, curves, "toy")
c6 = n17.record_positive_parity_claim(ledger, curves, "toy")
c7 = n17.record_negatives_claim(ledger, curves, "toy")

# %% [markdown]
# ## Table 2 (right): training on one corpus, tagging another
#
# The paper trains on one corpus and tests on another: IAPR TC-12 → ESP-game (two small curated
# corpora with different label sets), Visual Genome → ESP-game, and YFCC100M → ESP-game (a huge
# noisy corpus). Here the label words are split at random into two sets A and B of 60% of the words
# each (they overlap by about a fifth), and three training corpora are built from the training
# images: **clean A, small** (the clean labels of set A on `clean_share` of the images, a curated
# corpus), **clean A, all** (the same labels on every training image) and **UGC, all** (the noisy
# user tags of every training image). All are tested on the clean labels of set B of the test
# images. The paper's numbers beside ours: IA → ESP beside the small clean corpus, VG → ESP beside
# clean A on all images (both are curated corpora of different sizes), YFCC → ESP beside UGC.

# %% tags=["show-input"]
cc = n17.prepare_cross_corpus(world, features, glove.words, glove.matrix, config.seed, config.vocabulary_words,
                              config.clean_share)
cross = n17.cross_corpus_runs(cc, variants=n17.CROSS_VARIANTS, seeds=seeds, epochs=config.epochs,
                              hidden=config.hidden)

# %% tags=["remove-input"]
md(f"Set A: {len(cc.set_a)} words, set B: {len(cc.set_b)} words, "
   f"{len(set(cc.set_a.tolist()) & set(cc.set_b.tolist()))} in both. Training images: "
   + ", ".join(f"{name} {len(d.train_idx)}" for name, d in cc.corpora.items()) + ".")
show_table(n17.cross_corpus_table(cross))

# %%
c8 = n17.record_transfer_claim(ledger, cross, "toy")
c9 = n17.record_recall_claim(ledger, runs, cross, "toy")

# %% [markdown]
# ## Fig. 3: retrieval with the noisy tags beside the images
#
# The paper shows, for a few search words, the top six images that its model retrieves from
# YFCC100M, with their user tags beside them. Here: two seen label words with the most training
# images and two held-out words with the most test images (chosen from the data, before training),
# searched with the first seed's S+Opt+X-Ent model (after the OOV update) over the test images;
# under each image, its first UGC tags, and a green frame where the word is among its clean labels.

# %%
model0 = next(r.model for r in runs if r.model is not None)
queries = n17.retrieval_queries(data)
n17.plot_retrieval(world, data, model0, queries)

# %% tags=["remove-input"]
hits = n17.retrieval_hits(data, model0, queries)
md("*The frames to read: green where the image's clean labels hold the query word. "
   + "; ".join(f"**{w}** ({r.kind}): {r.hits} of {r.retrieved} (the test set has {r.test_images_showing_it} such images)"
               for w, r in hits.iterrows())
   + ". The tags under the images are the noisy UGC metadata the model was trained on, as in the paper's figure; "
   "misspellings and other languages among them are the toy world's stand-ins for YFCC100M's.*")

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
oov = n17.oov_table(runs, diagnostics=True)
oov_view = oov.rename(columns={"before": "precision@10 before (%)", "after": "after the OOV update (%)"}).astype(object)
for column in oov.columns:  # cosines near 1 and KLs near 0 need more digits than the table's default
    if column.startswith("cos"):
        oov_view[column] = [f"{v:.6f}" for v in oov[column]]
    elif column.startswith("Eq. 4"):
        oov_view[column] = [f"{v:.1e}" for v in oov[column]]
show_table(oov_view)
c4 = n17.record_oov_claim(ledger, runs, "toy")

# %% tags=["remove-input"]
first = oov.iloc[0]
md(f"**Why the update changes so little here.** The update can only repair what training broke: the "
   f"correlations between the moved vectors and the unmoved ones. In these runs training touched "
   f"{oov['touched share (%)'].mean():.1f}% of the vocabulary's rows, and the touched rows kept a mean cosine of "
   f"{oov['cos(trained, initial), touched rows'].mean():.4f} with their initial vectors (Adam at "
   f"`word_learning_rate` = {config.word_learning_rate:g} for {config.epochs} epochs of "
   f"{-(-len(data.train_idx) // 128)} steps: each row moves at most about that rate per step). Eq. 4's mean KL "
   f"between the initial and the current correlations is then {first['Eq. 4 KL, first epoch']:.1e} before the "
   f"update has done anything: the initial vectors of the held-out words already satisfy Eq. 4, its gradient is "
   f"almost zero, and the refitted vectors keep a cosine of {oov['cos(updated, initial), held-out words'].mean():.6f} "
   "with the initial ones. The paper trained 40 epochs over YFCC100M, where the tag vectors move far; a run "
   "that moves them more here (`-p word_learning_rate 0.01`, exercise 5) is where the update has something to do.")

# %% [markdown]
# ## Training in several processes
#
# `SampledTagger.fit` runs unchanged under `torchrun` (gloo on CPU): every rank draws the same batches
# and the same positives and negatives from one seed, computes the loss of its shard of each batch
# weighted by its share of the batch, and the gradients are summed over the ranks, so two processes
# train the weights of one (up to float rounding; `tests/test_sampled_distributed.py` checks it for
# S+Opt+X-Ent, S Fixed WV, S+Fast0Tag and Opt+X-Ent, to within 1e-7 here). The word-vector table is
# **replicated**: each rank holds all of it. A sampled step gathers the distinct rows of the whole
# batch's samples (at most $B(P + N)$ = 1,920 at batch 128) and only their gradients are summed
# over the ranks: 1,920 × 50 floats, about 0.4 MB a step, whatever the vocabulary, and every rank
# applies the same lazy-Adam row update. The full objectives must sum the dense gradient of the whole
# table, 400,000 × 50 floats (80 MB) a step at GloVe's size. Replication costs memory instead: each
# process holds the table, its two Adam moments and the initial copy, 4 × 80 MB at 400k words.
# Sharding the table by rows would divide that memory but add a look-up round trip per step.
#
#     torchrun --standalone --nproc_per_node 2 -m tagbook.methods.tagging.sampled_ddp_selftest --selftest

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
#   vectors over 432k words. The paper's numbers are shown beside ours for scale only. The
#   cross-corpus settings are built inside one toy world: the "other corpus" is the test images
#   with a different label set, not another collection of photographs, and the small clean corpus
#   is small because `clean_share` makes it so (the paper's IAPR TC-12 has 17,665 images against
#   YFCC100M's millions).
# - **Size.** The network is 1280 → `hidden` → 50 (the paper: 4096 → 8192 → 2048 → 300), sized for two
#   CPU cores; the default run trains 6 variants × 3 seeds for 10 epochs on about 500 training images
#   (Tables 2-3), 8 sampling settings × 3 seeds for 12 epochs (Fig. 2, the paper: 100 epochs) and
#   4 variants × 3 corpora × 3 seeds (Table 2 right), over a
#   vocabulary of GloVe's 20,000 most frequent words plus the training tags and label words. A larger run
#   (`-p n_images 5000 -p epochs 50 -p n_seeds 5`) gives tighter spreads and more seeds per claim, which
#   makes the gaps between the variants easier to read (a 3-seed claim is still a thin check);
#   `-p curve_epochs 100 -p curve_grid full` draws Fig. 2 as long as the paper's, over all 16 pairs;
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
# 5. **Move the word vectors further.** The OOV update repairs what training moved. Predict how the
#    touched rows' cosine to their initial vectors, Eq. 4's KL before the update and the held-out
#    words' precision@10 after it change when the word vectors learn ten times faster:
#    `tagbook run 04 -p word_learning_rate 0.01`.
