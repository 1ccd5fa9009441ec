#!/usr/bin/env bash
# The CUDA ops and optimizers on a lent GPU, in one call: builds the CUDA preset, runs every
# CUDA parity test (they are SKIPPED without a GPU, so only here do they really run), runs
# compute-sanitizer memcheck and racecheck over the kernels' test binaries, then the
# embedding lookups against PyTorch (bench/compare_cuda_embedding.sh).
# usage: bash bench/gpu_ops.sh OUT_DIR        (writes logs there; prints a summary)
set -euo pipefail
out=$1
mkdir -p "$out"
cmake --preset cuda -DEMBER_WERROR=OFF -B build/gpu > "$out/configure.log"
cmake --build build/gpu -j16 > "$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

echo "== CUDA parity tests"
ctest --test-dir build/gpu -R "Cuda|Optim" -j4 --output-on-failure > "$out/ctest.log" 2>&1 || true
grep -E "tests passed|Failed|Skipped" "$out/ctest.log" | tail -20

echo "== compute-sanitizer (memcheck, racecheck)"
for test in test_cuda_elementwise test_cuda_reduce test_cuda_softmax test_cuda_loss \
  test_cuda_matmul test_cuda_index test_cuda_layer_norm test_cuda_dropout test_cuda_optim \
  test_cuda_embedding test_cuda_word2vec; do
  [ -x "build/gpu/tests/$test" ] || continue
  for tool in memcheck racecheck; do
    printf '%-24s %-9s ' "$test" "$tool"
    compute-sanitizer --tool "$tool" --error-exitcode 9 "build/gpu/tests/$test" \
      > "$out/$test.$tool.log" 2>&1 && echo clean || echo "ERRORS (see $out/$test.$tool.log)"
  done
done

echo "== embedding lookups against PyTorch"
if [ -x build/gpu/bench/bench_cuda_embedding ] && [ -f bench/compare_cuda_embedding.sh ]; then
  bash bench/compare_cuda_embedding.sh build/gpu 2>&1 | tail -20 || true
fi
