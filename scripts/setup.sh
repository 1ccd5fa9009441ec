#!/usr/bin/env bash
# Installs what ember needs to build and test on Debian (12+), as root or through sudo.
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail

# clang and libclang-rt-14-dev (libFuzzer, the sanitizers' runtimes): the asan preset's
# compiler and the fuzz harnesses (fuzz/). libopenmpi-dev and openmpi-bin: the distributed
# layer's MPI backend and `mpirun` (dist/).
packages=(build-essential cmake ninja-build libgtest-dev libgmock-dev libbenchmark-dev
          pkg-config zlib1g-dev libcli11-dev clang libclang-rt-14-dev libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo)
  echo "setup: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
# The CUDA backend is built where nvcc exists (/usr/local/cuda); without it, CPU only.
if [[ -x /usr/local/cuda/bin/nvcc ]] || command -v nvcc >/dev/null; then
  echo "setup: nvcc found, the CUDA backend will be built"
else
  echo "setup: no nvcc, building the CPU backend only"
fi
