#!/usr/bin/env bash
# Runs every libFuzzer harness of the asan build (fuzz/, EMBER_FUZZ=ON) for SECONDS each
# (default 20), two at a time, each on a scratch copy of its seed corpus fuzz/corpus/<name>/.
# Any crash, sanitizer report, leak, timeout or out-of-memory fails the run, naming the
# harness and the reproducer (rerun it: build/asan/fuzz/<name> REPRODUCER).
#   scripts/fuzz.sh [SECONDS] [NAME...]     e.g. scripts/fuzz.sh 300 fuzz_json
# BUILD (default build/asan) is the build folder; JOBS (default 2) how many run at once;
# FUZZ_SEED (default 1) libFuzzer's seed, fixed so that a CI run repeats the runs checked here.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
build=${BUILD:-build/asan}
jobs=${JOBS:-2}
names=("$@")
if ((${#names[@]} == 0)); then
  for f in "$build"/fuzz/fuzz_*; do [[ -x $f && -f $f ]] && names+=("$(basename "$f")"); done
fi
((${#names[@]})) || { echo "fuzz: no harness in $build/fuzz (cmake --preset asan; cmake --build --preset asan)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

run_one() {  # name: runs it, leaves $work/<name>/{log,status}
  local name=$1 dir=$work/$1 rc=0
  mkdir -p "$dir/corpus"
  [[ -d fuzz/corpus/$name ]] && cp fuzz/corpus/"$name"/* "$dir/corpus/" 2>/dev/null || true
  "$build/fuzz/$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -seed="${FUZZ_SEED:-1}" -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/status"
}

running=0
for name in "${names[@]}"; do
  [[ -x $build/fuzz/$name ]] || { echo "fuzz: no harness $build/fuzz/$name" >&2; exit 1; }
  run_one "$name" &
  running=$((running + 1))
  if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
done
wait

failed=0
for name in "${names[@]}"; do
  dir=$work/$name
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' || echo '?')
  if [[ $(cat "$dir/status") == 0 ]]; then
    printf 'fuzz: %-22s clean, %s runs in %s s\n' "$name" "$runs" "$seconds"
  else
    failed=1
    echo "fuzz: $name FAILED (exit $(cat "$dir/status")); its log:"
    grep -v '^#[0-9]' "$dir/log" | tail -60
    for artifact in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
      [[ -e $artifact ]] && echo "fuzz: $name reproducer: $artifact (run: $build/fuzz/$name $artifact)"
    done
  fi
done
if ((failed)); then echo "fuzz: FAILED; the scratch folder $work is kept"; exit 1; fi
rm -rf "$work"
