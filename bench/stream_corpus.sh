#!/usr/bin/env bash
# Corpora larger than memory (issue 18 item 8): peak RSS and words/s of `ember train skipgram`
# with the corpus held in memory and read from disk (--corpus-budget MB), on 1x, 4x and 16x
# a corpus (copies of it concatenated into OUT_DIR). dim 100, window 5, negative 5,
# sample 1e-4, EPOCHS epochs (1), THREADS threads (2), seed 1, and min-count 5 x copies: the
# same vocabulary, so the same tables, at every size (with min-count 5 the copies' counts would
# let more words in, and the tables would grow with the corpus). words/s is the
# program's own (raw corpus words x epochs / training seconds); end to end and peak RSS are
# /usr/bin/time's (Debian package `time`). Streamed and in-memory vectors of one thread are
# the same to the bit (tests/test_corpus_stream.cpp); with 2 threads, Hogwild's.
# usage: [BUDGET=32] [EPOCHS=1] [COPIES="1 4 16"] bash bench/stream_corpus.sh CORPUS [THREADS] [OUT_DIR]
set -euo pipefail
corpus=$1 threads=${2:-2} out=${3:-/tmp/ember_stream}
here=$(cd "$(dirname "$0")" && pwd)
ember=${EMBER:-$here/../build/cpu/ember}
budget=${BUDGET:-32}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$out"
common="--dim 100 --window 5 --negative 5 --sample 1e-4 --epochs ${EPOCHS:-1}
        --threads $threads --seed 1 --quiet"
echo "| corpus | tokens | vocabulary | corpus held | peak RSS (MB) | words/s | end to end (s) |"
echo "|---|---:|---:|---|---:|---:|---:|"
for copies in ${COPIES:-1 4 16}; do
  text=$out/corpus_${copies}x.txt
  if [ ! -s "$text" ]; then
    for _ in $(seq "$copies"); do cat "$corpus"; done > "$text"
  fi
  for mode in memory disk; do
    extra=""
    [ $mode = disk ] && extra="--corpus-budget $budget"
    # shellcheck disable=SC2086
    /usr/bin/time -o "$out/time.txt" -f "%M %e" "$ember" train skipgram --input "$text" \
      --output "$out/sg_$mode" --min-count $((5 * copies)) $common $extra \
      > "$out/stdout.txt" 2> "$out/stderr.txt"
    read -r rss_kb seconds < "$out/time.txt"
    tokens=$(grep -oE 'trained skipgram: [0-9]+' "$out/stdout.txt" | grep -oE '[0-9]+$')
    words=$(grep -oE 'vocabulary [0-9]+' "$out/stderr.txt" | grep -oE '[0-9]+')
    rate=$(grep -oE '= [0-9]+ words/s' "$out/stdout.txt" | grep -oE '[0-9]+')
    where="in memory"
    [ $mode = disk ] && where="on disk, $budget MB"
    echo "| ${copies}x | $tokens | $words | $where | $((rss_kb / 1024)) | $rate | $seconds |"
  done
done
rm -f "$out"/sg_*
