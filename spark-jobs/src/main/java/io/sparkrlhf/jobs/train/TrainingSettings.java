package io.sparkrlhf.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.engine.RunSettings;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.optim.LrSchedule;
import java.util.List;

/**
 * A training section ({@code rlhf.sft}, {@code rlhf.reward}, {@code rlhf.dpo}), read and checked once;
 * {@code model} is the model it starts from ({@code rlhf.model.path} for SFT, {@code rlhf.reward.model},
 * {@code rlhf.dpo.policy}).
 */
public record TrainingSettings(
    String section,
    String model,
    String data,
    String output,
    long maxSteps,
    int epochs,
    int globalBatch,
    int microBatch,
    long seed,
    int partitions,
    double lr,
    LrSchedule.Kind schedule,
    long warmupSteps,
    double beta1,
    double beta2,
    double eps,
    double weightDecay,
    double maxGradNorm,
    boolean loraEnabled,
    int loraRank,
    double loraAlpha,
    double loraDropout,
    List<String> loraTargets,
    long evalEvery,
    int evalMaxExamples,
    long checkpointEvery,
    int keepCheckpoints,
    long logEvery,
    int maxSkippedSteps) {

  public static TrainingSettings from(Config root, String section) {
    Config c = root.getConfig("rlhf." + section);
    try {
      TrainingSettings s = new TrainingSettings(section, root.getString(modelKey(section)), c.getString("data"),
          c.getString("output"),
          c.getLong("max-steps"), c.getInt("epochs"), c.getInt("global-batch"), c.getInt("micro-batch"),
          c.getLong("seed"), c.getInt("partitions"), c.getDouble("optimizer.lr"),
          LrSchedule.Kind.of(c.getString("optimizer.schedule")), c.getLong("optimizer.warmup-steps"),
          c.getDouble("optimizer.beta1"), c.getDouble("optimizer.beta2"), c.getDouble("optimizer.eps"),
          c.getDouble("optimizer.weight-decay"), c.getDouble("optimizer.max-grad-norm"), c.getBoolean("lora.enabled"),
          c.getInt("lora.r"), c.getDouble("lora.alpha"), c.getDouble("lora.dropout"),
          c.getStringList("lora.target-modules"), c.getLong("eval-every"), c.getInt("eval-max-examples"),
          c.getLong("checkpoint-every"), c.getInt("keep-checkpoints"), c.getLong("log-every"),
          c.getInt("max-skipped-steps"));
      s.check();
      return s;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf." + section + ": " + e.getMessage(), e);
    }
  }

  private static String modelKey(String section) {
    return switch (section) {
      case "sft" -> "rlhf.model.path";
      case "dpo" -> "rlhf.dpo.policy"; // TRL's and PPO's word for the model being tuned
      default -> "rlhf." + section + ".model";
    };
  }

  private void check() {
    String at = "rlhf." + section + ".";
    require(maxSteps >= 0, at + "max-steps must be >= 0, found " + maxSteps);
    require(maxSteps > 0 || epochs > 0, at + "epochs must be >= 1 when max-steps is 0, found " + epochs);
    require(globalBatch >= 1 && microBatch >= 1, at + "global-batch and micro-batch must be >= 1");
    require(microBatch <= globalBatch, at + "micro-batch (" + microBatch + ") cannot exceed global-batch (" + globalBatch + ")");
    require(partitions >= 0, at + "partitions must be >= 0 (0: one per executor), found " + partitions);
    require(lr > 0, at + "optimizer.lr must be > 0, found " + lr);
    require(evalMaxExamples >= 0, at + "eval-max-examples must be >= 0, found " + evalMaxExamples);
    require(maxSkippedSteps >= 0, at + "max-skipped-steps must be >= 0, found " + maxSkippedSteps);
    require(!data.isBlank() && !output.isBlank(), at + "data and output must be set");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The adapters to train, or null for full fine-tuning; default targets follow the model family. */
  public LoraSettings lora(ModelConfig model) {
    if (!loraEnabled) {
      return null;
    }
    List<String> targets = !loraTargets.isEmpty() ? loraTargets
        : model.family() == ModelConfig.Family.GPT2 ? List.of("c_attn") : List.of("q_proj", "v_proj");
    return new LoraSettings(loraRank, loraAlpha, loraDropout, targets);
  }

  /** The trainer's options once the training split's size fixes the step count. */
  public TrainerOptions trainerOptions(long stepsPerEpoch, boolean resume, long stopAfter) {
    long steps = maxSteps > 0 ? maxSteps : epochs * stepsPerEpoch;
    return new TrainerOptions(steps, globalBatch, microBatch, seed, lr, schedule, Math.min(warmupSteps, steps), beta1,
        beta2, eps, weightDecay, maxGradNorm, evalEvery, checkpointEvery, keepCheckpoints, logEvery, resume, stopAfter,
        maxSkippedSteps, runSettings());
  }

  /** What a checkpoint records for --resume: the adapters' shape and scale are fixed, the rest tunable. */
  public RunSettings runSettings() {
    String at = "rlhf." + section + ".";
    RunSettings r = RunSettings.NONE
        .fixed(modelKey(section), model, "the run's weights started from this model, and LoRA adapters sit on it")
        .fixed(at + "lora.enabled", loraEnabled, "full fine-tuning and LoRA checkpoints hold different tensors")
        .tunable(at + "max-steps", maxSteps)
        .tunable(at + "epochs", epochs)
        .tunable(at + "micro-batch", microBatch);
    r = RecordedSettings.optimizer(r, at, lr, schedule, warmupSteps, beta1, beta2, eps, weightDecay, maxGradNorm);
    return loraEnabled ? RecordedSettings.lora(r, at, loraRank, loraAlpha, loraDropout, loraTargets) : r;
  }
}
