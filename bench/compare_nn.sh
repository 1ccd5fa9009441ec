#!/usr/bin/env bash
# Side-by-side CPU timings of ember and PyTorch on the nn path of an embedding model: the
# Embedding, EmbeddingBag and SparseAdam rows of bench/bench_nn.cpp (PyTorch: bench/torch_nn.py)
# and the LSTM rows of bench/bench_lstm.cpp (PyTorch: bench/torch_lstm.py), printed as a
# Markdown table with the machine, its load average, the date, the commit and torch's version.
# Builds nothing.
#   usage: bash bench/compare_nn.sh [build_dir]   (default build/default)
# ember's time is the median of 3 repetitions (Google Benchmark's median aggregate, wall
# time); PyTorch's the median of 9 timings after warm-up (LSTM: of 5 runs).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/default}
python=/usr/bin/python3  # Debian's python: has torch and numpy

for bench in bench_nn bench_lstm; do
  if [[ ! -x "$build/bench/$bench" ]]; then
    echo "compare_nn: no $build/bench/$bench; build it first: ninja -C $build $bench" >&2
    exit 1
  fi
done
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "compare_nn: $python has no torch (Debian's python3-torch is needed)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

flags=(--benchmark_format=json --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
"$build/bench/bench_nn" "${flags[@]}" >"$work/ember_nn.json"
"$build/bench/bench_lstm" "${flags[@]}" \
  --benchmark_filter='BM_Lstm(Sentiment|BiPacked|Bi2Layer)/' >"$work/ember_lstm.json"
"$python" "$root/bench/torch_nn.py" >"$work/torch_nn.json"
"$python" "$root/bench/torch_lstm.py" >"$work/torch_lstm.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (with uncommitted changes)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/^[^:]*: *//' || echo unknown)

COMMIT="$commit" CPU="$cpu" CORES="$(nproc)" DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" \
  LOAD="$load_before (before) / $load_after (after)" "$python" - "$work" <<'PY'
import json, os, sys

work = sys.argv[1]
to_seconds = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def ember_medians(path):
    """Google Benchmark JSON -> {name: seconds}, the median aggregates, with the decorations
    (real_time, min_time:..., min_warmup_time:...) dropped:
    BM_X/sparse:1/min_warmup_time:1.000/real_time -> BM_X/sparse:1."""
    times = {}
    for r in json.load(open(path))["benchmarks"]:
        if r.get("aggregate_name") != "median":
            continue
        name = "/".join(p for p in r["run_name"].split("/")
                        if p not in ("real_time", "manual_time") and not p.startswith("min_"))
        times[name] = r["real_time"] * to_seconds[r.get("time_unit", "ns")]
    return times


ember = ember_medians(os.path.join(work, "ember_nn.json"))
ember.update(ember_medians(os.path.join(work, "ember_lstm.json")))
theirs = json.load(open(os.path.join(work, "torch_nn.json")))
for line in open(os.path.join(work, "torch_lstm.txt")):  # "BM_LstmSentiment/0 76.3 ms"
    name, value, unit = line.split()
    theirs[name] = float(value) * to_seconds[unit]

LABELS = {
    "BM_EmbeddingForwardBackward/sparse:1": "Embedding fwd+bwd, sparse grad",
    "BM_EmbeddingForwardBackward/sparse:0": "Embedding fwd+bwd, dense grad",
    "BM_EmbeddingBagMeanForwardBackward/sparse:1": "EmbeddingBag mean fwd+bwd, sparse grad",
    "BM_EmbeddingBagMeanForwardBackward/sparse:0": "EmbeddingBag mean fwd+bwd, dense grad",
    "BM_SparseAdamStep": "SparseAdam step (sparse Embedding grad)",
    "BM_SparseEmbeddingAdamPath": "sparse path: lookup + backward + SparseAdam",
    "BM_SkipGramTrainingStep": "SkipGramModel step, batch 1024, SparseAdam (V 54280, D 100)",
    "BM_LstmSentiment/0": "LSTM 1x256, in 100, T 50, B 64: forward",
    "BM_LstmSentiment/1": "LSTM 1x256, in 100, T 50, B 64: fwd+bwd",
    "BM_LstmBiPacked/0": "LSTM 2x128 bi, in 100, B 64 packed: forward",
    "BM_LstmBiPacked/1": "LSTM 2x128 bi, in 100, B 64 packed: fwd+bwd",
    "BM_LstmBi2Layer/0": "LSTM 2x256 bi, in 128, T 50, B 32: forward",
    "BM_LstmBi2Layer/1": "LSTM 2x256 bi, in 128, T 50, B 32: fwd+bwd",
}

print("| op | benchmark | ember (ms) | PyTorch (ms) | ember/PyTorch |")
print("|---|---|---:|---:|---:|")
for name in list(LABELS) + sorted(set(ember) - set(LABELS)):
    if name not in ember and name not in theirs:
        continue
    mine, other = ember.get(name), theirs.get(name)
    ms = lambda s: "—" if s is None else f"{s * 1e3:.1f}"  # noqa: E731
    ratio = "—" if mine is None or other is None else f"{mine / other:.2f}"
    print(f"| {LABELS.get(name, name)} | {name} | {ms(mine)} | {ms(other)} | {ratio} |")
import torch  # noqa: E402

print()
print(f"- machine: {os.environ['CORES']} cores, {os.environ['CPU']}; both sides use 2 threads")
print(f"- load average (1, 5, 15 min): {os.environ['LOAD']}")
print(f"- date: {os.environ['DATE']}")
print(f"- ember commit: {os.environ['COMMIT']}")
print(f"- PyTorch {torch.__version__} (CPU)")
print("- table [100000, 300] float32, 65536 ids; bags: 4096 of 16 (offsets); "
      "ember: median of 3 repetitions, PyTorch: median of 9 timings (LSTM: of 5)")
PY
