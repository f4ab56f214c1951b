#!/usr/bin/env bash
# Installs every Debian 12 package Loom needs to build, test and run (as root, no prompts).
# The list and the traps behind it: docs/dependencies.md.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git clang-format
  # engine
  libdnnl-dev ocl-icd-opencl-dev opencl-headers   # oneDNN's CMake config needs the OpenCL bits
  libprotobuf-dev protobuf-compiler zlib1g-dev libdeflate-dev libcli11-dev nlohmann-json3-dev
  libopencv-dev libopencv-contrib-dev libonnx-dev openmpi-bin libopenmpi-dev
  openssh-server   # the distributed tests start their own sshd "hosts" on loopback addresses
  slurmctld slurmd slurm-client munge   # dist_slurm starts its own one-machine Slurm cluster
  libeigen3-dev libhnswlib-dev   # projections (PCA, least squares) and approximate neighbours
  # studio
  qt6-base-dev qt6-svg-dev libqt6opengl6-dev libxkbcommon-dev libqcustomplot-dev
  libgraphviz-dev qt6-qpa-plugins xvfb xauth imagemagick xdotool
  # tests and benchmarks: references and the real data set
  libgtest-dev python3-torch python3-onnx python3-numpy dataset-fashion-mnist
  python3-protobuf python3-sklearn python3-skimage python3-opencv   # event-file, projection, superpixel references
  libopenblas0-pthread   # PyTorch's fastest Dense layers, for the side-by-side benchmark
  libjemalloc2 libtcmalloc-minimal4   # allocators the benchmark tries for PyTorch (LD_PRELOAD)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "loom: all ${#packages[@]} Debian packages are already installed"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "loom: missing packages: ${missing[*]}" >&2
  echo "loom: run this script as root (or: sudo $0)" >&2
  exit 1
fi
echo "loom: installing ${#missing[@]} Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
