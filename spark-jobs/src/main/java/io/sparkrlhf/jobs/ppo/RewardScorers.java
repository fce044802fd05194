package io.sparkrlhf.jobs.ppo;

import ai.djl.ndarray.NDManager;
import io.sparkrlhf.model.rl.SafetyRewardRule;
import java.io.IOException;
import java.util.List;

/**
 * The reward model(s) resident on an executor: one scorer, or helpfulness and safety both loaded
 * once and combined per sequence by {@link SafetyRewardRule#combined} (whitening is left to the job,
 * which sees the whole batch).
 */
public final class RewardScorers {
  private final RewardModels models;
  private final RewardScorer helpfulness;
  private final RewardScorer safety;

  public RewardScorers(RewardModels models, NDManager manager, int padTokenId) throws IOException {
    this.models = models;
    this.helpfulness = new RewardScorer(models.helpfulness(), manager, padTokenId);
    this.safety = models.two() ? new RewardScorer(models.safety(), manager, padTokenId) : null;
  }

  /** The helpfulness model's score head weight (for a value head that starts from it). */
  float[] scoreWeight() {
    return helpfulness.scoreWeight();
  }

  /** One score per sequence: the reward model's, or with two the combined LOGIT(R_c). */
  public float[] score(NDManager parent, List<int[]> rows, boolean[] unsafePrompt) {
    float[] h = helpfulness.score(parent, rows);
    if (safety == null) {
      return h;
    }
    float[] s = safety.score(parent, rows);
    float[] out = new float[h.length];
    for (int i = 0; i < h.length; i++) {
      out[i] = (float) SafetyRewardRule.combined(h[i], s[i], unsafePrompt[i], models.rule().threshold());
    }
    return out;
  }
}
