package io.sparkrlhf.model.rl;

/** Generalised advantage estimation over one response (TRL compute_advantages, before whitening); the value after the last token is 0. */
public final class Gae {
  private Gae() {}

  public record Result(double[] advantages, double[] returns) {}

  /** δ_t = r_t + γ·V_{t+1} − V_t with V_T = 0; A_t = δ_t + γλ·A_{t+1}; returns = A + V. rewards.length == values.length ≥ 1 (IllegalArgumentException otherwise). */
  public static Result compute(double[] rewards, double[] values, double gamma, double lam) {
    if (rewards.length == 0 || rewards.length != values.length) {
      throw new IllegalArgumentException(
          "need as many rewards as values, at least one: " + rewards.length + " rewards, " + values.length + " values");
    }
    int n = rewards.length;
    double[] adv = new double[n];
    double[] ret = new double[n];
    double next = 0;
    for (int t = n - 1; t >= 0; t--) {
      double nextValue = t + 1 < n ? values[t + 1] : 0;
      double delta = rewards[t] + gamma * nextValue - values[t];
      next = delta + gamma * lam * next;
      adv[t] = next;
      ret[t] = next + values[t];
    }
    return new Result(adv, ret);
  }
}
