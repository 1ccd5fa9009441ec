#!/usr/bin/env bash
# Seconds per epoch of the LSTM classifiers of `ember classify train` and of their PyTorch
# twin (bench/torch_classify.py: the same models, batches and optimizers), one after the
# other on the same training file, with the load average before and after each.
#   usage: [EMBER=build/cpu/ember] bash bench/compare_classify_speed.sh TRAIN.txt \
#            [MODELS="lstm bilstm"] [EPOCHS] [THREADS]
# TRAIN.txt: "__label__X text" lines (bench/compare_classify.sh writes such a split of the
# SpamAssassin e-mails). ember's time is its "Trained in" (the epochs' loop) over EPOCHS;
# PyTorch's the mean of its epochs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
train=$1 models=${2:-lstm bilstm} epochs=${3:-1} threads=${4:-2}
ember=${EMBER:-$here/../build/cpu/ember}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| model | ember s/epoch | PyTorch s/epoch | PyTorch / ember | load before, after |"
echo "|---|---:|---:|---:|---|"
for model in $models; do
  before=$(cut -d' ' -f1 /proc/loadavg)
  ember_s=$("$ember" classify train --model "$model" --input "$train" --output "$out/m" \
    --epochs "$epochs" --threads "$threads" 2>&1 | tr '\r' '\n' |
    sed -n 's/^Trained in \([0-9.]*\) s.*/\1/p')
  torch_s=$(/usr/bin/python3 "$here/torch_classify.py" "$train" "$model" "$epochs" "$threads" |
    sed -n 's/^mean: \([0-9.]*\) s per epoch/\1/p')
  after=$(cut -d' ' -f1 /proc/loadavg)
  awk -v m="$model" -v e="$ember_s" -v t="$torch_s" -v n="$epochs" -v b="$before" -v a="$after" \
    'BEGIN { printf "| %s | %.2f | %.2f | %.1fx | %s, %s |\n", m, e / n, t, t / (e / n), b, a }'
done
