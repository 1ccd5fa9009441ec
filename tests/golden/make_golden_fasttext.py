#!/usr/bin/python3
"""Writes fasttext_subwords.txt, the subword ids that tests/test_data_fasttext_ngrams.cpp
checks ember's data/fasttext_ngrams.cpp against, as fastText 0.9.2 itself computes them.

Run with Debian's python and its fastText (apt install python3-fasttext):
    /usr/bin/python3 tests/golden/make_golden_fasttext.py

For each configuration (minn, maxn, bucket) it trains a tiny model (so that fastText holds
a dictionary of nwords words), then asks get_subwords() of words the model has never seen:
fastText answers with the n-gram strings and their ids nwords + hash % bucket. One line per
word, tab-separated:

    minn  maxn  bucket  nwords  word  id,id,...  ngram ngram ...

The words include non-ASCII ones (bytes >= 0x80 hash as signed chars in fastText).
Running this twice gives identical files.
"""
import os
import tempfile

import fasttext

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_TEXT = "the cat sat on the mat\nthe dog ate the bone\none cat and one dog\n" * 3
CONFIGS = [(3, 6, 2000000), (1, 3, 1000), (2, 4, 97), (5, 5, 1 << 20)]
WORDS = ["where", "a", "ab", "embedding", "naïve", "straße", "日本語", "café",
         "über-cool", "ﬁx", "x", "antidisestablishmentarianism", "Ωμέγα", "😀ok"]


def main():
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(TRAIN_TEXT)
        for minn, maxn, bucket in CONFIGS:
            model = fasttext.train_unsupervised(
                path, model="skipgram", dim=2, epoch=1, minCount=1, minn=minn, maxn=maxn,
                bucket=bucket, thread=1, verbose=0)
            nwords = len(model.words)
            for word in WORDS:
                assert model.get_word_id(word) == -1, word
                ngrams, ids = model.get_subwords(word)
                lines.append("\t".join([str(minn), str(maxn), str(bucket), str(nwords), word,
                                        ",".join(str(i) for i in ids), " ".join(ngrams)]))
    with open(os.path.join(HERE, "fasttext_subwords.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
