#!/usr/bin/env bash
# Submit an rlhf command to YARN in cluster mode.
#
#   deploy/yarn/submit.sh COMMAND [-c FILE]... [-s KEY=VALUE]... [COMMAND'S OPTIONS]
#   deploy/yarn/submit.sh prepare -c conf/yarn.conf -c conf/models/llama-7b-lora.conf -o hdfs:///data/rlhf/prepared
#   deploy/yarn/submit.sh sft -c conf/yarn-gpu.conf -c conf/models/llama-7b-lora.conf -o hdfs:///runs/sft-1
#
# The configuration is resolved here, on the client, with the job jar's own loader (defaults, each
# -c file with everything it includes, each -s), and that one resolved file is shipped as rlhf.conf:
# presets a file includes never go missing on the cluster. Its rlhf.spark.conf settings become
# spark-submit --conf settings (sizes and GPUs only work when given at submission); secret-looking
# ones stay in the shipped file. Without -c, conf/yarn.conf is used.
#
# Environment (each optional):
#   RLHF_JAR         job jar (default: spark-jobs/target/rlhf-jobs.jar)
#   SPARK_SUBMIT     spark-submit to run (default: spark-submit on PATH)
#   SPARK_HOME       where the client's Spark jars are (default: found from spark-submit)
#   JAVA             java to resolve the configuration with (default: $JAVA_HOME/bin/java or java)
#   QUEUE, EXECUTORS, EXECUTOR_CORES, EXECUTOR_MEMORY, GPUS_PER_EXECUTOR
#                    shortcuts for spark.yarn.queue, spark.executor.instances, .cores, .memory and
#                    spark.executor.resource.gpu.amount (they win over the configuration)
#   RLHF_CLIENT_CLASSPATH  classpath for resolving the configuration (default: the jar and Spark's jars)
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() {
  echo "deploy/yarn/submit.sh: $*" >&2
  exit 2
}

if [ $# -lt 1 ]; then
  usage >&2
  exit 2
fi
case "$1" in
  -h | --help) usage; exit 0 ;;
  -*) die "the first argument is the rlhf command (prepare, sft, reward, ppo, ...), found $1" ;;
esac
command_name="$1"
shift

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="${RLHF_JAR:-$root/spark-jobs/target/rlhf-jobs.jar}"
spark_submit="${SPARK_SUBMIT:-spark-submit}"
discovery="$root/deploy/gpu/getGpusResources.sh"
[ -f "$jar" ] || die "job jar not found: $jar (build it with: mvn -B -DskipTests package)"

# Configuration arguments are resolved here; everything else goes to the job.
config_args=()
job_args=()
have_config=false
while [ $# -gt 0 ]; do
  case "$1" in
    -c | --config)
      [ $# -ge 2 ] || die "$1 needs a file"
      [ -f "$2" ] || die "configuration file not found: $2"
      config_args+=(--config "$2"); have_config=true; shift 2 ;;
    --config=*)
      [ -f "${1#--config=}" ] || die "configuration file not found: ${1#--config=}"
      config_args+=("$1"); have_config=true; shift ;;
    -s | --set)
      [ $# -ge 2 ] || die "$1 needs KEY=VALUE"
      config_args+=(--set "$2"); shift 2 ;;
    --set=*) config_args+=("$1"); shift ;;
    --conf | --conf=*) die "--conf is spark-submit's option; give rlhf configuration files with -c/--config" ;;
    *) job_args+=("$1"); shift ;;
  esac
done
if [ "$have_config" = false ]; then
  config_args=(--config "$root/conf/yarn.conf" ${config_args[@]+"${config_args[@]}"})
fi
# Environment shortcuts, applied last so they win.
shortcut() {
  if [ -n "$2" ]; then
    config_args+=(--set "spark.conf.\"$1\"=\"$2\"")
  fi
}
shortcut spark.yarn.queue "${QUEUE:-}"
shortcut spark.executor.instances "${EXECUTORS:-}"
shortcut spark.executor.cores "${EXECUTOR_CORES:-}"
shortcut spark.executor.memory "${EXECUTOR_MEMORY:-}"
shortcut spark.executor.resource.gpu.amount "${GPUS_PER_EXECUTOR:-}"

# Resolve with the job jar's own code (the same loader the driver uses).
if [ -z "${RLHF_CLIENT_CLASSPATH:-}" ]; then
  spark_home="${SPARK_HOME:-}"
  if [ -z "$spark_home" ] && command -v "$spark_submit" >/dev/null 2>&1; then
    spark_home="$(cd "$(dirname "$(command -v "$spark_submit")")/.." && pwd)"
  fi
  RLHF_CLIENT_CLASSPATH="$jar:$spark_home/jars/*"
fi
java_bin="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
staging="$(mktemp -d "${TMPDIR:-/tmp}/rlhf-submit.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
chmod 700 "$staging"
resolved="$staging/rlhf.conf"
rlhf_client() {
  "$java_bin" -Dai.djl.offline=true -cp "$RLHF_CLIENT_CLASSPATH" io.sparkrlhf.cli.RlhfCli "$@"
}
rlhf_client config ${config_args[@]+"${config_args[@]}"} --write "$resolved" \
  --spark-submit-conf "$command_name" > "$staging/spark-conf.txt" \
  || die "the configuration could not be resolved (see above)"

spark_conf=()
gpus=false
while IFS= read -r setting; do
  [ -n "$setting" ] || continue
  spark_conf+=(--conf "$setting")
  case "$setting" in
    spark.executor.resource.gpu.amount=0 | spark.executor.resource.gpu.amount=0.0) ;;
    spark.executor.resource.gpu.amount=*) gpus=true ;;
  esac
done < "$staging/spark-conf.txt"

files="$resolved"
gpu_conf=()
if [ "$gpus" = true ]; then
  # YARN does not tell an executor which GPUs its container got: Spark runs this script to find out.
  files="$files,$discovery"
  gpu_conf=(--conf spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh)
fi

# DJL must never download: the native library comes from the jar.
java_opts="-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
"$spark_submit" \
  --master yarn --deploy-mode cluster \
  --name "rlhf-$command_name" \
  --class io.sparkrlhf.cli.RlhfDriver \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --conf "spark.executor.extraJavaOptions=$java_opts" \
  --conf spark.yarn.maxAppAttempts=1 \
  --conf spark.yarn.submit.waitAppCompletion=true \
  ${gpu_conf[@]+"${gpu_conf[@]}"} \
  ${spark_conf[@]+"${spark_conf[@]}"} \
  --files "$files" \
  "$jar" "$command_name" --config rlhf.conf ${job_args[@]+"${job_args[@]}"}
