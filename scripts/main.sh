#!/usr/bin/env bash
# The main job: install what is missing, build ember, and run it on the bundled corpus.
#   bash scripts/main.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target ember_cli
mkdir -p out
./build/default/ember demo --input corpus/sample.txt --output out/demo
