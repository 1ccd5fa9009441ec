#!/usr/bin/env bash
# ember train against its peers on the same corpus, in one run, with the issue's settings:
# dim DIM (100), window 5, negative 5, min-count 5, sample 1e-4, 5 epochs, THREADS threads.
# Speed is raw corpus words x epochs / seconds; quality is gensim's own evaluators
# (bench/eval_gensim.py: questions-words over the 30k most frequent words, WordSim353).
# usage: [SEEDS="1 2 3"] [DIM=100] bash bench/compare_train.sh CORPUS [THREADS] [OUT_DIR]
# (SEEDS: one run of each tool per seed, for the spread of the quality numbers;
#  MODELS: any of skipgram cbow fasttext glove pytorch, default skipgram cbow fasttext
#  pytorch; pytorch times one step of the composable SkipGramModel in both, seconds per step)
set -euo pipefail
corpus=$1 threads=${2:-2} out=${3:-/tmp/ember_compare}
here=$(cd "$(dirname "$0")" && pwd)
ember=${EMBER:-$here/../build/default/ember}
py=/usr/bin/python3
mkdir -p "$out"
dim=${DIM:-100}
common="--dim $dim --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5 --threads $threads"
timed() {  # NAME COMMAND...: runs COMMAND; prints its words/s line, wall time and peak RSS
  local name=$1
  shift
  /usr/bin/time -o "$out/time.txt" -f "$name: %e s end to end, peak RSS %M KB" "$@" \
    2> "$out/stderr.txt" | grep -E "^(trained|gensim)" || true
  cat "$out/time.txt"
}
for seed in ${SEEDS:-1}; do
for mode in ${MODELS:-skipgram cbow fasttext pytorch}; do
  case $mode in
  skipgram | cbow)
    lr=0.025; [ $mode = cbow ] && lr=0.05
    timed "ember $mode (seed $seed)" $ember train $mode --input "$corpus" \
      --output "$out/ember_$mode" $common --lr $lr --seed $seed --quiet
    $py "$here/eval_gensim.py" "$out/ember_$mode.bin" 2>/dev/null
    if $py -c "import gensim" 2>/dev/null; then
      timed "gensim $mode (seed $seed)" \
        $py "$here/gensim_train.py" "$corpus" $mode "$threads" "$out/gensim_$mode.vec" $seed $dim
      $py "$here/eval_gensim.py" "$out/gensim_$mode.vec" 2>/dev/null
    else
      echo "gensim: not installed (apt-get install python3-gensim), skipped"
    fi
    ;;
  fasttext)  # skip-gram with subwords 3..6, fastText's defaults otherwise (lr 0.05)
    timed "ember fasttext (seed $seed)" $ember train fasttext --input "$corpus" \
      --output "$out/ember_fasttext" $common --seed $seed --quiet
    $py "$here/eval_gensim.py" "$out/ember_fasttext.vec" 2>/dev/null
    if command -v fasttext > /dev/null; then
      timed "fastText 0.9.2 skipgram (seed $seed)" fasttext skipgram -input "$corpus" \
        -output "$out/fasttext" -dim $dim -ws 5 -neg 5 -minCount 5 -t 1e-4 -epoch 5 \
        -thread "$threads" -seed $seed -verbose 0
      $py "$here/eval_gensim.py" "$out/fasttext.vec" 2>/dev/null
    else
      echo "fasttext: not installed (apt-get install fasttext), skipped"
    fi
    ;;
  pytorch)  # the composable SkipGramModel step (batch 1024, SparseAdam) against PyTorch CPU
    bench_nn=${BENCH_NN:-$(dirname "$ember")/bench/bench_nn}
    if [ ! -x "$bench_nn" ]; then
      echo "bench_nn: not built ($bench_nn; ninja bench_nn), skipped"
    elif ! $py -c "import torch" 2>/dev/null; then
      echo "torch: not installed (apt-get install python3-torch), skipped"
    else
      "$bench_nn" --benchmark_filter=SkipGramTrainingStep | grep BM_
      (cd "$here" && OMP_WAIT_POLICY=PASSIVE $py torch_nn.py BM_SkipGramTrainingStep | grep BM_)
    fi
    ;;
  glove)  # the issue's Stanford GloVe run: window 10, x-max 10, 15 iterations, dim 100
    timed "ember glove (seed $seed)" $ember train glove --input "$corpus" \
      --output "$out/ember_glove" --dim 100 --window 10 --x-max 10 --epochs 15 --min-count 5 \
      --threads "$threads" --seed $seed --quiet
    $py "$here/eval_gensim.py" "$out/ember_glove.vec" 2>/dev/null
    echo "Stanford GloVe: not packaged by Debian, skipped (the issue's table: 288 s, 0.119, 0.461)"
    ;;
  esac
done
done
