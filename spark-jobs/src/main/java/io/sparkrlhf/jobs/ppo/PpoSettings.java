package io.sparkrlhf.jobs.ppo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.engine.RunSettings;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.RecordedSettings;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.model.rl.KlController;
import io.sparkrlhf.model.rl.KlEstimator;
import java.util.List;
import java.util.Locale;

/** {@code rlhf.ppo}, read and checked once; names follow TRL's PPOConfig. */
public record PpoSettings(
    String policy,
    String reward,
    String prompts,
    String output,
    long steps,
    int epochs,
    int batchSize,
    int miniBatchSize,
    int ppoEpochs,
    int microBatch,
    int rolloutBatch,
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
    int minNewTokens,
    int maxNewTokens,
    int topK,
    double topP,
    double temperature,
    KlEstimator klPenalty,
    boolean adaptiveKl,
    double initKlCoef,
    double klTarget,
    double klHorizon,
    double gamma,
    double lam,
    double cliprange,
    double cliprangeValue,
    double vfCoef,
    double ratioThreshold,
    boolean earlyStopping,
    double targetKl,
    double scoreClip,
    boolean scoreScaling,
    boolean scoreNorm,
    boolean whitenRewards,
    double missingEosPenalty,
    String valueHeadInit,
    long evalEvery,
    int evalMaxExamples,
    int samplesToLog,
    long checkpointEvery,
    int keepCheckpoints,
    long logEvery,
    int maxSkippedSteps) {

  public static PpoSettings from(Config root) {
    Config c = root.getConfig("rlhf.ppo");
    try {
      PpoSettings s = new PpoSettings(c.getString("policy"), c.getString("reward"), c.getString("prompts"),
          c.getString("output"), c.getLong("steps"), c.getInt("epochs"), c.getInt("batch-size"),
          c.getInt("mini-batch-size"), c.getInt("ppo-epochs"), c.getInt("micro-batch"), c.getInt("rollout-batch"),
          c.getLong("seed"), c.getInt("partitions"), c.getDouble("optimizer.lr"),
          LrSchedule.Kind.of(c.getString("optimizer.schedule")), c.getLong("optimizer.warmup-steps"),
          c.getDouble("optimizer.beta1"), c.getDouble("optimizer.beta2"), c.getDouble("optimizer.eps"),
          c.getDouble("optimizer.weight-decay"), c.getDouble("optimizer.max-grad-norm"), c.getBoolean("lora.enabled"),
          c.getInt("lora.r"), c.getDouble("lora.alpha"), c.getDouble("lora.dropout"),
          c.getStringList("lora.target-modules"), c.getInt("generation.min-new-tokens"),
          c.getInt("generation.max-new-tokens"), c.getInt("generation.top-k"), c.getDouble("generation.top-p"),
          c.getDouble("generation.temperature"), KlEstimator.parse(c.getString("kl.penalty")),
          c.getBoolean("kl.adaptive"), c.getDouble("kl.init-coef"), c.getDouble("kl.target"),
          c.getDouble("kl.horizon"), c.getDouble("gamma"), c.getDouble("lam"), c.getDouble("cliprange"),
          c.getDouble("cliprange-value"), c.getDouble("vf-coef"), c.getDouble("ratio-threshold"),
          c.getBoolean("early-stopping"), c.getDouble("target-kl"), c.getDouble("score.clip"),
          c.getBoolean("score.scaling"), c.getBoolean("score.norm"), c.getBoolean("score.whiten-rewards"),
          c.getDouble("score.missing-eos-penalty"), c.getString("value-head-init").toLowerCase(Locale.ROOT),
          c.getLong("eval-every"), c.getInt("eval-max-examples"), c.getInt("samples-to-log"),
          c.getLong("checkpoint-every"), c.getInt("keep-checkpoints"), c.getLong("log-every"),
          c.getInt("max-skipped-steps"));
      s.check();
      return s;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf.ppo: " + e.getMessage(), e);
    }
  }

  private void check() {
    String at = "rlhf.ppo.";
    require(!policy.isBlank(), at + "policy must be set (an SFT run, model or adapter directory)");
    require(!reward.isBlank(), at + "reward must be set (a reward run or model directory)");
    require(!prompts.isBlank() && !output.isBlank(), at + "prompts and output must be set");
    require(steps >= 0, at + "steps must be >= 0, found " + steps);
    require(steps > 0 || epochs > 0, at + "epochs must be >= 1 when steps is 0, found " + epochs);
    require(batchSize >= 1 && miniBatchSize >= 1 && microBatch >= 1 && rolloutBatch >= 1 && ppoEpochs >= 1,
        at + "batch-size, mini-batch-size, micro-batch, rollout-batch and ppo-epochs must be >= 1");
    require(batchSize % miniBatchSize == 0, at + "batch-size (" + batchSize + ") must be a multiple of mini-batch-size ("
        + miniBatchSize + ")");
    require(partitions >= 0, at + "partitions must be >= 0 (0: one per executor), found " + partitions);
    require(lr > 0, at + "optimizer.lr must be > 0, found " + lr);
    require(minNewTokens >= 1 && minNewTokens <= maxNewTokens, at + "generation: need 1 <= min-new-tokens ("
        + minNewTokens + ") <= max-new-tokens (" + maxNewTokens + ")");
    require(temperature > 0 && topK >= 0 && topP > 0 && topP <= 1, at + "generation: need temperature > 0, top-k >= 0, "
        + "0 < top-p <= 1");
    require(klTarget > 0 && klHorizon > 0 && initKlCoef >= 0, at + "kl: need target > 0, horizon > 0, init-coef >= 0");
    require(gamma >= 0 && gamma <= 1 && lam >= 0 && lam <= 1, at + "gamma and lam must be in [0, 1]");
    require(cliprange > 0 && cliprangeValue > 0 && vfCoef >= 0 && ratioThreshold > 0 && targetKl > 0,
        at + "cliprange, cliprange-value, ratio-threshold and target-kl must be > 0, vf-coef >= 0");
    require(scoreClip >= 0 && missingEosPenalty >= 0, at + "score.clip and score.missing-eos-penalty must be >= 0 (0: off)");
    require(!scoreNorm || scoreScaling, at + "score.norm needs score.scaling (as TRL's use_score_norm)");
    require(valueHeadInit.equals("zero") || valueHeadInit.equals("reward-model"),
        at + "value-head-init must be zero or reward-model, found '" + valueHeadInit + "'");
    require(evalMaxExamples >= 0 && samplesToLog >= 0, at + "eval-max-examples and samples-to-log must be >= 0");
    require(maxSkippedSteps >= 0, at + "max-skipped-steps must be >= 0, found " + maxSkippedSteps);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  public LoraSettings lora(ModelConfig model) {
    if (!loraEnabled) {
      return null;
    }
    List<String> targets = !loraTargets.isEmpty() ? loraTargets
        : model.family() == ModelConfig.Family.GPT2 ? List.of("c_attn") : List.of("q_proj", "v_proj");
    return new LoraSettings(loraRank, loraAlpha, loraDropout, targets);
  }

  public KlController klController() {
    return adaptiveKl ? KlController.adaptive(initKlCoef, klTarget, klHorizon) : KlController.fixed(initKlCoef);
  }

  /** PPO iterations: as configured, or epochs over the training prompts. */
  public long iterations(long stepsPerEpoch) {
    return steps > 0 ? steps : epochs * stepsPerEpoch;
  }

  /**
   * The trainer's options: one step = one PPO iteration; micro-batches inside a task as configured.
   * Evaluation always runs before the first iteration (the SFT policy's baseline) and after the last.
   */
  public TrainerOptions trainerOptions(long iterations, boolean resume, long stopAfter) {
    return new TrainerOptions(iterations, batchSize, microBatch, seed, lr, schedule, Math.min(warmupSteps, iterations),
        beta1, beta2, eps, weightDecay, maxGradNorm, evalEvery > 0 ? evalEvery : iterations, checkpointEvery,
        keepCheckpoints, logEvery, resume, stopAfter, maxSkippedSteps, runSettings());
  }

  /**
   * What a checkpoint records for --resume. Refused when changed: the policy (base weights and KL
   * reference), the adapters' shape and scale, and what is restored from the checkpoint instead of
   * read from the configuration (the KL controller, the value head), where a new value would be
   * silently ignored. Every other PPO setting may change, with a warning.
   */
  public RunSettings runSettings() {
    String at = "rlhf.ppo.";
    String restored = "it is restored from the checkpoint, so a new value would be ignored";
    RunSettings r = RunSettings.NONE
        .fixed(at + "policy", policy, "the run's weights started from this policy, and it is the KL reference")
        .fixed(at + "lora.enabled", loraEnabled, "full fine-tuning and LoRA checkpoints hold different tensors")
        .fixed(at + "kl.adaptive", adaptiveKl, restored)
        .fixed(at + "kl.init-coef", initKlCoef, restored)
        .fixed(at + "kl.target", klTarget, restored)
        .fixed(at + "kl.horizon", klHorizon, restored)
        .fixed(at + "value-head-init", valueHeadInit, restored)
        .tunable(at + "reward", reward)
        .tunable(at + "steps", steps)
        .tunable(at + "epochs", epochs)
        .tunable(at + "mini-batch-size", miniBatchSize)
        .tunable(at + "ppo-epochs", ppoEpochs)
        .tunable(at + "micro-batch", microBatch)
        .tunable(at + "rollout-batch", rolloutBatch)
        .tunable(at + "generation.min-new-tokens", minNewTokens)
        .tunable(at + "generation.max-new-tokens", maxNewTokens)
        .tunable(at + "generation.top-k", topK)
        .tunable(at + "generation.top-p", topP)
        .tunable(at + "generation.temperature", temperature)
        .tunable(at + "kl.penalty", klPenalty.name().toLowerCase(Locale.ROOT))
        .tunable(at + "gamma", gamma)
        .tunable(at + "lam", lam)
        .tunable(at + "cliprange", cliprange)
        .tunable(at + "cliprange-value", cliprangeValue)
        .tunable(at + "vf-coef", vfCoef)
        .tunable(at + "ratio-threshold", ratioThreshold)
        .tunable(at + "early-stopping", earlyStopping)
        .tunable(at + "target-kl", targetKl)
        .tunable(at + "score.clip", scoreClip)
        .tunable(at + "score.scaling", scoreScaling)
        .tunable(at + "score.norm", scoreNorm)
        .tunable(at + "score.whiten-rewards", whitenRewards)
        .tunable(at + "score.missing-eos-penalty", missingEosPenalty);
    r = RecordedSettings.optimizer(r, at, lr, schedule, warmupSteps, beta1, beta2, eps, weightDecay, maxGradNorm);
    return loraEnabled ? RecordedSettings.lora(r, at, loraRank, loraAlpha, loraDropout, loraTargets) : r;
  }
}
