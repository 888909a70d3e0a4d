"""Image tagging over a tag vocabulary: DREL and its baselines (chapter 03), sampled tagging at web scale (chapter 04).

Chapter 03 (He et al. 2015, Tables 1 and 2), each a class with ``fit(features, tag_matrix)``
and ``score(features) -> (n_images, n_tags)`` float32, higher is better:

- :class:`~tagbook.methods.tagging.drel.DREL`: deep representation and tag embedding learning,
  with online ``partial_fit`` for new images and new tags;
- :class:`~tagbook.methods.tagging.wsabie.WSABIE`: the linear joint embedding trained with WARP;
- :class:`~tagbook.methods.tagging.knn.KNNTagVoting`: the nearest training images vote;
- :class:`~tagbook.methods.tagging.svm.PlattSVM`: one-vs-all linear SVMs with Platt probabilities;
- :class:`~tagbook.methods.tagging.cnn_tagger.CNNTagger`: a tag layer on a trainable trunk with
  Gong et al.'s softmax, pairwise-hinge or WARP loss (CNN_softmax, CNN_hingeloss, CNN_WARP).
"""

from tagbook.methods.tagging.cnn_tagger import CNNTagger, CNNTaggerConfig
from tagbook.methods.tagging.drel import DREL, DRELConfig
from tagbook.methods.tagging.knn import KNNTagConfig, KNNTagVoting
from tagbook.methods.tagging.svm import PlattSVM, SVMConfig
from tagbook.methods.tagging.wsabie import WSABIE, WSABIEConfig

__all__ = [
    "CNNTagger",
    "CNNTaggerConfig",
    "DREL",
    "DRELConfig",
    "KNNTagConfig",
    "KNNTagVoting",
    "PlattSVM",
    "SVMConfig",
    "WSABIE",
    "WSABIEConfig",
]
