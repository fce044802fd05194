package io.sparkrlhf.jobs.output;

import java.util.Arrays;
import java.util.Optional;

/** What a command's output folder is, as the {@code kind} field of its {@code _manifest.json} names it. */
public enum OutputKind {
  PREPARED_DATASET("prepared-dataset", "prepare", "a prepared dataset"),
  SFT("sft", "sft", "an sft training run"),
  REWARD("reward", "reward", "a reward-model training run"),
  PPO("ppo", "ppo", "a ppo training run"),
  DPO("dpo", "dpo", "a dpo training run"),
  SAMPLE_DUMP("sample-dump", "generate-sample", "a sample StackExchange dump"),
  BEST_OF_N("best-of-n", "best-of-n", "a best-of-n sampling output"),
  EVAL("eval", "eval", "an evaluation report");

  /** The manifest field that names the kind. */
  public static final String FIELD = "kind";

  private final String manifestValue;
  private final String command;
  private final String description;

  OutputKind(String manifestValue, String command, String description) {
    this.manifestValue = manifestValue;
    this.command = command;
    this.description = description;
  }

  public String manifestValue() {
    return manifestValue;
  }

  /** The rlhf command that writes this kind. */
  public String command() {
    return command;
  }

  /** E.g. "an sft training run", for messages. */
  public String description() {
    return description;
  }

  /** Training runs are continued (--resume) or replaced (--overwrite); other outputs are refreshed in place. */
  public boolean isTrainingRun() {
    return this == SFT || this == REWARD || this == PPO || this == DPO;
  }

  public static Optional<OutputKind> fromManifest(String value) {
    return Arrays.stream(values()).filter(k -> k.manifestValue.equals(value)).findFirst();
  }
}
