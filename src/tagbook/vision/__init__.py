"""Vision: ImageNet backbones that run offline, a content-keyed feature cache, low-level features.

```python
from tagbook.vision import load_backbone, extract_features, IMAGENET
bb = load_backbone("efficientnet-lite0")     # also efficientnet-lite1/-lite2; resnet152, resnet34,
                                             # googlenet when torchvision and their weights exist
feats = extract_features(bb, images, kinds=("pooled", "conv", "probs"))
IMAGENET.wnids[281], IMAGENET.names[281]      # ('n02123045', 'tabby cat')
```
Low-level features (the NUS-WIDE set used by DREL) live in :mod:`tagbook.vision.lowlevel`.
"""

from tagbook.vision.backbones import (
    BACKBONES,
    DEFAULT_BACKBONE,
    LITE_BACKBONES,
    Backbone,
    BackboneSpec,
    Preprocessing,
    load_backbone,
)
from tagbook.vision.extract import CACHE_CHUNK, KINDS, Features, as_image_list, as_rgb_uint8, extract_features, image_key
from tagbook.vision.imagenet import IMAGENET, ImageNetLabels
from tagbook.vision.predict import top_imagenet_labels

__all__ = [
    "BACKBONES", "DEFAULT_BACKBONE", "LITE_BACKBONES", "Backbone", "BackboneSpec", "Preprocessing",
    "load_backbone", "CACHE_CHUNK", "KINDS", "Features", "as_image_list", "as_rgb_uint8",
    "extract_features", "image_key", "IMAGENET", "ImageNetLabels", "top_imagenet_labels",
]
