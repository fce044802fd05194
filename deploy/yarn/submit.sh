#!/usr/bin/env bash
# Submit an rlhf job to YARN in cluster mode.
#   deploy/yarn/submit.sh prepare -c yarn.conf --set prepare.output=hdfs:///data/rlhf/prepared
# The conf file is shipped with --files and read by its base name on the driver.
# Environment: RLHF_JAR (default: spark-jobs/target/rlhf-jobs.jar), RLHF_CONF (default: conf/yarn.conf),
# SPARK_SUBMIT (default: spark-submit), EXECUTORS, EXECUTOR_CORES, EXECUTOR_MEMORY, QUEUE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="${RLHF_JAR:-$root/spark-jobs/target/rlhf-jobs.jar}"
conf="${RLHF_CONF:-$root/conf/yarn.conf}"
[[ -f "$jar" ]] || { echo "job jar not found: $jar (build with: mvn -B -DskipTests package)" >&2; exit 1; }
[[ -f "$conf" ]] || { echo "conf not found: $conf" >&2; exit 1; }
# DJL must never download: the native library comes from the jar.
java_opts="-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
cores="${EXECUTOR_CORES:-8}"
# Training jobs: one task per executor (libtorch uses every core inside it); prepare: one per core.
case "$1" in
  sft|reward|ppo|dpo|pipeline) task_cpus="$cores" ;;
  *) task_cpus=1 ;;
esac
exec "${SPARK_SUBMIT:-spark-submit}" \
  --master yarn --deploy-mode cluster \
  --queue "${QUEUE:-default}" \
  --name "rlhf-$1" \
  --class io.sparkrlhf.cli.RlhfCli \
  --num-executors "${EXECUTORS:-8}" \
  --executor-cores "$cores" \
  --executor-memory "${EXECUTOR_MEMORY:-24g}" \
  --conf spark.task.cpus="$task_cpus" \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --conf "spark.executor.extraJavaOptions=$java_opts" \
  --conf spark.yarn.maxAppAttempts=1 \
  --files "$conf" \
  "$jar" "$@"
