#!/usr/bin/env bash
# Submit an rlhf command to Kubernetes in cluster mode; training commands run on GPU executors.
#
#   deploy/k8s/submit.sh COMMAND [COMMAND'S OPTIONS]
#   K8S_API=https://k8s.example:6443 IMAGE=registry.example/rlhf:0.1.0 \
#     deploy/k8s/submit.sh sft -c /opt/rlhf/conf/k8s.conf -c /opt/rlhf/conf/models/llama-7b-lora.conf
#
# The image (deploy/docker/Dockerfile) holds the job jar at /opt/rlhf/rlhf-jobs.jar, conf/ at
# /opt/rlhf/conf (so -c names files inside the image; their includes are there too) and the GPU
# discovery script at /opt/rlhf/bin/getGpusResources.sh.
#
# Environment:
#   K8S_API, IMAGE      required: the API server URL and the image
#   NAMESPACE           default rlhf;  SERVICE_ACCOUNT  default spark (for IRSA: the annotated one)
#   EXECUTORS (4), EXECUTOR_CORES (8), EXECUTOR_MEMORY (48g), EXECUTOR_MEMORY_OVERHEAD (16g: libtorch's
#   off-heap memory), DRIVER_MEMORY (8g), DRIVER_MAX_RESULT_SIZE (4g)
#   GPUS_PER_EXECUTOR   1 (a replica trains on the first GPU its task is given); 0 runs training on CPU
#   GPU_NODE_SELECTOR   optional, key=value[,key=value]: executors only on nodes with these labels
#                       (e.g. nvidia.com/gpu.present=true where GPU feature discovery labels nodes);
#                       without it the GPU limit and the toleration place them
#   SPARK_SUBMIT        default spark-submit
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
for arg in "$@"; do
  case "$arg" in
    --conf | --conf=*) die "--conf is spark-submit's option; give rlhf configuration files with -c/--config" ;;
  esac
done
[ -n "${K8S_API:-}" ] || die "set K8S_API to the API server URL (see --help)"
[ -n "${IMAGE:-}" ] || die "set IMAGE to the image built from deploy/docker/Dockerfile (see --help)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java_opts="-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
cores="${EXECUTOR_CORES:-8}"
# Training commands run one task per executor (libtorch uses every core inside it) on its GPU;
# prepare runs one task per core and needs no GPU.
case "$command_name" in
  sft | reward | ppo | dpo | best-of-n | eval | pipeline) task_cpus="$cores"; gpus="${GPUS_PER_EXECUTOR:-1}" ;;
  *) task_cpus=1; gpus=0 ;;
esac
gpu_conf=()
if [ "$gpus" != "0" ]; then
  # Spark schedules GPUs itself; a task reads its device from TaskContext.resources().
  gpu_conf=(--conf "spark.executor.resource.gpu.amount=$gpus"
            --conf "spark.task.resource.gpu.amount=$gpus"
            --conf spark.executor.resource.gpu.vendor=nvidia.com
            --conf spark.executor.resource.gpu.discoveryScript=/opt/rlhf/bin/getGpusResources.sh
            --conf "spark.kubernetes.executor.podTemplateFile=$here/executor-pod-template.yaml")
fi
selector_conf=()
if [ -n "${GPU_NODE_SELECTOR:-}" ]; then
  for label in $(printf '%s' "$GPU_NODE_SELECTOR" | tr ',' ' '); do
    case "$label" in
      ?*=*) selector_conf+=(--conf "spark.kubernetes.executor.node.selector.${label%%=*}=${label#*=}") ;;
      *) die "GPU_NODE_SELECTOR: expected key=value[,key=value], found $label" ;;
    esac
  done
fi
"${SPARK_SUBMIT:-spark-submit}" \
  --master "k8s://$K8S_API" --deploy-mode cluster \
  --name "rlhf-$command_name" \
  --class io.sparkrlhf.cli.RlhfDriver \
  --conf spark.kubernetes.namespace="${NAMESPACE:-rlhf}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${SERVICE_ACCOUNT:-spark}" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.executor.instances="${EXECUTORS:-4}" \
  --conf spark.executor.cores="$cores" \
  --conf spark.task.cpus="$task_cpus" \
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-48g}" \
  --conf spark.executor.memoryOverhead="${EXECUTOR_MEMORY_OVERHEAD:-16g}" \
  --conf spark.driver.memory="${DRIVER_MEMORY:-8g}" \
  --conf spark.driver.maxResultSize="${DRIVER_MAX_RESULT_SIZE:-4g}" \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --conf "spark.executor.extraJavaOptions=$java_opts" \
  ${gpu_conf[@]+"${gpu_conf[@]}"} \
  ${selector_conf[@]+"${selector_conf[@]}"} \
  local:///opt/rlhf/rlhf-jobs.jar "$@"
