"""Refresh the prepared RLHF tables from the newest StackExchange dump, on a schedule.

The prepare job commits atomically (a new generation, then the root _manifest.json), so training
reads <rlhf_prepared>/_manifest.json at any time and sees the previous tables until a refresh has
fully succeeded. A failed run leaves them untouched; just retry. It tokenises with the model
preset's tokenizer (rlhf_model_conf, shared with rlhf_train_dag.py through rlhf_common.py).
Connection and Variables: see rlhf_common.py.
"""
from datetime import datetime, timedelta

from airflow import DAG

from rlhf_common import PREPARED, rlhf_submit

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
    prepare = rlhf_submit(
        "prepare", "prepare",
        ["--input", "{{ var.value.rlhf_dump_root }}", "--output", PREPARED],
        training=False, num_executors=16, executor_memory="24g",
    )
