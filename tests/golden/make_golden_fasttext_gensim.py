#!/usr/bin/python3
"""Writes what gensim says of a fastText model that ember trained, for
tests/test_fasttext_bin.cpp (FastTextBin.GensimReadsEmbersModelWithEmbersVectors):

    fasttext_bin/ember_skipgram.bin          `ember train fasttext`'s PREFIX.bin: dim 8,
                                             bucket 2000, minCount 40, on corpus/sample.txt
                                             plus the 50 lines of non-ASCII words that
                                             make_golden_fasttext_bin.sh adds (so that the
                                             vocabulary has some)
    fasttext_bin/ember_skipgram_gensim.txt   "word v1 .. v8": gensim's model.wv[word] for
                                             each word of fasttext_bin/words.txt (vocabulary,
                                             OOV, non-ASCII, </s>), 9 significant digits
                                             (every float32 exactly)
    fasttext_bin/ember_skipgram_gensim_similar.txt
                                             "query neighbour cosine": gensim's
                                             model.wv.most_similar(query, topn=5) for two
                                             vocabulary words, 9 significant digits

Run from anywhere with Debian's python, which has gensim 4.2 (the `python3` first on PATH
may be another interpreter without it), after building ember (cmake --build --preset cpu):

    /usr/bin/python3 tests/golden/make_golden_fasttext_gensim.py [--ember build/cpu/ember]
    /usr/bin/python3 tests/golden/make_golden_fasttext_gensim.py --no-train

The model is trained by
    ember train fasttext --input TRAIN.txt --output PREFIX --dim 8 --bucket 2000
        --min-count 40 --epochs 5 --threads 1 --seed 1
(one thread: the same bits for the same build; another compiler or CPU may round
differently, so the model is committed and --no-train rewrites the text files from the
committed model only). gensim loads the model with gensim.models.fasttext.load_facebook_model.
"""
import argparse
import os
import shutil
import subprocess
import tempfile

import gensim
from gensim.models.fasttext import load_facebook_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "fasttext_bin")
MODEL = os.path.join(OUT, "ember_skipgram.bin")
NON_ASCII_LINE = "le café était très naïve über straße zürich ñandú 東京 日本語 die straße\n"
SIMILAR_QUERIES = ["government", "senate"]


def train(ember):
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        shutil.copyfile(os.path.join(ROOT, "corpus", "sample.txt"), text)
        with open(text, "a", encoding="utf-8") as f:
            f.write(NON_ASCII_LINE * 50)
        prefix = os.path.join(tmp, "ember")
        subprocess.run([ember, "train", "fasttext", "--input", text, "--output", prefix,
                        "--dim", "8", "--bucket", "2000", "--min-count", "40", "--epochs", "5",
                        "--threads", "1", "--seed", "1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copyfile(prefix + ".bin", MODEL)


def floats(values):
    return " ".join("%.9g" % float(x) for x in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ember", default=os.path.join(ROOT, "build", "cpu", "ember"),
                        help="the ember program that trains the model")
    parser.add_argument("--no-train", action="store_true",
                        help="keep the committed model; rewrite gensim's answers only")
    args = parser.parse_args()
    if not args.no_train:
        train(args.ember)

    wv = load_facebook_model(MODEL).wv
    with open(os.path.join(OUT, "words.txt"), encoding="utf-8") as f:
        words = f.read().split()
    with open(os.path.join(OUT, "ember_skipgram_gensim.txt"), "w", encoding="utf-8") as f:
        for word in words:
            f.write("%s %s\n" % (word, floats(wv[word])))
    with open(os.path.join(OUT, "ember_skipgram_gensim_similar.txt"), "w",
              encoding="utf-8") as f:
        for query in SIMILAR_QUERIES:
            assert query in wv.key_to_index, query
            for neighbour, cosine in wv.most_similar(query, topn=5):
                f.write("%s %s %.9g\n" % (query, neighbour, cosine))
    print("gensim %s: wrote %s and its answers for %d words" %
          (gensim.__version__, MODEL, len(words)))


if __name__ == "__main__":
    main()
