"""Refresh the prepared RLHF tables from the newest StackExchange dump, on a schedule.

The prepare job commits atomically (a new generation, then the root _manifest.json), so
downstream training jobs can read <output>/_manifest.json at any time: they see the previous
tables until the refresh has fully succeeded. A failed run leaves them untouched; just retry.

Airflow connection `spark_yarn` points at the cluster (conn type spark, host yarn).
Variables: rlhf_jar (path to rlhf-jobs.jar on the Airflow worker or HDFS), rlhf_conf (path to
yarn.conf, shipped with --files and read by its base name), rlhf_dump_root (e.g.
hdfs:///data/stackexchange/latest), rlhf_output (e.g. hdfs:///data/rlhf/prepared).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAVA_OPTS = "-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true"

with DAG(
    dag_id="rlhf_prepare_refresh",
    description="StackExchange dump -> sft_packed, preference_pairs, rl_prompts (atomic refresh)",
    # The dump is published quarterly; checking weekly picks a new one up within days.
    schedule="@weekly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=30)},
    tags=["rlhf", "spark"],
) as dag:
    prepare = SparkSubmitOperator(
        task_id="prepare",
        conn_id="spark_yarn",
        application="{{ var.value.rlhf_jar }}",
        java_class="io.sparkrlhf.cli.RlhfCli",
        name="rlhf-prepare-{{ ds_nodash }}",
        deploy_mode="cluster",
        num_executors=16,
        executor_cores=8,
        executor_memory="24g",
        files="{{ var.value.rlhf_conf }}",
        conf={
            "spark.driver.extraJavaOptions": JAVA_OPTS,
            "spark.executor.extraJavaOptions": JAVA_OPTS,
            "spark.yarn.maxAppAttempts": "1",
        },
        application_args=[
            "prepare",
            "--conf", "yarn.conf",
            "--input", "{{ var.value.rlhf_dump_root }}",
            "--output", "{{ var.value.rlhf_output }}",
        ],
    )
