package io.sparkrlhf.model.rl;

/**
 * Llama 2's combination of a helpfulness and a safety reward model (Touvron et al. 2023, §3.2.2):
 * <pre>
 *   R_c(g | p) = R_s(g | p)   if IS_SAFETY(p) or σ(R_s(g | p)) &lt; threshold   (0.15 in the paper)
 *              = R_h(g | p)   otherwise
 *   R(g | p)   = WHITEN(LOGIT(R_c(g | p)))
 * </pre>
 * The reward models here return raw scores (logits), the paper's R_s and R_h are probabilities
 * σ(score); so the threshold is compared after the sigmoid, and LOGIT of the probability is the raw
 * score again, cut to ±{@link #MAX_LOGIT} (LOGIT of a probability clamped to [1e-6, 1 − 1e-6]).
 * WHITEN subtracts a mean and divides by a standard deviation taken over a batch of combined scores.
 */
public final class SafetyRewardRule {
  /** LOGIT(1 − 1e-6): the largest magnitude a combined score keeps. */
  public static final double MAX_LOGIT = Math.log((1 - 1e-6) / 1e-6);
  /** Added to the standard deviation when whitening, so a constant batch stays finite. */
  public static final double EPS = 1e-8;

  private SafetyRewardRule() {}

  /** σ(x). */
  public static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** log(p / (1 − p)) with p clamped to [1e-6, 1 − 1e-6]. */
  public static double logit(double p) {
    double q = Math.max(1e-6, Math.min(1 - 1e-6, p));
    return Math.log(q / (1 - q));
  }

  /** Whether the safety model's score decides: the prompt is unsafe or σ(safety) is below the threshold. */
  public static boolean safetyDecides(double safety, boolean unsafePrompt, double threshold) {
    return unsafePrompt || sigmoid(safety) < threshold;
  }

  /** LOGIT(R_c): the raw score of the model that decides, as a logit of its probability. */
  public static double combined(double helpfulness, double safety, boolean unsafePrompt, double threshold) {
    double chosen = safetyDecides(safety, unsafePrompt, threshold) ? safety : helpfulness;
    return logit(sigmoid(chosen));
  }

  /** WHITEN: (x − mean) / (sd + eps). */
  public static double whiten(double x, double mean, double sd) {
    return (x - mean) / (sd + EPS);
  }
}
