#!/usr/bin/env bash
# Side-by-side CPU timings of ember and PyTorch on the ops of bench/bench_ops.cpp and
# bench/torch_ops.py, printed as a Markdown table. Builds nothing.
#   usage: bash bench/compare_ops.sh [build_dir [bench_ops flags...]]   (default build/default)
# ember's time is the median of 5 repetitions (Google Benchmark's median aggregate, wall
# time); PyTorch's the median of 15 timings after warm-up.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/default}
shift || true
bench="$build/bench/bench_ops"
python=/usr/bin/python3  # Debian's python: has torch and numpy

if [[ ! -x "$bench" ]]; then
  echo "compare_ops: no $bench; build it first: ninja -C $build bench_ops" >&2
  exit 1
fi
if [[ ! -x "$python" ]]; then
  echo "compare_ops: $python is needed to read the JSON results" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" --benchmark_format=json --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true "$@" >"$work/ember.json"
torch_note=""
if "$python" -c "import torch" 2>/dev/null; then
  "$python" "$root/bench/torch_ops.py" >"$work/torch.json"
else
  torch_note="PyTorch is not installed for $python: ember's numbers only."
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (with uncommitted changes)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/^[^:]*: *//' || echo unknown)

COMMIT="$commit" CPU="$cpu" CORES="$(nproc)" DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" \
  TORCH_NOTE="$torch_note" "$python" - "$work/ember.json" "$work/torch.json" <<'PY'
import json, os, re, sys

ember_path, torch_path = sys.argv[1], sys.argv[2]
to_seconds = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# ember: one row per benchmark; with repetitions, the median aggregate.
ember = {}
runs = json.load(open(ember_path))["benchmarks"]
has_median = any(r.get("aggregate_name") == "median" for r in runs)
for r in runs:
    if has_median and r.get("aggregate_name") != "median":
        continue
    if not has_median and r.get("run_type") == "aggregate":
        continue
    name = r.get("run_name", r["name"]) if has_median else r["name"]
    # Drop Google Benchmark's decorations: BM_Softmax/real_time, .../min_time:2 -> BM_Softmax
    name = "/".join(part for part in name.split("/")
                    if ":" not in part and part not in ("real_time", "manual_time", "process_time"))
    ember[name] = r["real_time"] * to_seconds[r.get("time_unit", "ns")]

torch_times, torch_version = {}, None
if os.path.exists(torch_path) and os.path.getsize(torch_path) > 0:
    torch_times = json.load(open(torch_path))
    import torch
    torch_version = torch.__version__


# bench_ops.cpp's benchmark names -> torch_ops.py's keys; other names are matched by their
# squashed base name (BM_IndexSelect -> indexselect = index_select).
KNOWN = {"BM_IndexSelect": "index_select", "BM_BmmEmbeddingScores": "bmm",
         "BM_Matmul/512/0": "matmul", "BM_Matmul/512/1": "matmul_f64",
         "BM_Matmul/1024/0": "matmul_1024", "BM_Softmax": "softmax", "BM_SumDim1": "sum"}


def squash(name):
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("bm_", "", 1))


def torch_key(ember_name):
    if ember_name in KNOWN:
        return KNOWN[ember_name] if KNOWN[ember_name] in torch_times else None
    if "/" in ember_name:  # arguments we do not know: no fair twin
        return None
    base = squash(ember_name)
    for key in sorted(torch_times, key=len, reverse=True):
        if base.startswith(squash(key)):
            return key
    return None


print("| op | ember (ms) | PyTorch (ms) | ember/PyTorch |")
print("|---|---:|---:|---:|")
matched = set()
for name, seconds in ember.items():
    key = torch_key(name)
    matched.add(key)
    if key is None:
        print(f"| {name} | {seconds * 1e3:.3f} | — | — |")
    else:
        theirs = torch_times[key]
        print(f"| {name} | {seconds * 1e3:.3f} | {theirs * 1e3:.3f} | {seconds / theirs:.2f} |")
for key, theirs in torch_times.items():
    if key not in matched:
        print(f"| {key} (PyTorch only) | — | {theirs * 1e3:.3f} | — |")
print()
print(f"- machine: {os.environ['CORES']} cores, {os.environ['CPU']}; both sides use 2 threads")
print(f"- date: {os.environ['DATE']}")
print(f"- ember commit: {os.environ['COMMIT']}")
if torch_version:
    print(f"- PyTorch {torch_version} (CPU), median of repeated timings after warm-up")
if os.environ["TORCH_NOTE"]:
    print(f"- {os.environ['TORCH_NOTE']}")
print("- ember: Google Benchmark's wall time per call (median aggregate when repeated)")
PY
