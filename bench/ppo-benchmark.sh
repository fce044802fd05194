#!/usr/bin/env bash
# PPO: rollout tokens/s batched vs one prompt at a time, and a PPO iteration's time split (see PpoBenchmark).
#   bench/ppo-benchmark.sh [rollout|iteration|all]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$root/bench/target/classpath-runtime.txt" || -n "${RLHF_REBUILD:-}" ]]; then
  (cd "$root" && mvn -B -DskipTests install -pl bench -am > "$root/target-build.log" 2>&1) \
    || { echo "build failed, see $root/target-build.log" >&2; exit 1; }
fi
# shellcheck source=bin/native-memory.sh
. "$root/bin/native-memory.sh"
exec java ${RLHF_JAVA_OPTS:--Xmx8g} \
  --add-modules=jdk.incubator.vector -Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -Drlhf.log.file="$root/work/logs/bench.log" \
  -cp "$root/bench/target/classes:$(cat "$root/bench/target/classpath-runtime.txt"):$(cat "$root/bench/target/classpath-provided.txt")" \
  io.sparkrlhf.bench.PpoBenchmark "$@"
