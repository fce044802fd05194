package io.sparkrlhf.model.rl;

/**
 * Per-token KL estimates between the policy and the reference model (TRL's {@code _kl_penalty}),
 * on host arrays of log-probabilities: the KL term of the PPO reward is no part of the gradient.
 */
public final class KlPenalty {
  private KlPenalty() {}

  /** One token's estimate from log p (policy) and log p_ref: kl = lp − ref; abs = |lp − ref|; mse = ½(lp − ref)²; k3 = (r − 1) − log r with r = exp(ref − lp) (never negative). FULL throws IllegalArgumentException (it needs the distributions: use full()). */
  public static double estimate(KlEstimator kind, double logp, double refLogp) {
    double d = logp - refLogp;
    return switch (kind) {
      case KL -> d;
      case ABS -> Math.abs(d);
      case MSE -> 0.5 * d * d;
      // r − 1 − log r with log r = −d; expm1 keeps it accurate (and ≥ 0) when d is tiny.
      case K3 -> Math.max(0, Math.expm1(-d) + d);
      case FULL -> throw new IllegalArgumentException("the 'full' KL penalty needs both distributions: use KlPenalty.full");
    };
  }

  /** estimate() per element. */
  public static double[] perToken(KlEstimator kind, float[] logp, float[] refLogp) {
    if (logp.length != refLogp.length) {
      throw new IllegalArgumentException("logp has " + logp.length + " tokens, refLogp " + refLogp.length);
    }
    double[] out = new double[logp.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = estimate(kind, logp[i], refLogp[i]);
    }
    return out;
  }

  /** KL(p‖ref) of one position from the two log-softmax rows (same length V): Σ_v exp(lp_v)(lp_v − ref_v), computed in double. */
  public static double full(float[] logp, float[] refLogp) {
    if (logp.length != refLogp.length) {
      throw new IllegalArgumentException("logp has " + logp.length + " entries, refLogp " + refLogp.length);
    }
    double kl = 0;
    for (int v = 0; v < logp.length; v++) {
      double lp = logp[v];
      double p = Math.exp(lp);
      if (p > 0) { // 0·(−∞ − x) counts as 0
        kl += p * (lp - refLogp[v]);
      }
    }
    return kl;
  }
}
