package io.sparkrlhf.model.rl;

/** Per-token PPO rewards (TRL compute_rewards): a KL penalty on every response token and the reward model's score on the last. */
public final class PpoRewards {
  private PpoRewards() {}

  /** r_t = −klCoef·kl_t for every response token, plus score on the last one. kl.length ≥ 1. */
  public static double[] perToken(double[] kl, double klCoef, double score) {
    if (kl.length == 0) {
      throw new IllegalArgumentException("a response needs at least one token");
    }
    double[] r = new double[kl.length];
    for (int t = 0; t < kl.length; t++) {
      r[t] = -klCoef * kl[t];
    }
    r[r.length - 1] += score;
    return r;
  }
}
