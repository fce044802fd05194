package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.jobs.train.ModelSpec;
import java.io.Serializable;

/**
 * The reward model(s) a job scores with: one (helpfulness), or helpfulness and safety combined by
 * Llama 2's rule ({@link SafetyRule}); then the combined scores are whitened over a batch by the job.
 */
public record RewardModels(ModelSpec helpfulness, ModelSpec safety, SafetyRule rule) implements Serializable {
  public static RewardModels one(ModelSpec model) {
    return new RewardModels(model, null, SafetyRule.DEFAULT);
  }

  public boolean two() {
    return safety != null;
  }

  public String describe() {
    return two() ? "helpfulness " + helpfulness.describeBase() + " + safety " + safety.describeBase() + " (Llama 2 rule, "
        + "threshold " + rule.threshold() + ")" : helpfulness.describeBase();
  }
}
