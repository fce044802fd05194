#!/usr/bin/env bash
# Where a recorded run's CPU went, by phase (see ProfileShares' javadoc).
#   bench/prepare-benchmark.sh --mb 200 --cores 2 --jfr run.jfr
#   bench/profile-shares.sh run.jfr [--top 25] [--threads REGEX]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$root/bench/target/classpath-runtime.txt" || -n "${RLHF_REBUILD:-}" ]]; then
  (cd "$root" && mvn -B -DskipTests install -pl bench -am > "$root/target-build.log" 2>&1) \
    || { echo "build failed, see $root/target-build.log" >&2; exit 1; }
fi
exec java -cp "$root/bench/target/classes" io.sparkrlhf.bench.ProfileShares "$@"
