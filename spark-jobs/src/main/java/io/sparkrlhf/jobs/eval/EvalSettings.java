package io.sparkrlhf.jobs.eval;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.datasets.tables.TableSet;

/** {@code rlhf.eval}, read and checked once. */
public record EvalSettings(String policy, String baseline, String reference, String reward, String rewardSafety,
    String prompts, String split, int maxPrompts, String output, long seed, int partitions, int rolloutBatch,
    int minNewTokens, int maxNewTokens, int topK, double topP, double temperature) {

  public static EvalSettings from(Config root) {
    Config c = root.getConfig("rlhf.eval");
    try {
      EvalSettings s = new EvalSettings(c.getString("policy"), c.getString("baseline"), c.getString("reference"),
          c.getString("reward"), c.getString("reward-safety"), c.getString("prompts"), c.getString("split"),
          c.getInt("max-prompts"), c.getString("output"), c.getLong("seed"), c.getInt("partitions"),
          c.getInt("rollout-batch"), c.getInt("generation.min-new-tokens"), c.getInt("generation.max-new-tokens"),
          c.getInt("generation.top-k"), c.getDouble("generation.top-p"), c.getDouble("generation.temperature"));
      s.check();
      return s;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf.eval: " + e.getMessage(), e);
    }
  }

  private void check() {
    String at = "rlhf.eval.";
    require(!policy.isBlank(), at + "policy (--policy) must be set: an SFT or PPO run, model or adapter directory");
    require(!reward.isBlank(), at + "reward (--reward) must be set: a reward run or model directory");
    require(!prompts.isBlank() && !output.isBlank(), at + "prompts (--prompts) and output (-o) must be set");
    require(split.equals(TableSet.TRAIN) || split.equals(TableSet.EVAL), at + "split must be train or eval, found '"
        + split + "'");
    require(maxPrompts >= 0 && partitions >= 0 && rolloutBatch >= 1,
        at + "max-prompts and partitions must be >= 0, rollout-batch >= 1");
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

  /** The model KL is measured against: {@code reference}, else the baseline; blank: none. */
  public String klReference() {
    return !reference.isBlank() ? reference : baseline;
  }
}
