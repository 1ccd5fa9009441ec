#!/usr/bin/env bash
# `ember classify train` with --threads 1 and 2, on an idle machine and beside busy processes,
# for two builds: BEFORE (OpenMP threads) and AFTER (ember's own pool). Issue 17 item 5: on
# shared cores, OpenMP's waiting threads made 2 threads slower than 1.
#   loads:    idle; busy1: one `yes` pinned to CPU 0; busy2: one `yes` pinned to each of CPU 0
#             and 1 (taskset)
#   BEFORE's waits: spin10k: the program as shipped (it runs itself with GOMP_SPINCOUNT=10000);
#             spin300k: GOMP_SPINCOUNT=300000, libgomp's default, what a program linking the
#             library got; passive: OMP_WAIT_POLICY=passive
#   AFTER:    pool (EMBER_SPIN_US unset: its default spin); SPINS="5 200" adds runs with
#             EMBER_SPIN_US set to each
# Everything runs at the priority the script is started with (run it under `nice -n 19` on a
# shared machine: the busy processes then compete with ember, not with other people's jobs).
# Each configuration runs REPEATS times, interleaved (one of each, then again), and prints
# every wall time, the median wall and CPU (user + system) seconds, and the load average
# before the runs; absolute times move with whatever else the machine runs, before/after
# in the same pass is the comparison.
# The data: the SpamAssassin e-mails as bench/compare_classify.sh reads them (its split:
# random.Random(2026), the first 80% trained on). MODEL=lstm (EPOCHS=1 say) times the LSTM.
# usage: [REPEATS=3] [MODEL=text] [EPOCHS=] [LOADS="idle busy1 busy2"] [SPINS=] \
#        bash bench/busy_threads.sh DATA.tsv BEFORE_EMBER AFTER_EMBER [OUT_DIR]
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: bash bench/busy_threads.sh DATA.tsv BEFORE_EMBER AFTER_EMBER [OUT_DIR]" >&2
  exit 2
fi
data=$1 before=$2 after=$3 out=${4:-/tmp/ember_busy_threads}
repeats=${REPEATS:-3} model=${MODEL:-text}
mkdir -p "$out"

/usr/bin/python3 - "$data" "$out" <<'EOF'
import random, sys
data, out = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n").split("\t") for l in open(data, encoding="utf-8")]
random.Random(2026).shuffle(lines)
cut = int(len(lines) * 0.8)
with open(f"{out}/train.txt", "w", encoding="utf-8") as f:
    for cols in lines[:cut]:
        f.write(f"__label__{cols[0]} {cols[-1]}\n")
EOF

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null || true; done
  busy=()
}
trap stop_busy EXIT
start_busy() {  # load name
  case $1 in
    idle) ;;
    busy1) taskset -c 0 yes >/dev/null & busy+=($!) ;;
    busy2)
      taskset -c 0 yes >/dev/null & busy+=($!)
      taskset -c 1 yes >/dev/null & busy+=($!)
      ;;
  esac
  sleep 0.5
}

# configuration: "name binary threads VAR=value..." (env -u clears the OpenMP variables first)
configs=(
  "before:spin10k $before 1"
  "before:spin10k $before 2"
  "before:spin300k $before 2 GOMP_SPINCOUNT=300000"
  "before:passive $before 2 OMP_WAIT_POLICY=passive"
  "after:pool $after 1"
  "after:pool $after 2"
)
for us in ${SPINS:-}; do configs+=("after:spin${us}us $after 2 EMBER_SPIN_US=$us"); done

run_one() {  # binary threads env... ; prints "wall cpu"
  local binary=$1 threads=$2
  shift 2
  local t0 t1 epochs=()
  [[ -n ${EPOCHS:-} ]] && epochs=(--epochs "$EPOCHS")
  t0=$(date +%s.%N)
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u EMBER_SPIN_US "$@" \
    /usr/bin/time -f "%U %S" -o "$out/time" "$binary" classify train --input "$out/train.txt" \
    --output "$out/model" --model "$model" --threads "$threads" --quiet "${epochs[@]}" \
    2>"$out/log" >/dev/null
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(awk '{print $1 + $2}' "$out/time")"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "model $model, $repeats runs each, $(nproc) CPUs"
echo
echo "| load  | build:wait       | threads | wall s (each run)        | median wall s | median CPU s | load avg before |"
echo "|-------|------------------|---------|--------------------------|---------------|--------------|-----------------|"
for load in ${LOADS:-idle busy1 busy2}; do
  start_busy "$load"
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  declare -A walls=() cpus=()
  for ((r = 0; r < repeats; r++)); do
    for i in "${!configs[@]}"; do
      read -r name binary threads vars <<<"${configs[$i]}"
      # shellcheck disable=SC2086
      read -r wall cpu <<<"$(run_one "$binary" "$threads" $vars)"
      walls[$i]+="$wall "
      cpus[$i]+="$cpu "
    done
  done
  stop_busy
  for i in "${!configs[@]}"; do
    read -r name binary threads vars <<<"${configs[$i]}"
    each=$(for w in ${walls[$i]}; do printf "%.1f " "$w"; done)
    printf "| %-5s | %-16s | %7s | %-24s | %13.2f | %12.2f | %-15s |\n" "$load" "$name" \
      "$threads" "$each" "$(tr ' ' '\n' <<<"${walls[$i]}" | grep . | median)" \
      "$(tr ' ' '\n' <<<"${cpus[$i]}" | grep . | median)" "$loadavg"
  done
  unset walls cpus
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
