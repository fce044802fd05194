#!/usr/bin/env bash
# The engine's step overhead, bytes moved and memory over 500 steps (see EngineBenchmark's javadoc).
#   bench/engine-benchmark.sh [overhead|bytes|memory|all|cluster]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$root/bench/target/classpath-runtime.txt" || -n "${RLHF_REBUILD:-}" ]]; then
  (cd "$root" && mvn -B -DskipTests install -pl bench -am > "$root/target-build.log" 2>&1) \
    || { echo "build failed, see $root/target-build.log" >&2; exit 1; }
fi
# local-cluster's Worker launches executor JVMs from SPARK_HOME; the benchmark gives them its own classpath.
export SPARK_HOME="$root/bench/target/spark-home" SPARK_SCALA_VERSION=2.13
mkdir -p "$SPARK_HOME/jars"
# The module opens spark-submit gives every driver (Spark's JavaModuleOptions): Kryo needs them.
opens=""
for pkg in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
    java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$pkg=ALL-UNNAMED"
done
# shellcheck source=bin/native-memory.sh
. "$root/bin/native-memory.sh"
# shellcheck disable=SC2086 # RLHF_JAVA_OPTS and opens hold several options
exec java ${RLHF_JAVA_OPTS:--Xmx8g} $opens \
  --add-modules=jdk.incubator.vector -Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -Drlhf.log.file="$root/work/logs/bench.log" \
  -cp "$root/bench/target/classes:$(cat "$root/bench/target/classpath-runtime.txt"):$(cat "$root/bench/target/classpath-provided.txt")" \
  io.sparkrlhf.bench.EngineBenchmark "$@"
