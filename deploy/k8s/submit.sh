#!/usr/bin/env bash
# Submit an rlhf command to Kubernetes in cluster mode; training commands run on GPU executors.
#
#   deploy/k8s/submit.sh COMMAND [-c FILE]... [-s KEY=VALUE]... [COMMAND'S OPTIONS]
#   K8S_API=https://k8s.example:6443 IMAGE=registry.example/rlhf:0.1.0 \
#     deploy/k8s/submit.sh sft -c conf/k8s.conf -c conf/models/llama-7b-lora.conf -o s3a://bucket/runs/sft-1
#
# The configuration is resolved here, on the client, with the job jar's own loader (defaults, each
# -c file with everything it includes, each -s), and that one file reaches the driver as
# /opt/spark/conf/rlhf.conf: spark-submit puts every file of SPARK_CONF_DIR into the ConfigMap it
# mounts there, so this script runs it with a private copy of the client's SPARK_CONF_DIR plus that
# file. Presets a file includes never go missing in the pod. A ConfigMap is readable by whoever may
# read the namespace's ConfigMaps, so secret-looking settings are refused (credentials come from a
# Kubernetes secret or IRSA, see the README). rlhf.spark.conf becomes spark-submit --conf settings.
# Without -c, conf/k8s.conf is used (the sizes below are its values).
#
# Environment:
#   K8S_API, IMAGE      required: the API server URL and the image (deploy/docker/Dockerfile)
#   NAMESPACE           default rlhf;  SERVICE_ACCOUNT  default spark (for IRSA: the annotated one)
#   EXECUTORS (4), EXECUTOR_CORES (8), EXECUTOR_MEMORY (48g), EXECUTOR_MEMORY_OVERHEAD (16g: libtorch's
#   off-heap memory), DRIVER_MEMORY (8g), DRIVER_MAX_RESULT_SIZE (4g)
#                       shortcuts that win over the configuration (defaults: conf/k8s.conf)
#   GPUS_PER_EXECUTOR   1 in conf/k8s.conf (a replica trains on the first GPU its task is given);
#                       0 runs training on CPU
#   GPU_NODE_SELECTOR   optional, key=value[,key=value]: executors only on nodes with these labels
#                       (e.g. nvidia.com/gpu.present=true where GPU feature discovery labels nodes);
#                       without it the GPU limit and the toleration place them
#   SPARK_SUBMIT        default spark-submit;  SPARK_HOME, SPARK_CONF_DIR  the client's, as spark-submit finds them
#   RLHF_JAR            job jar that resolves the configuration (default: spark-jobs/target/rlhf-jobs.jar)
#   JAVA                java to resolve with (default: $JAVA_HOME/bin/java or java)
#   RLHF_CLIENT_CLASSPATH  classpath for resolving the configuration (default: the jar and Spark's jars)
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() {
  echo "deploy/k8s/submit.sh: $*" >&2
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
[ -n "${K8S_API:-}" ] || die "set K8S_API to the API server URL (see --help)"
[ -n "${IMAGE:-}" ] || die "set IMAGE to the image built from deploy/docker/Dockerfile (see --help)"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="${RLHF_JAR:-$root/spark-jobs/target/rlhf-jobs.jar}"
spark_submit="${SPARK_SUBMIT:-spark-submit}"
# Where the driver's container mounts SPARK_CONF_DIR's files (Spark's own, fixed path).
pod_conf_dir=/opt/spark/conf

# Configuration arguments are resolved here; everything else goes to the job.
config_args=()
job_args=()
have_config=false
while [ $# -gt 0 ]; do
  case "$1" in
    -c | --config)
      [ $# -ge 2 ] || die "$1 needs a file"
      [ -f "$2" ] || die "configuration file not found: $2 (files are read and resolved on this machine)"
      config_args+=(--config "$2"); have_config=true; shift 2 ;;
    --config=*)
      [ -f "${1#--config=}" ] || die "configuration file not found: ${1#--config=} (files are read and resolved on this machine)"
      config_args+=("$1"); have_config=true; shift ;;
    -s | --set)
      [ $# -ge 2 ] || die "$1 needs KEY=VALUE"
      config_args+=(--set "$2"); shift 2 ;;
    --set=*) config_args+=("$1"); shift ;;
    --conf | --conf=*) die "--conf is spark-submit's option; give rlhf configuration files with -c/--config" ;;
    *) job_args+=("$1"); shift ;;
  esac
done
[ -f "$jar" ] || die "job jar not found: $jar (it resolves the configuration; build it with: mvn -B -DskipTests package)"
if [ "$have_config" = false ]; then
  config_args=(--config "$root/conf/k8s.conf" ${config_args[@]+"${config_args[@]}"})
fi
# Environment shortcuts, applied last so they win.
shortcut() {
  if [ -n "$2" ]; then
    config_args+=(--set "spark.conf.\"$1\"=\"$2\"")
  fi
}
shortcut spark.executor.instances "${EXECUTORS:-}"
shortcut spark.executor.cores "${EXECUTOR_CORES:-}"
shortcut spark.executor.memory "${EXECUTOR_MEMORY:-}"
shortcut spark.executor.memoryOverhead "${EXECUTOR_MEMORY_OVERHEAD:-}"
shortcut spark.driver.memory "${DRIVER_MEMORY:-}"
shortcut spark.driver.maxResultSize "${DRIVER_MAX_RESULT_SIZE:-}"
shortcut spark.executor.resource.gpu.amount "${GPUS_PER_EXECUTOR:-}"

selector_conf=()
if [ -n "${GPU_NODE_SELECTOR:-}" ]; then
  for label in $(printf '%s' "$GPU_NODE_SELECTOR" | tr ',' ' '); do
    case "$label" in
      ?*=*) selector_conf+=(--conf "spark.kubernetes.executor.node.selector.${label%%=*}=${label#*=}") ;;
      *) die "GPU_NODE_SELECTOR: expected key=value[,key=value], found $label" ;;
    esac
  done
fi

spark_home="${SPARK_HOME:-}"
if [ -z "$spark_home" ] && command -v "$spark_submit" >/dev/null 2>&1; then
  spark_home="$(cd "$(dirname "$(command -v "$spark_submit")")/.." && pwd)"
fi
if [ -z "${RLHF_CLIENT_CLASSPATH:-}" ]; then
  RLHF_CLIENT_CLASSPATH="$jar:$spark_home/jars/*"
fi
java_bin="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
staging="$(mktemp -d "${TMPDIR:-/tmp}/rlhf-submit.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
chmod 700 "$staging"
conf_dir="$staging/conf"
mkdir "$conf_dir"
# The client's own Spark configuration (spark-defaults.conf, log4j2.properties, ...) stays in force.
client_conf_dir="${SPARK_CONF_DIR:-${spark_home:+$spark_home/conf}}"
if [ -n "$client_conf_dir" ] && [ -d "$client_conf_dir" ]; then
  for f in "$client_conf_dir"/*; do
    if [ -f "$f" ]; then
      cp -p "$f" "$conf_dir/"
    fi
  done
fi
resolved="$conf_dir/rlhf.conf"
"$java_bin" -Dai.djl.offline=true -cp "$RLHF_CLIENT_CLASSPATH" io.sparkrlhf.cli.RlhfCli config \
  ${config_args[@]+"${config_args[@]}"} --refuse-secrets --write "$resolved" \
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

gpu_conf=()
if [ "$gpus" = true ]; then
  # Spark schedules GPUs itself; a task reads its device from TaskContext.resources().
  gpu_conf=(--conf spark.executor.resource.gpu.vendor=nvidia.com
            --conf spark.executor.resource.gpu.discoveryScript=/opt/rlhf/bin/getGpusResources.sh
            --conf "spark.kubernetes.executor.podTemplateFile=$here/executor-pod-template.yaml")
fi

# DJL must never download: libtorch comes from the image.
java_opts="-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
SPARK_CONF_DIR="$conf_dir" "$spark_submit" \
  --master "k8s://$K8S_API" --deploy-mode cluster \
  --name "rlhf-$command_name" \
  --class io.sparkrlhf.cli.RlhfDriver \
  --conf spark.kubernetes.namespace="${NAMESPACE:-rlhf}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${SERVICE_ACCOUNT:-spark}" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --conf "spark.executor.extraJavaOptions=$java_opts" \
  ${spark_conf[@]+"${spark_conf[@]}"} \
  ${gpu_conf[@]+"${gpu_conf[@]}"} \
  ${selector_conf[@]+"${selector_conf[@]}"} \
  local:///opt/rlhf/rlhf-jobs.jar "$command_name" --config "$pod_conf_dir/rlhf.conf" ${job_args[@]+"${job_args[@]}"}
