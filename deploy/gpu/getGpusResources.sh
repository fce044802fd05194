#!/usr/bin/env bash
# Spark's GPU discovery script (spark.executor.resource.gpu.discoveryScript), for YARN and
# Kubernetes: prints the GPUs this executor may use in Spark's resource format,
#   {"name":"gpu","addresses":["0","1"]}
# Addresses are CUDA device ordinals as the executor's process sees them, which is what a task
# hands libtorch: when CUDA_VISIBLE_DEVICES restricts the container (YARN's GPU isolation, some
# Kubernetes setups), the ordinals are 0..n-1 in that list's order, whatever the physical indexes.
# Otherwise they come from nvidia-smi (inside a container with the NVIDIA runtime it lists only
# the container's GPUs, already numbered from 0).
# Plain POSIX tools and bash 3.2 (macOS) semantics; exits non-zero with a message when no GPU can be found.
set -euo pipefail

ordinals=""
if [ "${CUDA_VISIBLE_DEVICES+set}" = set ]; then
  count=0
  for _device in $(printf '%s' "$CUDA_VISIBLE_DEVICES" | tr ',' ' '); do
    ordinals="$ordinals $count"
    count=$((count + 1))
  done
else
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "getGpusResources.sh: nvidia-smi is not on PATH and CUDA_VISIBLE_DEVICES is unset: no NVIDIA GPU visible on $(hostname)" >&2
    exit 1
  fi
  ordinals=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' \r')
fi

addresses=""
for ordinal in $ordinals; do
  addresses="${addresses:+$addresses,}\"$ordinal\""
done
if [ -z "$addresses" ]; then
  echo "getGpusResources.sh: no GPU visible to this executor on $(hostname)" >&2
  exit 1
fi
printf '{"name":"gpu","addresses":[%s]}\n' "$addresses"
