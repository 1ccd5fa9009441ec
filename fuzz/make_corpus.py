#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<harness>/ from the repository's test fixtures (a few
small files each). Rerun after changing it; the files are committed. The classifier's and
the checkpoint's seeds come from `ember` itself: pass its path to add them
(fuzz/make_corpus.py build/asan/ember), which trains two tiny models. fuzz_resume's seeds are
the checkpoints that harness makes itself (see fuzz/fuzz_resume.cpp)."""
import gzip, json, os, shutil, struct, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "fuzz", "corpus")


def lines(rel, first, count):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read().split("\n")[first:first + count]


def put(harness, name, data):
    os.makedirs(os.path.join(out, harness), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(out, harness, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


# Vector files: 4 rows of the evaluation fixture, cut to 3 dimensions.
rows = [l.split()[:4] for l in lines("tests/data/eval_vectors.txt", 1, 4)]
text_rows = "".join(" ".join(r) + "\n" for r in rows)
put("fuzz_vectors", "w2v.txt", "4 3\n" + text_rows)
put("fuzz_vectors", "glove.txt", text_rows)
put("fuzz_vectors", "bom.vec", "\ufeff2 3\n" + "".join(" ".join(r) + "\n" for r in rows[:2]))
put("fuzz_vectors", "w2v.bin", b"4 3\n" + b"".join(
    r[0].encode() + b" " + struct.pack("<3f", *map(float, r[1:])) + b"\n" for r in rows))
put("fuzz_vectors", "nan.txt", "2 2\nover nan 1\nunder 1e39 -inf\n")
put("fuzz_vectors", "huge.txt", "4 4611686018427387904\na 1\nb 2\n")

# Safetensors files and checkpoints' metadata.
put("fuzz_safetensors", "f32.safetensors", safetensors(
    {"weight": ("F32", [2, 3], struct.pack("<6f", *range(6))),
     "ids": ("I64", [2], struct.pack("<2q", 7, -1))}, {"epochs_done": "1"}))
put("fuzz_safetensors", "dtypes.safetensors", safetensors(
    {"a": ("F64", [1], struct.pack("<d", 0.5)), "b": ("F16", [2], b"\x00\x3c\x00\xc0"),
     "c": ("I32", [1, 1], struct.pack("<i", 3)), "d": ("BOOL", [3], b"\x01\x00\x01"),
     "e": ("F32", [0, 4], b"")}))
put("fuzz_safetensors", "checkpoint.safetensors", safetensors(
    {"in": ("F32", [3, 2], struct.pack("<6f", *range(6))),
     "out": ("F32", [3, 2], struct.pack("<6f", *range(6)))},
    {"options": "model=skipgram dim=2 window=5", "epochs_done": "1", "corpus": "0123abcd"}))

# JSON.
put("fuzz_json", "header.json", '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2,3],'
    '"data_offsets":[0,24]}}')
put("fuzz_json", "values.json", '[null, true, false, -0.5e-3, 12, "a\\u00e9\\n\\"", {}, [], '
    '{"x": [1, {"y": "\\ud83d\\ude00"}]}]')
put("fuzz_json", "string.json", '"tab\\there \\\\ \\/ \\b\\f\\r"')

# Vocabulary files: specials (count 0) then "word count" lines.
put("fuzz_vocab", "plain.vocab", "the 120\nof 80\nand 77\nüber 3\n")
put("fuzz_vocab", "specials.vocab", "<pad> 0\n<unk> 0\n<bos> 0\n<eos> 0\nham 5\nspam 4\n")

# Corpus text, plain and gzip.
sotu = "\n".join(lines("tests/data/sotu_1250.txt", 0, 3))[:400] + "\n"
put("fuzz_corpus", "sotu.txt", sotu)
put("fuzz_corpus", "sotu.txt.gz", gzip.compress(sotu.encode(), mtime=0))
put("fuzz_corpus", "crlf.txt", b"one two\r\n\r\n  three\tfour  \n\xff\xfe bad utf8\nlast")

# Labelled text: TSV and fastText's format.
spam = [l.split("\t") for l in lines("tests/data/spam_assassin_404.tsv", 0, 4)]
put("fuzz_labelled_text", "spam.tsv", "".join(
    c[0] + "\t" + c[1] + "\t" + " ".join(c[-1].split()[:8]) + "\n" for c in spam))
put("fuzz_labelled_text", "fasttext.txt", "".join(
    "__label__" + c[0] + " " + " ".join(c[-1].split()[:8]) + "\n" for c in spam))
put("fuzz_labelled_text", "two_labels.txt", "__label__a __label__b x y\n__label__b z\n")

# Analogy and word-pair files.
put("fuzz_eval", "questions.txt", ": capital-common-countries\nking queen man woman\n"
    "KING Queen MAN Woman\n: gram1\na b c d\nÜber über a b\nbad line\n")
put("fuzz_eval", "questions-words.txt", "\n".join(lines("data/eval/questions-words.txt", 0, 4)) + "\n")
put("fuzz_eval", "pairs.tsv", "# comment\nking\tqueen\t8.5\nman\twoman\t8.3\na\tb\t1e999\nc d 2\n"
    "Über\tüber\t10\n")
put("fuzz_eval", "wordsim353.tsv", "\n".join(lines("data/eval/wordsim353.tsv", 0, 5)) + "\n")
put("fuzz_eval", "simlex.txt", "\n".join(lines("tests/data/simlex_layout.txt", 0, 4)) + "\n")

# Models the `ember` program writes: a classifier (vocabulary + safetensors, packed as the
# classifier harness reads them) and a training checkpoint.
# fastText .bin models (data/fasttext_bin.h's layout), tiny: skip-gram, non-ASCII words, and
# a supervised model with two labels.
def fasttext_bin(words, dim=2, bucket=4, kind=2, labels=()):
    b = struct.pack("<ii", 793712314, 12)
    b += struct.pack("<12i", dim, 5, 1, 1, 5, 1, 2, kind, bucket, 3, 6, 100) + struct.pack("<d", 1e-4)
    entries = [(w, 3, 0) for w in words] + [(l, 2, 1) for l in labels]
    b += struct.pack("<iii", len(entries), len(words), len(labels)) + struct.pack("<qq", 10, -1)
    for w, count, kind_of in entries:
        b += w.encode() + b"\0" + struct.pack("<qb", count, kind_of)
    rows = len(words) + bucket
    b += struct.pack("<bqq", 0, rows, dim)
    b += b"".join(struct.pack("<f", 0.01 * (i + 1)) for i in range(rows * dim))
    out_rows = len(labels) if kind == 3 else len(words)
    b += struct.pack("<bqq", 0, out_rows, dim)
    b += b"".join(struct.pack("<f", -0.02 * (i + 1)) for i in range(out_rows * dim))
    return b


put("fuzz_fasttext_bin", "skipgram.bin", fasttext_bin(["the", "cat", "</s>"]))
put("fuzz_fasttext_bin", "unicode.bin", fasttext_bin(["über", "東京"], dim=3, bucket=5))
put("fuzz_fasttext_bin", "supervised.bin",
    fasttext_bin(["spam", "ham"], kind=3, labels=["__label__a", "__label__b"]))

if len(sys.argv) > 1:
    ember = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        tsv = os.path.join(tmp, "train.tsv")
        with open(tsv, "w") as f:
            every = [l.split("\t") for l in lines("tests/data/spam_assassin_404.tsv", 0, 404) if l]
            pick = [c for c in every if c[0] == "ham"][:3] + [c for c in every if c[0] == "spam"][:3]
            f.write("".join(c[0] + "\t" + " ".join(c[-1].split()[:6]) + "\n" for c in pick))
        for arch in ["text", "lstm"]:
            model = os.path.join(tmp, arch)
            subprocess.run([ember, "classify", "train", "--input", tsv, "--output", model,
                            "--model", arch, "--dim", "2", "--hidden", "2", "--epochs", "1",
                            "--quiet"], check=True)
            vocab = open(model + ".vocab", "rb").read()
            put("fuzz_classifier", arch, struct.pack("<H", len(vocab)) + vocab +
                open(model + ".safetensors", "rb").read())
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as f:
            f.write(sotu * 3)
        prefix = os.path.join(tmp, "w")
        subprocess.run([ember, "train", "skipgram", "--input", corpus, "--output", prefix,
                        "--dim", "2", "--epochs", "1", "--min-count", "3", "--quiet"], check=True)
        put("fuzz_safetensors", "skipgram.ckpt.safetensors",
            open(prefix + ".ckpt.safetensors", "rb").read())
        put("fuzz_vocab", "skipgram.vocab", open(prefix + ".vocab", "rb").read())
        put("fuzz_vectors", "skipgram.bin", open(prefix + ".bin", "rb").read())
