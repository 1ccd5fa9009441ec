#!/bin/sh
# Regenerates tests/golden/fasttext_bin/: small fastText 0.9.2 models made by Debian's
# `fasttext` (apt-get install fasttext libfasttext-dev) from the repository's public-domain
# corpus, and what fastText itself says their word vectors are.
#
#   skipgram.bin        skipgram, dim 8, bucket 1000, minCount 40, on corpus/sample.txt plus
#                       50 lines of non-ASCII words (so the vocabulary has some)
#   skipgram_print.txt  `fasttext print-word-vectors skipgram.bin` on words.txt (5 digits)
#   skipgram_exact.txt  the same vectors from libfasttext's getWordVector, printed with 9
#                       significant digits (every float exactly)
#   words.txt           vocabulary words, OOV words, non-ASCII words of both kinds, and </s>
#   supervised.bin      a tiny supervised model (labels __label__odd, __label__even)
#   supervised.ftz      the same, quantised
#
# fastText with -thread 1 is deterministic, so rerunning gives the same files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/fasttext_bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cp "$root/corpus/sample.txt" "$work/train.txt"
i=0
while [ $i -lt 50 ]; do
  echo "le café était très naïve über straße zürich ñandú 東京 日本語 die straße" >>"$work/train.txt"
  i=$((i + 1))
done
fasttext skipgram -input "$work/train.txt" -output "$work/skipgram" -dim 8 -bucket 1000 \
  -minCount 40 -epoch 1 -thread 1 -minn 3 -maxn 6 >/dev/null 2>&1
cp "$work/skipgram.bin" "$out/skipgram.bin"

printf '%s\n' the of senate government congress café naïve straße 東京 \
  zzzqqq unseen-word governments Über cafés 北京 a ab '</s>' >"$out/words.txt"
fasttext print-word-vectors "$out/skipgram.bin" <"$out/words.txt" >"$out/skipgram_print.txt"

cat >"$work/exact.cpp" <<'CPP'
#include <fasttext/fasttext.h>
#include <cstdio>
#include <iostream>
int main(int, char** argv) {
  fasttext::FastText ft;
  ft.loadModel(argv[1]);
  fasttext::Vector v(ft.getDimension());
  std::string w;
  while (std::cin >> w) {
    ft.getWordVector(v, w);
    std::printf("%s", w.c_str());
    for (int64_t i = 0; i < v.size(); ++i) std::printf(" %.9g", v[i]);
    std::printf("\n");
  }
}
CPP
g++ -std=c++17 -O1 "$work/exact.cpp" -o "$work/exact" -lfasttext
"$work/exact" "$out/skipgram.bin" <"$out/words.txt" >"$out/skipgram_exact.txt"

head -300 "$work/train.txt" |
  awk 'NR % 2 == 0 { print "__label__even " $0; next } { print "__label__odd " $0 }' \
    >"$work/sup.txt"
fasttext supervised -input "$work/sup.txt" -output "$work/supervised" -dim 4 -minCount 3 \
  -epoch 1 -thread 1 >/dev/null 2>&1
fasttext quantize -input "$work/sup.txt" -output "$work/supervised" -dsub 2 >/dev/null 2>&1
cp "$work/supervised.bin" "$work/supervised.ftz" "$out/"
