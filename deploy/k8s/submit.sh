#!/usr/bin/env bash
# Submit an rlhf job to Kubernetes in cluster mode, executors on GPU nodes.
#   K8S_API=https://k8s.example:6443 IMAGE=registry.example/rlhf:0.1.0 deploy/k8s/submit.sh prepare -c /opt/rlhf/conf/k8s.conf
# The image (deploy/docker/Dockerfile) holds the job jar at /opt/rlhf/rlhf-jobs.jar and conf/ at /opt/rlhf/conf.
# Environment: K8S_API, IMAGE (required); NAMESPACE, SERVICE_ACCOUNT, EXECUTORS, EXECUTOR_CORES, GPUS_PER_EXECUTOR
# (1 recommended: a replica trains on the first GPU its task is given), SPARK_SUBMIT.
#   deploy/k8s/submit.sh sft -c /opt/rlhf/conf/k8s.conf -c /opt/rlhf/conf/models/llama-7b-lora.conf
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${K8S_API:?set K8S_API to the API server URL}"
: "${IMAGE:?set IMAGE to the executor image built from deploy/docker/Dockerfile}"
java_opts="-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
cores="${EXECUTOR_CORES:-8}"
# Training jobs run one task per executor (libtorch uses every core inside it) on its GPU;
# prepare runs one task per core and needs no GPU.
case "$1" in
  sft|reward|ppo|dpo|pipeline) task_cpus="$cores"; gpus="${GPUS_PER_EXECUTOR:-1}" ;;
  *) task_cpus=1; gpus=0 ;;
esac
gpu_conf=()
if [[ "$gpus" != "0" ]]; then
  # Spark schedules GPUs itself; a task reads its device from TaskContext.resources().
  gpu_conf=(--conf "spark.executor.resource.gpu.amount=$gpus"
            --conf "spark.task.resource.gpu.amount=$gpus"
            --conf spark.executor.resource.gpu.vendor=nvidia.com
            --conf spark.executor.resource.gpu.discoveryScript=/opt/spark/examples/src/main/scripts/getGpusResources.sh
            --conf "spark.kubernetes.executor.podTemplateFile=$here/executor-pod-template.yaml")
fi
exec "${SPARK_SUBMIT:-spark-submit}" \
  --master "k8s://$K8S_API" --deploy-mode cluster \
  --name "rlhf-$1" \
  --class io.sparkrlhf.cli.RlhfCli \
  --conf spark.kubernetes.namespace="${NAMESPACE:-rlhf}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${SERVICE_ACCOUNT:-spark}" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.executor.instances="${EXECUTORS:-4}" \
  --conf spark.executor.cores="$cores" \
  --conf spark.task.cpus="$task_cpus" \
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-48g}" \
  --conf "spark.driver.extraJavaOptions=$java_opts" \
  --conf "spark.executor.extraJavaOptions=$java_opts" \
  "${gpu_conf[@]}" \
  local:///opt/rlhf/rlhf-jobs.jar "$@"
