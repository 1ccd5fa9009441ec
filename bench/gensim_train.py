#!/usr/bin/env python3
"""The peer for `ember train`: gensim's Word2Vec in corpus_file mode (its fastest) with the
issue's settings, timed the same way (raw corpus words x epochs / training seconds).
usage: /usr/bin/python3 bench/gensim_train.py CORPUS {skipgram|cbow} THREADS OUT.vec [SEED] [DIM]"""
import sys, time
from gensim.models import Word2Vec

corpus, mode, threads, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
dim = int(sys.argv[6]) if len(sys.argv) > 6 else 100
sg = 1 if mode == "skipgram" else 0
start = time.time()
model = Word2Vec(corpus_file=corpus, sg=sg, vector_size=dim, window=5, negative=5, min_count=5,
                 sample=1e-4, epochs=5, workers=threads, alpha=0.025 if sg else 0.05, seed=seed)
seconds = time.time() - start
words = model.corpus_total_words * model.epochs
model.wv.save_word2vec_format(out)
print(f"gensim {mode}: {words / seconds:.0f} words/s ({threads} threads, {seconds:.1f} s incl. vocabulary)")
