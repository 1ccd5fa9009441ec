#!/usr/bin/python3
"""Golden numbers for tests/test_evaluator.cpp, from gensim 4.x (Debian python3-gensim).

    /usr/bin/python3 tests/golden/make_golden_eval.py            # reuse tests/data/eval_vectors.txt
    /usr/bin/python3 tests/golden/make_golden_eval.py --retrain  # train it anew first

The vectors: gensim Word2Vec (skip-gram, 20 dims, one worker, seed 1) on the bundled
corpus/public_domain.txt.gz (State of the Union addresses, Moby-Dick, the King James Bible;
public domain, see corpus/README.md), its 2,000 most frequent words, rounded to 4 decimals,
plus two case variants to exercise case-insensitive lookups: "King" (a random row) before
"king", "Paris" (a random row) after the lowercase words. Written as word2vec text.

It writes tests/golden/eval_gensim.json:
  analogies:  [{restrict, case_insensitive, sections: [[name, correct, incorrect, oov]],
                total: [correct, incorrect, oov], min_gap}]
  similarity: [{file, restrict, case_insensitive, pearson, spearman, pairs, oov, oov_ratio}]
  most_similar: [{word, top: [[word, cosine]]}]
  analogy:     [{a, b, c, mul, top: [[word, score]]}]
min_gap is the smallest gap, over every evaluated question, between consecutive scores of
the 6 best candidates: a fixture is only fair when float rounding cannot swap an answer,
so the script fails when it is below 2e-6.
"""
import gzip
import json
import os
import sys

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data")
VECTORS = os.path.join(DATA, "eval_vectors.txt")
QUESTIONS = os.path.join(ROOT, "data", "eval", "questions-words.txt")
WORDSIM = os.path.join(ROOT, "data", "eval", "wordsim353.tsv")
SIMLEX = os.path.join(DATA, "simlex_layout.txt")
OUT = os.path.join(HERE, "eval_gensim.json")


def train():
    corpus = os.path.join(ROOT, "corpus", "public_domain.txt.gz")
    with gzip.open(corpus, "rt") as f:
        sentences = [line.split() for line in f]
    model = Word2Vec(sentences, vector_size=20, window=5, min_count=5, sg=1, negative=5,
                     workers=1, seed=1, epochs=3)
    kv = model.wv
    words = kv.index_to_key[:2000]
    rows = [np.round(kv[w].astype(np.float64), 4) for w in words]
    rng = np.random.default_rng(7)
    king = words.index("king") if "king" in words else 10
    words.insert(king, "King")
    rows.insert(king, np.round(rng.normal(0, 0.5, 20), 4))
    words.append("Paris")
    rows.append(np.round(rng.normal(0, 0.5, 20), 4))
    with open(VECTORS, "w") as f:
        f.write(f"{len(words)} 20\n")
        for w, r in zip(words, rows):
            f.write(w + " " + " ".join(f"{x:.4f}" for x in r) + "\n")


def write_simlex_layout():
    """WordSim353's pairs in SimLex-999's column layout (a format test, not SimLex data)."""
    with open(WORDSIM) as f, open(SIMLEX, "w") as out:
        out.write("word1\tword2\tPOS\tSimLex999\tconc(w1)\tconc(w2)\tconcQ\tAssoc(USF)\t"
                  "SimAssoc333\tSD(SimLex)\n")
        for i, line in enumerate(l for l in f if not l.startswith("#")):
            if i >= 120:
                break
            a, b, s = line.rstrip("\n").split("\t")
            out.write(f"{a}\t{b}\tN\t{float(s):.2f}\t4.5\t4.5\t1\t0.5\t0\t0.4\n")


def analogy_case(kv, restrict, case_insensitive):
    score, sections = kv.evaluate_word_analogies(QUESTIONS, restrict_vocab=restrict,
                                                 case_insensitive=case_insensitive)
    # OOV per section and the near-tie gap, recomputed with gensim's own rules.
    ok_keys = kv.index_to_key[:restrict]
    norm = (lambda w: w.upper()) if case_insensitive else (lambda w: w)
    ok_vocab = {norm(k): kv.get_index(k) for k in reversed(ok_keys)}
    vectors = kv.vectors[:restrict]
    norms = np.linalg.norm(vectors, axis=1)
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1)[:, None]
    oov, name, min_gap = {}, None, 1.0
    with open(QUESTIONS) as f:
        for line in f:
            if line.startswith(": "):
                name = line.lstrip(": ").strip()
                oov[name] = 0
                continue
            words = [norm(w) for w in line.split()]
            if len(words) != 4:
                continue
            if any(w not in ok_vocab for w in words):
                oov[name] += 1
                continue
            a, b, c = (ok_vocab[w] for w in words[:3])
            mean = unit[b] + unit[c] - unit[a]
            dists = vectors @ (mean / np.linalg.norm(mean)) / norms
            dists[[a, b, c]] = -np.inf
            top = np.sort(dists)[::-1][:6]
            min_gap = min(min_gap, float(np.min(top[:-1] - top[1:])))
    out = {"restrict": restrict, "case_insensitive": case_insensitive, "min_gap": min_gap,
           "sections": [], "total": None}
    for s in sections:
        row = [s["section"], len(s["correct"]), len(s["incorrect"])]
        if s["section"] == "Total accuracy":
            out["total"] = row[1:] + [sum(oov.values())]
        else:
            out["sections"].append(row + [oov[s["section"]]])
    if min_gap < 2e-6:
        sys.exit(f"near tie (gap {min_gap:g}) with restrict {restrict}: pick other vectors")
    return out


def similarity_case(kv, path, gensim_path, restrict, case_insensitive):
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(
        gensim_path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    ok = {(w.upper() if case_insensitive else w) for w in kv.index_to_key[:restrict]}
    pairs = oov = 0
    with open(gensim_path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            a, b, _ = line.split("\t")
            if case_insensitive:
                a, b = a.upper(), b.upper()
            if a in ok and b in ok:
                pairs += 1
            else:
                oov += 1
    return {"file": os.path.relpath(path, ROOT), "restrict": restrict,
            "case_insensitive": case_insensitive, "pearson": float(pearson[0]),
            "spearman": float(spearman[0]), "pairs": pairs, "oov": oov,
            "oov_ratio": float(oov_ratio)}


def main():
    if "--retrain" in sys.argv or not os.path.exists(VECTORS):
        train()
    write_simlex_layout()
    kv = KeyedVectors.load_word2vec_format(VECTORS)
    golden = {"gensim": __import__("gensim").__version__, "analogies": [], "similarity": []}
    for restrict, ci in [(300000, True), (1000, True), (300000, False)]:
        golden["analogies"].append(analogy_case(kv, restrict, ci))
    # SimLex layout: gensim reads only word<TAB>word<TAB>score, so it scores the same pairs
    # from a 3-column copy.
    simlex3 = os.path.join("/tmp", "simlex_layout_3col.tsv")
    with open(SIMLEX) as f, open(simlex3, "w") as out:
        next(f)
        for line in f:
            fields = line.split("\t")
            out.write(f"{fields[0]}\t{fields[1]}\t{fields[3]}\n")
    for restrict, ci in [(300000, True), (500, True), (300000, False)]:
        golden["similarity"].append(similarity_case(kv, WORDSIM, WORDSIM, restrict, ci))
    golden["similarity"].append(similarity_case(kv, SIMLEX, simlex3, 300000, True))
    golden["most_similar"] = [
        {"word": w, "top": [[k, float(s)] for k, s in kv.most_similar(w, topn=8)]}
        for w in ["king", "war", "god", "three", "states"]]
    golden["analogy"] = []
    for a, b, c in [("man", "king", "woman"), ("he", "she", "brother"),
                    ("good", "better", "great"), ("one", "two", "three")]:
        if any(w not in kv.key_to_index for w in (a, b, c)):
            sys.exit(f"analogy {a} {b} {c}: a word is not in the vectors; pick others")
        add = kv.most_similar(positive=[b, c], negative=[a], topn=5)
        mul = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        golden["analogy"].append({"a": a, "b": b, "c": c, "mul": False,
                                  "top": [[k, float(s)] for k, s in add]})
        golden["analogy"].append({"a": a, "b": b, "c": c, "mul": True,
                                  "top": [[k, float(s)] for k, s in mul]})
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    for case in golden["analogies"]:
        print("analogies", case["restrict"], case["case_insensitive"], case["total"],
              "min gap %.2g" % case["min_gap"])
    for case in golden["similarity"]:
        print("similarity", case["file"], case["restrict"], case["pearson"], case["spearman"],
              case["pairs"], case["oov"])


if __name__ == "__main__":
    main()
