#!/usr/bin/env bash
# Runs bench_cuda_embedding (ember) and torch_cuda_embedding.py (PyTorch) on the same GPU in
# one go and prints a Markdown table: ms, ember/PyTorch ratio, and ember's GB/s.
#   bash bench/compare_cuda_embedding.sh [build-dir]   (default build/cuda)
set -euo pipefail
build=${1:-build/cuda}
python=${PYTHON:-python3}
ember_json=$(mktemp)
"$build/bench/bench_cuda_embedding" --benchmark_format=json --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true >"$ember_json"
torch_json=$($python bench/torch_cuda_embedding.py)
$python - "$ember_json" "$torch_json" <<'PY'
import json, subprocess, sys
ember = json.load(open(sys.argv[1]))
torch = json.loads(sys.argv[2])
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip()
print(f"device: {torch['device']}; torch {torch['torch']}; ember commit {commit}\n")
print("| op | ember (ms) | PyTorch (ms) | ember / PyTorch | ember GB/s |")
print("|---|---|---|---|---|")
for b in ember["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"].removeprefix("BM_").split("/")[0]
    ms = b["real_time"]
    peer = torch["ms"].get(name)
    gbs = b.get("bytes_per_second", 0) / 1e9
    ratio = f"{ms / peer:.2f}" if peer else "-"
    print(f"| {name} | {ms:.3f} | {peer:.3f} | {ratio} | {gbs:.0f} |" if peer else
          f"| {name} | {ms:.3f} | - | - | {gbs:.0f} |")
PY
