#!/bin/bash
# Loading a ~1.2 GB word2vec text file (and its 0.5 GB binary twin): ember vs gensim's
# KeyedVectors.load_word2vec_format, on the same files in the same run.
#
#   bash bench/bench_vectors_load.sh [EMBER_BINARY] [ROWS] [DIM]
#
# Defaults: build/cpu/ember, 400000 rows, 300 dims. The files (random normal(0, 0.3) values,
# words w0..wN, the text printed with 6 decimals by `ember convert --precision 6`) go to
# $BENCH_DIR (default /tmp/ember_bench_vectors) and are reused when present. Each file is
# read once first so that both programs find it in the page cache; ember is timed by
# `ember info` (the load alone, best of 3), gensim by time.perf_counter() around the load
# (best of 2 for binary, 1 for text). gensim: Debian's python3-gensim, run by /usr/bin/python3.
set -euo pipefail
EMBER=${1:-build/cpu/ember}
ROWS=${2:-400000}
DIM=${3:-300}
DIR=${BENCH_DIR:-/tmp/ember_bench_vectors}
mkdir -p "$DIR"
BIN="$DIR/random_${ROWS}x${DIM}.bin"
TXT="$DIR/random_${ROWS}x${DIM}.txt"

if [ ! -f "$BIN" ]; then
  /usr/bin/python3 - "$BIN" "$ROWS" "$DIM" <<'PY'
import sys
import numpy as np
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
with open(path + ".part", "wb") as f:
    f.write(f"{rows} {dim}\n".encode())
    for start in range(0, rows, 10000):
        block = (rng.standard_normal((min(10000, rows - start), dim)) * 0.3).astype("<f4")
        for i, row in enumerate(block):
            f.write(f"w{start + i} ".encode() + row.tobytes() + b"\n")
import os
os.rename(path + ".part", path)
PY
fi
[ -f "$TXT" ] || "$EMBER" convert "$BIN" "$TXT" --to w2v-text --precision 6 >/dev/null 2>&1

cat "$BIN" "$TXT" > /dev/null
ember_seconds() {  # best of 3 `ember info` load times
  local best=
  for _ in 1 2 3; do
    local s
    s=$("$EMBER" info "$1" --words 0 | awk '/^loaded in:/ {print $3}')
    if [ -z "$best" ] || awk "BEGIN {exit !($s < $best)}"; then best=$s; fi
  done
  echo "$best"
}
gensim_seconds() {  # best of $3 loads
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, time
from gensim.models import KeyedVectors
path, binary, runs = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
best = None
for _ in range(runs):
    start = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    t = time.perf_counter() - start
    best = t if best is None else min(best, t)
    del kv
print(f"{best:.3f}")
PY
}

E_TXT=$(ember_seconds "$TXT")
E_BIN=$(ember_seconds "$BIN")
G_TXT=$(gensim_seconds "$TXT" 0 1)
G_BIN=$(gensim_seconds "$BIN" 1 2)
MB_TXT=$(awk "BEGIN {printf \"%.0f\", $(stat -c %s "$TXT") / 1e6}")
MB_BIN=$(awk "BEGIN {printf \"%.0f\", $(stat -c %s "$BIN") / 1e6}")
GENSIM=$(/usr/bin/python3 -c "import gensim; print(gensim.__version__)")
echo "| file | size (MB) | ember (s) | ember (MB/s) | gensim $GENSIM (s) | gensim / ember |"
echo "|---|---:|---:|---:|---:|---:|"
awk -v f="word2vec text, ${ROWS} x ${DIM}" -v mb="$MB_TXT" -v e="$E_TXT" -v g="$G_TXT" \
  'BEGIN {printf "| %s | %d | %.2f | %.0f | %.2f | %.1fx |\n", f, mb, e, mb / e, g, g / e}'
awk -v f="word2vec binary, ${ROWS} x ${DIM}" -v mb="$MB_BIN" -v e="$E_BIN" -v g="$G_BIN" \
  'BEGIN {printf "| %s | %d | %.2f | %.0f | %.2f | %.1fx |\n", f, mb, e, mb / e, g, g / e}'
