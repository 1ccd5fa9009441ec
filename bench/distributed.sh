#!/usr/bin/env bash
# ember train MODEL (skipgram) on P = 1, 2, 4 processes (mpirun) sharing this machine's cores,
# with compare_train.sh's settings (dim 100, window 5, negative 5, min-count 5, sample 1e-4, 5
# epochs): words/s, quality (bench/eval_gensim.py: questions-words over the 30k most frequent
# words, WordSim353), and what the syncs cost (their count, bytes, seconds). Each rank gets
# CORES / P threads (at least 1). One line per run, also written to OUT/runs.tsv for
# bench/distributed_model.py. EXTRA: more `ember train` options (--sync-every N ...).
# usage: [MODEL=cbow] [SEEDS="1 2 3"] [RANKS="1 2 4"] [EXTRA=...] \
#        bash bench/distributed.sh CORPUS [CORES] [OUT_DIR]
set -euo pipefail
corpus=$1 cores=${2:-2} out=${3:-/tmp/ember_distributed}
here=$(cd "$(dirname "$0")" && pwd)
ember=${EMBER:-$here/../build/default/ember}
py=/usr/bin/python3
model=${MODEL:-skipgram}
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
common="--dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --quiet"
printf "model\tseed\tranks\tthreads\twords_per_s\tseconds\tsyncs\tsync_mb\tsync_s\tend_s\tanalogy\trho\n" \
  > "$out/runs.tsv"
for seed in ${SEEDS:-1}; do
  for P in ${RANKS:-1 2 4}; do
    threads=$((cores / P))
    ((threads >= 1)) || threads=1
    prefix="$out/${model}_p${P}_s$seed"
    launch=()
    ((P == 1)) || launch=(mpirun -np "$P" --oversubscribe)
    # shellcheck disable=SC2086  # $common and $EXTRA are lists of options
    "${launch[@]}" "$ember" train "$model" --input "$corpus" --output "$prefix" $common \
      ${EXTRA:-} --threads $threads --seed "$seed" > "$out/train.txt" 2>&1
    # "trained MODEL: W words x E epochs in S s = R words/s ..."
    read -r rate seconds < <(sed -nE 's/^trained .* in ([0-9.]+) s = ([0-9]+) words.*/\2 \1/p' \
      "$out/train.txt") || true
    # "P ranks x T threads; K syncs of M MB in all, S s (W s at the epochs' ends)"
    read -r syncs mb sync_s end_s < <(sed -nE \
      's/.* ([0-9]+) syncs of ([0-9.]+) MB in all, ([0-9.]+) s \(([0-9.]+) s at .*/\1 \2 \3 \4/p' \
      "$out/train.txt") || true
    vectors=$prefix.bin
    [ "$model" = fasttext ] && vectors=$prefix.vec  # its .bin is fastText's model
    quality=$($py "$here/eval_gensim.py" "$vectors" 2>/dev/null)
    analogy=$(sed -nE 's/.*analogy ([0-9.]+).*/\1/p' <<< "$quality")
    rho=$(sed -nE 's/.*rho ([0-9.]+).*/\1/p' <<< "$quality")
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$model" "$seed" "$P" "$threads" \
      "$rate" "$seconds" "${syncs:-0}" "${mb:-0}" "${sync_s:-0}" "${end_s:-0}" "$analogy" "$rho" |
      tee -a "$out/runs.tsv"
  done
done
