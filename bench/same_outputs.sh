#!/usr/bin/env bash
# What single-thread runs of every trainer write, as sha256 sums: run it with the ember
# binaries before and after a change that must not change the numbers, and diff the two.
#   bash bench/same_outputs.sh EMBER_BINARY OUT_DIR > sums.txt
# Trains skipgram, cbow, fasttext and glove on corpus/sample.txt (dim 100 for 2 epochs and
# dim 300 for 1), the text and lstm classifiers on tests/data/spam_assassin_404.tsv for an
# epoch, and the char LM for 30 steps, all with --threads 1 (bit-reproducible); what they
# print goes to OUT_DIR/log.txt.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: bash bench/same_outputs.sh EMBER_BINARY OUT_DIR" >&2; exit 2; }
ember=$(realpath "$1") out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
corpus=$root/corpus/sample.txt
for model in skipgram cbow fasttext glove; do
  extra=()
  [[ $model == fasttext ]] && extra=(--bucket 20000)
  "$ember" train "$model" --input "$corpus" --output "$out/$model" --threads 1 --epochs 2 \
    --quiet "${extra[@]}" >/dev/null 2>>"$out/log.txt"
  "$ember" train "$model" --input "$corpus" --output "$out/${model}_d300" --threads 1 \
    --epochs 1 --dim 300 --quiet "${extra[@]}" >/dev/null 2>>"$out/log.txt"
done
for model in text lstm; do
  "$ember" classify train --input "$root/tests/data/spam_assassin_404.tsv" \
    --output "$out/classify_$model" --model "$model" --threads 1 --epochs 1 --quiet >/dev/null 2>>"$out/log.txt"
done
"$ember" generate train --input "$root/tests/data/sotu_1250.txt" --model "$out/lm.safetensors" \
  --threads 1 --steps 30 --quiet >/dev/null 2>>"$out/log.txt"
cd "$out" && sha256sum ./*.bin ./*.vec ./*.safetensors | sort -k2
