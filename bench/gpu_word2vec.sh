#!/usr/bin/env bash
# The fused CUDA word2vec trainers on a lent GPU: builds the CUDA preset, runs their parity
# tests (bench/gpu_ops.sh runs them under compute-sanitizer), measures the device-copy
# bandwidth, then trains skip-gram and CBOW on en7m with the settings with each
# kernel (the minibatch kernel, cuda/word2vec_window.cu, the default; the pair kernel,
# cuda/word2vec.cu, --no-minibatch) at dims 100 and 300, reporting words/s, the modelled
# bytes moved per word and the bandwidth they make, and scores the d = 100 vectors with
# `ember eval`.
# usage: bash bench/gpu_word2vec.sh EN7M.txt OUT_DIR
set -euo pipefail
corpus=$1 out=$2
mkdir -p "$out"
tests=(test_cuda_word2vec test_cuda_word2vec_window test_word2vec_window_replay)
cmake --preset cuda -DEMBER_WERROR=OFF -B build/gpu > "$out/configure.log"
cmake --build build/gpu -j16 --target ember_cli "${tests[@]}" bench_cuda_embedding \
  > "$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
for test in "${tests[@]}"; do (build/gpu/tests/$test 2>&1 || true) | tail -15; done
# compute-sanitizer's memcheck, synccheck, initcheck and racecheck run over every
# tests/test_cuda*.cpp binary, test_cuda_word2vec_window included, in bench/gpu_ops.sh.

echo "== device-to-device copy (the bandwidth reference)"
build/gpu/bench/bench_cuda_embedding --benchmark_filter=BM_DeviceCopy 2>&1 | tail -2

# Bytes a kept centre moves between the SMs and L2/HBM, modelled (K negatives, T = K + 1
# targets, C = window + 1 contexts on average, a row 4 dim bytes, a row update 4 dim bytes
# sent as atomics):
#   pairs, skip-gram   C (input row + its update + T (output row + its update)) = 8 d C (T + 1)
#   pairs, CBOW        C (input row + its update) + T (output row + its update) = 8 d (C + T)
#   minibatch, both    one load and one write-back of each input row a position, and the
#                      window's T output rows and updates = 8 d (T + 1)
# words/s count corpus words; a fraction of them are kept by subsampling and trained as
# centres: kept_fraction from PREFIX.vocab (word count lines) and word2vec's keep rule.
bytes_per_centre() {  # kernel mode dim window negative
  awk -v k="$1" -v m="$2" -v d="$3" -v w="$4" -v n="$5" 'BEGIN {
    T = n + 1; C = w + 1
    if (k == "minibatch") print 8 * d * (T + 1)
    else if (m == "cbow") print 8 * d * (C + T)
    else print 8 * d * C * (T + 1) }'
}
kept_fraction() {  # vocab_file sample
  awk -v s="$2" '{ c[NR] = $2; total += $2 } END {
    for (i in c) { if (c[i] == 0) continue; t = s * total
      p = (sqrt(c[i] / t) + 1) * t / c[i]; kept += c[i] * (p < 1 ? p : 1) }
    printf "%.4f\n", kept / total }' "$1"
}

echo "== words/s on en7m (window 5, negative 5, min-count 5, sample 1e-4, 5 epochs)"
printf '%-9s %-9s %4s %12s %10s %12s %9s\n' kernel mode dim words/s kept B/centre GB/s
for dim in 100 300; do
  for mode in skipgram cbow; do
    lr=0.025; [ $mode = cbow ] && lr=0.05
    for kernel in minibatch pairs; do
      flag=--minibatch; [ $kernel = pairs ] && flag=--no-minibatch
      prefix="$out/$mode-$dim-$kernel"
      build/gpu/ember train $mode --input "$corpus" --output "$prefix" --device cuda --quiet \
        --dim $dim --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --lr $lr \
        $flag > "$prefix.log"
      rate=$(grep -o '= [0-9]* words/s' "$prefix.log" | grep -o '[0-9]*')
      kept=$(kept_fraction "$prefix.vocab" 1e-4)
      bytes=$(bytes_per_centre $kernel $mode $dim 5 5)
      gbs=$(awk -v r="$rate" -v k="$kept" -v b="$bytes" 'BEGIN { printf "%.0f", r * k * b / 1e9 }')
      printf '%-9s %-9s %4s %12s %10s %12s %9s\n' $kernel $mode $dim "$rate" "$kept" "$bytes" "$gbs"
      if [ $dim = 100 ]; then
        build/gpu/ember eval "$prefix.bin" --analogies data/eval/questions-words.txt \
          --similarity data/eval/wordsim353.tsv --restrict 30000 | tail -8 > "$prefix.eval"
        tail -3 "$prefix.eval"
      fi
    done
  done
done
