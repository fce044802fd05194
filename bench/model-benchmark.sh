#!/usr/bin/env bash
# The model's forward+backward and generation speed on this machine (see ModelBenchmark's javadoc).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$root/bench/target/classpath-runtime.txt" || -n "${RLHF_REBUILD:-}" ]]; then
  (cd "$root" && mvn -B -DskipTests install -pl bench -am > "$root/target-build.log" 2>&1) \
    || { echo "build failed, see $root/target-build.log" >&2; exit 1; }
fi
# shellcheck source=bin/native-memory.sh
. "$root/bin/native-memory.sh"
exec java ${RLHF_JAVA_OPTS:--Xmx8g} -Dai.djl.offline=true \
  -cp "$root/bench/target/classes:$(cat "$root/bench/target/classpath-runtime.txt")" \
  io.sparkrlhf.bench.ModelBenchmark "$@"
