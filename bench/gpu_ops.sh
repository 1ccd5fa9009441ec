#!/usr/bin/env bash
# The CUDA ops, optimizers and fused trainers on a lent GPU, in one call: builds the CUDA test
# binaries and the embedding benchmark (nothing else), runs every CUDA test binary (their
# tests are SKIPPED without a GPU, so only here do they really run, and a SKIPPED here is a
# failure), runs compute-sanitizer's memcheck, synccheck, initcheck and racecheck over each
# binary (the long "Learns" tests left out), then the embedding lookups against PyTorch
# (bench/compare_cuda_embedding.sh).
# usage: bash bench/gpu_ops.sh OUT_DIR        (writes logs there; prints a summary; exits 1
#                                              when any test failed, skipped or was flagged)
set -uo pipefail
out=$1
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
cmake --preset cuda -DEMBER_WERROR=OFF -B build/gpu > "$out/configure.log" || exit 1
tests=()
for source in tests/test_cuda*.cpp; do tests+=("$(basename "$source" .cpp)"); done
cmake --build build/gpu -j "$(nproc)" --target "${tests[@]}" bench_cuda_embedding \
  > "$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }

bad=0
echo "== CUDA tests (none may be SKIPPED)"
gpus=$(nvidia-smi --list-gpus | wc -l)
for test in "${tests[@]}"; do
  log="$out/$test.log"
  # The NCCL syncs between ranks need a GPU a rank: with one GPU, test_cuda_dist runs its
  # one-rank tests only (`mpirun -np G build/gpu/tests/test_cuda_dist` on G GPUs runs all).
  only=()
  [ "$test" = test_cuda_dist ] && ((gpus < 2)) && only=(--gtest_filter=-*TensorSyncOverNccl*)
  if "build/gpu/tests/$test" "${only[@]}" > "$log" 2>&1; then status=passed; else status=FAILED bad=1; fi
  if grep -q "\[  SKIPPED \]" "$log"; then status="$status, SKIPPED" bad=1; fi
  printf '%-26s %s (%s)\n' "$test" "$status" "$(grep -E '^\[  PASSED  \]' "$log" | head -1)"
done

echo "== compute-sanitizer"
# Left out under the tools: the long "Learns" trainings, and the "PastOneGrid" tests, whose
# millions of ids only make a grid-stride loop go round again (they ran plainly above). Each
# run has 5 minutes, so that one slow tool cannot eat a lent GPU's time.
for test in "${tests[@]}"; do
  for tool in memcheck synccheck initcheck racecheck; do
    printf '%-26s %-9s ' "$test" "$tool"
    timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 9 "build/gpu/tests/$test" \
      --gtest_filter='-*Learns*:*PastOneGrid*' > "$out/$test.$tool.log" 2>&1
    case $? in
      0) echo clean ;;
      124)
        echo "TIMEOUT after 300 s (see $out/$test.$tool.log)"
        bad=1
        ;;
      *)
        echo "ERRORS (see $out/$test.$tool.log)"
        bad=1
        ;;
    esac
  done
done

echo "== embedding lookups against PyTorch"
if [ -x build/gpu/bench/bench_cuda_embedding ] && [ -f bench/compare_cuda_embedding.sh ]; then
  bash bench/compare_cuda_embedding.sh build/gpu 2>&1 | tail -20 || true
fi
exit $bad
