#!/usr/bin/env python3
"""Loads the rlhf DAGs with a stand-in for Airflow, renders their templates as Airflow would for two
DAG runs, and checks what the issue found broken: one tokenizer setting (the same model preset) for
prepare and training, outputs per run, training on one pinned generation, resume only within a run,
the driver class that does not call System.exit, and -c/--config rather than spark-submit's --conf.
Needs python3 and jinja2 (Debian: python3-jinja2). Run: python3 deploy/airflow/check_dags.py
Exit 0 and "ok" when all hold; an AssertionError naming the problem otherwise.
"""
import importlib.util
import os
import sys
import types

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))


class FakeDag:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}

    def __enter__(self):
        FakeDag.current = self
        return self

    def __exit__(self, *exc):
        FakeDag.current = None


class FakeSparkSubmitOperator:
    def __init__(self, task_id, **kwargs):
        assert FakeDag.current is not None, task_id + " created outside a DAG"
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = []
        FakeDag.current.tasks[task_id] = self

    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other


def install_fake_airflow():
    airflow = types.ModuleType("airflow")
    airflow.DAG = FakeDag
    models = types.ModuleType("airflow.models")
    models.Variable = object
    spark_submit = types.ModuleType("airflow.providers.apache.spark.operators.spark_submit")
    spark_submit.SparkSubmitOperator = FakeSparkSubmitOperator
    sys.modules.update({
        "airflow": airflow, "airflow.models": models,
        "airflow.providers": types.ModuleType("airflow.providers"),
        "airflow.providers.apache": types.ModuleType("airflow.providers.apache"),
        "airflow.providers.apache.spark": types.ModuleType("airflow.providers.apache.spark"),
        "airflow.providers.apache.spark.operators": types.ModuleType("airflow.providers.apache.spark.operators"),
        "airflow.providers.apache.spark.operators.spark_submit": spark_submit,
    })
    sys.path.insert(0, HERE)


def load(filename):
    spec = importlib.util.spec_from_file_location(filename[:-3], os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


VARIABLES = {
    "rlhf_jar": "/opt/rlhf/rlhf-jobs.jar",
    "rlhf_conf": "/opt/rlhf/conf/yarn.conf",
    "rlhf_model_conf": "/opt/rlhf/conf/models/llama-7b-lora.conf",
    "rlhf_gpu_script": "/opt/rlhf/deploy/gpu/getGpusResources.sh",
    "rlhf_dump_root": "hdfs:///data/stackexchange/latest",
    "rlhf_prepared": "hdfs:///data/rlhf/prepared",
    "rlhf_runs": "hdfs:///data/rlhf/runs",
}
ENV = jinja2.Environment(undefined=jinja2.StrictUndefined)


def render(value, context):
    if isinstance(value, str):
        return ENV.from_string(value).render(**context)
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    return value


def rendered(dag, run_id):
    context = {"var": {"value": types.SimpleNamespace(**VARIABLES)}, "run_id": run_id, "ds_nodash": "20260105"}
    return {task_id: render(task.kwargs, context) for task_id, task in dag.tasks.items()}


def option(args, name):
    assert args.count(name) == 1, f"{name} once in {args}"
    return args[args.index(name) + 1]


def configs(args):
    return [args[i + 1] for i, a in enumerate(args) if a in ("-c", "--config")]


def main():
    install_fake_airflow()
    prepare_dag = load("rlhf_prepare_dag.py")
    train_dag = load("rlhf_train_dag.py")
    run_a = "manual__2026-01-05T10:00:00+00:00"
    run_b = "scheduled__2026-01-12T00:00:00+00:00"
    prepare = rendered(prepare_dag, run_a)["prepare"]
    train_a = rendered(train_dag, run_a)
    train_b = rendered(train_dag, run_b)
    assert set(train_a) == {"sft", "reward", "ppo"}, train_a.keys()
    assert train_dag.tasks["sft"].downstream == ["reward"] and train_dag.tasks["reward"].downstream == ["ppo"]

    everything = [prepare] + list(train_a.values())
    for task in everything:
        args = task["application_args"]
        assert task["java_class"] == "io.sparkrlhf.cli.RlhfDriver", task["java_class"]
        assert "--conf" not in args, f"--conf is spark-submit's option: {args}"
        assert not any("tokenizer" in a for a in args), f"the tokenizer comes from the model preset only: {args}"
        shipped = [os.path.basename(f) for f in task["files"].split(",")]
        for name in configs(args):
            assert name in shipped, f"{name} is read on the driver but not shipped: {task['files']}"

    # 4. One tokenizer setting: prepare and every training job read the same model preset.
    model_preset = os.path.basename(VARIABLES["rlhf_model_conf"])
    assert configs(prepare["application_args"]) == ["yarn.conf", model_preset], prepare["application_args"]
    for job, task in train_a.items():
        assert configs(task["application_args"]) == configs(prepare["application_args"]), (job, task["application_args"])

    # 5. Outputs per DAG run; one pinned generation; resume only within the run.
    prepared = VARIABLES["rlhf_prepared"]
    assert option(prepare["application_args"], "--output") == prepared
    run_dir = VARIABLES["rlhf_runs"] + "/manual__2026-01-05T100000_0000"
    sft, reward, ppo = (train_a[j]["application_args"] for j in ("sft", "reward", "ppo"))
    assert option(sft, "--data") == prepared, sft
    assert option(sft, "--output") == run_dir + "/sft", sft
    assert option(reward, "--data") == run_dir + "/sft", "reward trains on the generation sft trained on"
    assert option(reward, "--model") == run_dir + "/sft"
    assert option(reward, "--output") == run_dir + "/reward"
    assert option(ppo, "--prompts") == run_dir + "/sft", "ppo's prompts come from the generation sft trained on"
    assert option(ppo, "--policy") == run_dir + "/sft" and option(ppo, "--reward") == run_dir + "/reward"
    assert option(ppo, "--output") == run_dir + "/ppo"
    for job in ("sft", "reward", "ppo"):
        args = train_a[job]["application_args"]
        assert "--resume" in args, args
        out_a = option(args, "--output")
        out_b = option(train_b[job]["application_args"], "--output")
        assert out_a != out_b, f"two DAG runs share {out_a}: the second would resume the first"
        assert ":" not in out_a.split("://", 1)[1] and "+" not in out_a, out_a

    # 2. GPUs for training (with the discovery script YARN needs), none for prepare.
    for job, task in train_a.items():
        conf = task["conf"]
        assert conf["spark.executor.resource.gpu.amount"] == "1", (job, conf)
        assert conf["spark.executor.resource.gpu.discoveryScript"] == "./getGpusResources.sh", conf
        assert "getGpusResources.sh" in [os.path.basename(f) for f in task["files"].split(",")], task["files"]
        assert conf["spark.task.cpus"] == str(task["executor_cores"]), "one task per executor"
    assert not any("gpu" in k for k in prepare["conf"]), prepare["conf"]
    print("ok: rlhf_prepare_refresh and rlhf_train render; one model preset (tokenizer) for both; outputs under "
          + run_dir + "; reward and ppo pinned to sft's data")


if __name__ == "__main__":
    main()
