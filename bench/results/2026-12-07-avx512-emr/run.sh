#!/usr/bin/env bash
# The AVX2 worker body (EMBER_NO_AVX512=1) against the AVX-512 one of the same binary, then
# gensim (GENSIM=0 leaves it out), one seed after the other, 2 threads, 5 epochs.
# usage: CORPUS=en7m.txt EMBER=build/cpu/ember bash run.sh {skipgram|cbow} DIM SEED...
set -u
corpus=${CORPUS:?} ember=${EMBER:?} out=${OUT:-/tmp/ab512} py=/usr/bin/python3
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
model=$1 dim=$2
shift 2
lr=0.025
[ "$model" = cbow ] && lr=0.05
common="--dim $dim --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --threads 2 --lr $lr"
for seed in "$@"; do
  for v in avx2 avx512; do
    env $([ $v = avx2 ] && echo EMBER_NO_AVX512=1) "$ember" train "$model" --input "$corpus" \
      --output "$out/e_$v" $common --seed "$seed" --quiet 2>&1 | grep trained | sed "s/^/$v seed $seed: /"
    $py "$here/eval_gensim.py" "$out/e_$v.bin" 2>/dev/null | sed "s/^/  /"
  done
  if [ "${GENSIM:-1}" = 1 ]; then
    $py "$here/gensim_train.py" "$corpus" "$model" 2 "$out/g.vec" "$seed" "$dim" 2>&1 |
      grep gensim | sed "s/^/gensim seed $seed: /"
    $py "$here/eval_gensim.py" "$out/g.vec" 2>/dev/null | sed "s/^/  /"
  fi
done
