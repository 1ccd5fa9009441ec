#!/usr/bin/env bash
# ember train against its peers on the same corpus, in one run, with the issue's settings:
# dim 100, window 5, negative 5, min-count 5, sample 1e-4, 5 epochs, THREADS threads.
# Speed is raw corpus words x epochs / seconds; quality is gensim's own evaluators
# (bench/eval_gensim.py: questions-words over the 30k most frequent words, WordSim353).
# usage: [SEEDS="1 2 3"] bash bench/compare_train.sh CORPUS [THREADS] [OUT_DIR]
# (SEEDS: one run of each tool per seed, for the spread of the quality numbers)
set -euo pipefail
corpus=$1 threads=${2:-2} out=${3:-/tmp/ember_compare}
here=$(cd "$(dirname "$0")" && pwd)
ember=${EMBER:-$here/../build/default/ember}
py=/usr/bin/python3
mkdir -p "$out"
common="--dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --threads $threads"
for seed in ${SEEDS:-1}; do
for mode in skipgram cbow; do
  lr=0.025; [ $mode = cbow ] && lr=0.05
  /usr/bin/time -f "ember $mode peak RSS %M KB" $ember train $mode --input "$corpus" \
    --output "$out/ember_$mode" $common --lr $lr --seed $seed --quiet 2>&1 | grep -E "trained|peak"
  $py "$here/eval_gensim.py" "$out/ember_$mode.bin" 2>/dev/null
  /usr/bin/time -f "gensim $mode peak RSS %M KB" \
    $py "$here/gensim_train.py" "$corpus" $mode "$threads" "$out/gensim_$mode.vec" $seed 2>&1 \
    | grep -E "gensim"
  $py "$here/eval_gensim.py" "$out/gensim_$mode.vec" 2>/dev/null
done
done
