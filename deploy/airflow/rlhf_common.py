"""What the rlhf DAGs share, so that they cannot disagree: the configuration files (one model preset,
whose rlhf.prepare.tokenizer is the one tokenizer setting: prepare tokenises with it, and sft,
reward and ppo check it against the prepared manifest), the driver class and the Spark settings.

Airflow connection `spark_yarn`: conn type spark, host yarn (spark-submit, Hadoop's configuration and
Java on the worker). Variables:
  rlhf_jar          the job jar (rlhf-jobs.jar) on the Airflow worker or HDFS
  rlhf_conf         the cluster file, e.g. /opt/rlhf/conf/yarn.conf (self-contained: no include)
  rlhf_model_conf   the model preset, e.g. /opt/rlhf/conf/models/llama-7b-lora.conf: model AND tokenizer
  rlhf_gpu_script   deploy/gpu/getGpusResources.sh on the worker (Spark's GPU discovery on YARN)
  rlhf_dump_root    the StackExchange dump, e.g. hdfs:///data/stackexchange/latest
  rlhf_prepared     prepare's output root, e.g. hdfs:///data/rlhf/prepared
  rlhf_runs         where training runs go, e.g. hdfs:///data/rlhf/runs (one folder per DAG run)
Both files are shipped with the job (--files) and read by their base names on the driver.
"""
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

DRIVER_CLASS = "io.sparkrlhf.cli.RlhfDriver"  # returns on success, throws on failure (no System.exit)
JAVA_OPTS = "-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
EXECUTOR_CORES = 8

CONFIG_FILES = ["{{ var.value.rlhf_conf }}", "{{ var.value.rlhf_model_conf }}"]
CONFIG_ARGS = [
    "--config", "{{ var.value.rlhf_conf.split('/')[-1] }}",
    "--config", "{{ var.value.rlhf_model_conf.split('/')[-1] }}",
]
PREPARED = "{{ var.value.rlhf_prepared }}"
# One folder per DAG run (its run id without ':' and '+', which HDFS and S3 paths do not take): a
# retry resumes its own run; the next run, after a data refresh, starts a new one.
RUN_DIR = "{{ var.value.rlhf_runs }}/{{ run_id | replace(':', '') | replace('+', '_') }}"


def spark_conf(training):
    """Submit-time settings (README "Deploying" > "Sizing")."""
    conf = {
        "spark.driver.extraJavaOptions": JAVA_OPTS,
        "spark.executor.extraJavaOptions": JAVA_OPTS,
        "spark.yarn.maxAppAttempts": "1",
        "spark.driver.memory": "16g" if training else "8g",
        "spark.driver.maxResultSize": "8g" if training else "4g",
        # libtorch's memory is off-heap: YARN kills a container over memory + overhead.
        "spark.executor.memoryOverhead": "24g" if training else "8g",
    }
    if training:
        conf.update({
            "spark.task.cpus": str(EXECUTOR_CORES),  # one task per executor, all its cores to libtorch
            "spark.executor.resource.gpu.amount": "1",
            "spark.task.resource.gpu.amount": "1",
            "spark.executor.resource.gpu.discoveryScript": "./getGpusResources.sh",
        })
    return conf


def rlhf_submit(task_id, command, args, training, num_executors, executor_memory):
    """One rlhf command on YARN in cluster mode."""
    files = list(CONFIG_FILES) + (["{{ var.value.rlhf_gpu_script }}"] if training else [])
    return SparkSubmitOperator(
        task_id=task_id,
        conn_id="spark_yarn",
        application="{{ var.value.rlhf_jar }}",
        java_class=DRIVER_CLASS,
        name="rlhf-" + command + "-{{ ds_nodash }}",
        deploy_mode="cluster",
        num_executors=num_executors,
        executor_cores=EXECUTOR_CORES,
        executor_memory=executor_memory,
        files=",".join(files),
        conf=spark_conf(training),
        application_args=[command] + CONFIG_ARGS + list(args),
    )
