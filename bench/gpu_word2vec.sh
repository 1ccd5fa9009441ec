#!/usr/bin/env bash
# The fused CUDA word2vec trainer on a lent GPU: builds the CUDA preset, runs its parity
# tests (plain and under compute-sanitizer), then trains skip-gram and CBOW on en7m with
# the issue's settings and scores the vectors with `ember eval`.
# usage: bash bench/gpu_word2vec.sh EN7M.txt OUT_DIR
set -euo pipefail
corpus=$1 out=$2
mkdir -p "$out"
cmake --preset cuda -DEMBER_WERROR=OFF -B build/gpu > "$out/configure.log"
cmake --build build/gpu -j16 --target ember_cli test_cuda_word2vec > "$out/build.log" 2>&1 \
  || { tail -50 "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
(build/gpu/tests/test_cuda_word2vec 2>&1 || true) | tail -15
compute-sanitizer --tool memcheck build/gpu/tests/test_cuda_word2vec \
  --gtest_filter="*OneSentence*" 2>&1 | tail -3 || true
compute-sanitizer --tool racecheck build/gpu/tests/test_cuda_word2vec \
  --gtest_filter="*OneSentence*" 2>&1 | tail -3 || true
for mode in skipgram cbow; do
  lr=0.025; [ $mode = cbow ] && lr=0.05
  build/gpu/ember train $mode --input "$corpus" --output "$out/$mode" --device cuda --quiet \
    --dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --lr $lr
  build/gpu/ember eval "$out/$mode.bin" --analogies data/eval/questions-words.txt \
    --similarity data/eval/wordsim353.tsv --restrict 30000 | tail -8
done
