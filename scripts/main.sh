#!/usr/bin/env bash
# The main job: install what is missing, build ember, train skip-gram vectors on the bundled
# public-domain corpus, show neighbours and analogies, score them on the standard test sets
# and draw a t-SNE map of the 300 most frequent words.
#   bash scripts/main.sh            (outputs in out/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target ember_cli
ember=./build/default/ember
mkdir -p out

$ember train skipgram --input corpus/public_domain.txt.gz --output out/skipgram \
  --dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-4 --epochs 5
echo
$ember similar out/skipgram.bin war ship god freedom whale congress --top 6
echo
$ember analogy out/skipgram.bin man king woman
$ember analogy out/skipgram.bin paris france london
echo
$ember eval out/skipgram.bin --analogies data/eval/questions-words.txt \
  --similarity data/eval/wordsim353.tsv --restrict 30000
echo
$ember plot out/skipgram.bin --top 300 --method tsne --seed 1 --out out/skipgram_tsne.svg
$ember plot out/skipgram.bin --top 300 --method tsne --seed 1 --out out/skipgram_tsne.png
echo "vectors: out/skipgram.vec (text) out/skipgram.bin (binary); plot: out/skipgram_tsne.svg"
