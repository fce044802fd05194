"""Train SFT, then the reward model, then PPO, on the live prepared tables (trigger by hand or after a refresh).

All jobs run with --resume: an Airflow retry (a lost driver, a preempted slot) continues from
the newest committed checkpoint in the run's output directory instead of starting over, and a
finished run is left as it is. Each job writes <output>/_manifest.json last, naming its final
checkpoint; the reward job starts from the SFT output through it, and PPO from both.

Airflow connection `spark_yarn` as in rlhf_prepare_dag.py. Variables: rlhf_jar, rlhf_conf (the
cluster file, e.g. yarn.conf), rlhf_model_conf (a model preset such as llama-7b-lora.conf),
rlhf_output (prepared tables), rlhf_runs (e.g. hdfs:///data/rlhf/runs).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAVA_OPTS = "-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"
EXECUTOR_CORES = 8


def training_job(job, extra_args):
    """One training job: one task per executor, all its cores to libtorch, one GPU."""
    return SparkSubmitOperator(
        task_id=job,
        conn_id="spark_yarn",
        application="{{ var.value.rlhf_jar }}",
        java_class="io.sparkrlhf.cli.RlhfCli",
        name=f"rlhf-{job}-{{{{ ds_nodash }}}}",
        deploy_mode="cluster",
        num_executors=8,
        executor_cores=EXECUTOR_CORES,
        executor_memory="48g",
        files="{{ var.value.rlhf_conf }},{{ var.value.rlhf_model_conf }}",
        conf={
            "spark.task.cpus": str(EXECUTOR_CORES),
            "spark.executor.resource.gpu.amount": "1",
            "spark.task.resource.gpu.amount": "1",
            "spark.driver.extraJavaOptions": JAVA_OPTS,
            "spark.executor.extraJavaOptions": JAVA_OPTS,
            "spark.yarn.maxAppAttempts": "1",
        },
        application_args=[
            job,
            "--conf", "{{ var.value.rlhf_conf.split('/')[-1] }}",
            "--conf", "{{ var.value.rlhf_model_conf.split('/')[-1] }}",
            "--resume",
        ] + extra_args,
    )


with DAG(
    dag_id="rlhf_train",
    description="sft -> reward -> ppo on the live prepared tables, resumable",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["rlhf", "spark", "training"],
) as dag:
    data = "{{ var.value.rlhf_output }}"
    runs = "{{ var.value.rlhf_runs }}"
    sft = training_job("sft", ["--data", data, "--output", runs + "/sft"])
    reward = training_job("reward", ["--data", data, "--model", runs + "/sft", "--output", runs + "/reward"])
    ppo = training_job("ppo", ["--prompts", data, "--policy", runs + "/sft", "--reward", runs + "/reward",
                               "--output", runs + "/ppo"])
    sft >> reward >> ppo
