#!/usr/bin/env python3
"""Scores word vectors with gensim's own evaluators (the issue's yardstick): analogy accuracy
on questions-words over the 30k most frequent words (3CosAdd) and Spearman rho on WordSim353.
usage: /usr/bin/python3 bench/eval_gensim.py VECTORS.vec [DATA_DIR]
DATA_DIR holds questions-words.txt and wordsim353.tsv (default: the repository's data/eval)."""
import sys, os, logging

if len(sys.argv) < 2:
    sys.exit(__doc__)
from gensim.models import KeyedVectors

path = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "data", "eval")
kv = KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))
analogy, _ = kv.evaluate_word_analogies(os.path.join(data, "questions-words.txt"), restrict_vocab=30000)
pearson, spearman, oov = kv.evaluate_word_pairs(os.path.join(data, "wordsim353.tsv"))
print(f"{path}: analogy {analogy:.3f}  wordsim353 rho {spearman[0]:.3f}  (oov {oov:.1f}%)")
