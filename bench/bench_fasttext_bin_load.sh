#!/bin/bash
# Loading a large fastText .bin model: ember, gensim's load_facebook_vectors and fastText
# itself, on the same file in the same run; wall time and peak memory (max RSS) of each
# whole process, measured by /usr/bin/time.
#
#   bash bench/bench_fasttext_bin_load.sh [EMBER_BINARY]
#
# The model stands in for cc.en.300.bin: Debian's `fasttext skipgram` on corpus/sample.txt
# with -dim 300 -bucket 2000000 (2M n-gram rows of 300 floats, as the pretrained models),
# made once in $BENCH_DIR (default /tmp/ember_bench_fasttext) and reused. The file is read
# once first so that all three find it in the page cache.
#   ember:   `ember info MODEL --words 0` (reads the model and builds every word's vector)
#   gensim:  load_facebook_vectors(MODEL) (Debian's python3-gensim, /usr/bin/python3)
#   fastText: `fasttext print-word-vectors MODEL` for one word (loadModel, one vector)
set -euo pipefail
EMBER=${1:-build/cpu/ember}
DIR=${BENCH_DIR:-/tmp/ember_bench_fasttext}
mkdir -p "$DIR"
MODEL="$DIR/sample_300d_2M.bin"
if [ ! -f "$MODEL" ]; then
  fasttext skipgram -input corpus/sample.txt -output "$DIR/sample_300d_2M" -dim 300 \
    -bucket 2000000 -minCount 5 -epoch 1 -thread 2 >/dev/null 2>&1
fi
cat "$MODEL" >/dev/null
printf '%-10s %10s %14s\n' program "wall (s)" "peak RSS (MB)"
measure() {  # name, then the command
  local name=$1
  shift
  local out
  /usr/bin/time -o "$DIR/time.txt" -f '%e %M' "$@" >/dev/null 2>&1
  out=$(tail -1 "$DIR/time.txt")
  printf '%-10s %10s %14.0f\n' "$name" "${out% *}" "$(echo "${out#* } / 1024" | bc -l)"
}
measure ember "$EMBER" info "$MODEL" --words 0
measure gensim /usr/bin/python3 -c \
  "import sys; from gensim.models.fasttext import load_facebook_vectors; load_facebook_vectors(sys.argv[1])" \
  "$MODEL"
measure fasttext sh -c "echo the | fasttext print-word-vectors '$MODEL'"
ls -l "$MODEL" | awk '{printf "model: %.0f MB\n", $5 / 1e6}'
