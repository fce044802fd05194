package io.sparkrlhf.jobs.bestofn;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.datasets.tables.TableSet;

/** {@code rlhf.best-of-n}, read and checked once. */
public record BestOfNSettings(String policy, String reward, String rewardSafety, String prompts, String split,
    int maxPrompts, String output, int n, long seed, int partitions, int rolloutBatch, int minNewTokens,
    int maxNewTokens, int topK, double topP, double temperature, int samplesToLog, boolean thenSft,
    String sftOutput) {

  public static BestOfNSettings from(Config root) {
    Config c = root.getConfig("rlhf.best-of-n");
    try {
      BestOfNSettings s = new BestOfNSettings(c.getString("policy"), c.getString("reward"),
          c.getString("reward-safety"), c.getString("prompts"), c.getString("split"), c.getInt("max-prompts"),
          c.getString("output"), c.getInt("n"), c.getLong("seed"), c.getInt("partitions"), c.getInt("rollout-batch"),
          c.getInt("generation.min-new-tokens"), c.getInt("generation.max-new-tokens"), c.getInt("generation.top-k"),
          c.getDouble("generation.top-p"), c.getDouble("generation.temperature"), c.getInt("samples-to-log"),
          c.getBoolean("then-sft"), c.getString("sft-output"));
      s.check();
      return s;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf.best-of-n: " + e.getMessage(), e);
    }
  }

  private void check() {
    String at = "rlhf.best-of-n.";
    require(n >= 1, at + "n (-n) must be >= 1, found " + n);
    require(!policy.isBlank(), at + "policy (--policy) must be set: an SFT run, model or adapter directory");
    require(!reward.isBlank(), at + "reward (--reward) must be set: a reward run or model directory");
    require(!prompts.isBlank() && !output.isBlank(), at + "prompts (--prompts) and output (-o) must be set");
    require(split.equals(TableSet.TRAIN) || split.equals(TableSet.EVAL), at + "split must be train or eval, found '"
        + split + "'");
    require(maxPrompts >= 0 && partitions >= 0 && rolloutBatch >= 1 && samplesToLog >= 0,
        at + "max-prompts, partitions and samples-to-log must be >= 0, rollout-batch >= 1");
    require(minNewTokens >= 1 && minNewTokens <= maxNewTokens, at + "generation: need 1 <= min-new-tokens ("
        + minNewTokens + ") <= max-new-tokens (" + maxNewTokens + ")");
    require(temperature > 0 && topK >= 0 && topP > 0 && topP <= 1, at + "generation: need temperature > 0, top-k >= 0, "
        + "0 < top-p <= 1");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Where --then-sft writes its run: {@code sft-output}, or {@code <output>/sft}. */
  public String sftRunOutput() {
    return sftOutput.isBlank() ? output + "/sft" : sftOutput;
  }
}
