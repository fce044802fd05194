"""Train SFT, then the reward model, then PPO (trigger by hand or after a refresh).

Each DAG run trains in its own folder, <rlhf_runs>/<run id>/{sft,reward,ppo}, on one prepared
generation: sft pins the generation that is live when it starts (recorded in its _run.json), and
reward and ppo read "the data sft trained on" by naming the sft run as their data, so a refresh
during the run changes nothing. Every job runs with --resume: an Airflow retry (a lost driver, a
preempted slot) continues from the newest checkpoint in this run's folder, on the same generation,
and a finished job is left as it is; a new DAG run never resumes an earlier run.
The tokenizer is the model preset's (rlhf_model_conf, shared with the prepare DAG), and each job
checks it against the prepared manifest before training. Connection and Variables: rlhf_common.py.
"""
from datetime import datetime, timedelta

from airflow import DAG

from rlhf_common import PREPARED, RUN_DIR, rlhf_submit


def training_job(job, args):
    return rlhf_submit(job, job, args + ["--resume"], training=True, num_executors=8, executor_memory="48g")


with DAG(
    dag_id="rlhf_train",
    description="sft -> reward -> ppo on one prepared generation, in a folder per run, resumable",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["rlhf", "spark", "training"],
) as dag:
    sft_run = RUN_DIR + "/sft"
    reward_run = RUN_DIR + "/reward"
    sft = training_job("sft", ["--data", PREPARED, "--output", sft_run])
    reward = training_job("reward", ["--data", sft_run, "--model", sft_run, "--output", reward_run])
    ppo = training_job("ppo", ["--prompts", sft_run, "--policy", sft_run, "--reward", reward_run,
                               "--output", RUN_DIR + "/ppo"])
    sft >> reward >> ppo
