"""The backbone split for fine-tuning: the trainable tail on the frozen stem's cached activations
gives the backbone's own pooled features, trains without touching the backbone, and caches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.cnn_tagger import CNNTagger, CNNTaggerConfig
from tagbook.vision import extract_features, load_backbone
from tagbook.vision.finetune import FINETUNE, pooled_from_activations, stem_activations, trainable_tail


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("efficientnet-lite0")


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    out = [rng.integers(0, 256, (72, 96, 3), dtype=np.uint8) for _ in range(3)]
    out.append(np.zeros((64, 64, 3), dtype=np.uint8))
    return out


@pytest.fixture(scope="module")
def pooled(backbone, images):
    return extract_features(backbone, images, cache=False, progress=False).pooled


@pytest.mark.parametrize("mode", ["head", "block", "all"])
def test_tail_on_stem_activations_is_the_backbone(backbone, images, pooled, mode, tmp_path_factory):
    activations = stem_activations(backbone, images, mode, cache=False)
    expected_shape = {"head": (4, 320, 7, 7), "block": (4, 192, 7, 7), "all": (4, 3, 224, 224)}[mode]
    assert activations.shape == expected_shape
    assert activations.dtype == (np.uint8 if mode == "all" else np.float32)
    np.testing.assert_allclose(pooled_from_activations(trainable_tail(backbone, mode), activations), pooled,
                               atol=5e-5, rtol=1e-4)


def test_none_gives_pooled_features_and_no_tail(backbone, images, pooled):
    np.testing.assert_allclose(stem_activations(backbone, images, "none", cache=False), pooled, atol=1e-6)
    assert trainable_tail(backbone, "none") is None
    assert FINETUNE == ("none", "head", "block", "all")
    with pytest.raises(ValueError, match="trainable must be one of"):
        trainable_tail(backbone, "stem")


def test_tail_trains_a_copy_and_stays_in_eval_mode(backbone):
    tail = trainable_tail(backbone, "head")
    names = {n for n, p in tail.named_parameters() if p.requires_grad}
    assert names == {"head_conv.weight", "head_conv.bias"}  # batch norm folded into the convolution
    assert sum(p.numel() for p in tail.parameters()) == 320 * 1280 + 1280
    before = backbone.net._conv_head.weight.detach().clone()
    tail.train()
    assert not tail.training
    out = tail(torch.randn(2, 320, 7, 7))
    out.sum().backward()
    with torch.no_grad():
        tail.head_conv.weight -= 0.1 * tail.head_conv.weight.grad
    assert torch.equal(backbone.net._conv_head.weight, before)
    assert not torch.equal(tail.head_conv.weight, before)
    block = trainable_tail(backbone, "block")
    assert len(block.blocks) == 1 and sum(p.numel() for p in block.parameters()) > 320 * 1280 + 1280


def test_output_standardisation_is_fixed(backbone):
    tail = trainable_tail(backbone, "head")
    x = torch.rand(5, 320, 7, 7)
    raw = tail(x).detach()
    mean, std = raw.mean(0).numpy(), raw.std(0).numpy() + 1.0
    tail.set_output_standardisation(mean, std)
    np.testing.assert_allclose(tail(x).detach().numpy(), (raw.numpy() - mean) / std, atol=1e-5)
    assert not any(p.data_ptr() == tail.output_mean.data_ptr() for p in tail.parameters())


def test_stem_activations_are_cached_by_content(backbone, images, monkeypatch, tmp_path):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    first = stem_activations(backbone, images[:2], "head")
    files = sorted((tmp_path / "stem-activations").glob("*.npz"))
    assert len(files) == 1
    again = stem_activations(backbone, [im.copy() for im in images[:2]], "head")
    np.testing.assert_array_equal(first, again)
    stem_activations(backbone, images[1:3], "head")  # other images, another entry
    assert len(list((tmp_path / "stem-activations").glob("*.npz"))) == 2


def test_cnn_tagger_fine_tunes_the_tail_on_uint8_images(backbone, images):
    tail = trainable_tail(backbone, "all")
    x = stem_activations(backbone, images, "all", cache=False)
    tags = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=bool)
    start = tail.head_conv.weight.detach().clone()
    model = CNNTagger(CNNTaggerConfig(loss="hinge", epochs=1, batch_size=4, show_progress=False, num_threads=1))
    model.fit(x, tags, trunk=tail)
    assert not torch.equal(tail.head_conv.weight, start)
    assert model.score(x).shape == (4, 3)


def test_finetune_cost_table_projects_one_step_per_depth(backbone):
    from tagbook.experiments.he2015 import finetune_cost_table

    table = finetune_cost_table(backbone, n_images=100, epochs=2, runs=3, batch=2, modes=("none", "head"))
    assert list(table.index) == ["`none`", "`head`"]
    assert (table["seconds per epoch"] > 0).all()
    np.testing.assert_allclose(table["minutes for the CNN rows"], table["seconds per epoch"] * 2 * 3 / 60)
