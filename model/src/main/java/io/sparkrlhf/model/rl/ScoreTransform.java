package io.sparkrlhf.model.rl;

/**
 * Score post-processing of TRL's step(): missingEosPenalty is subtracted first from a response
 * that has no EOS; then scaling by the running std (with score-norm: also minus the running mean;
 * float32 machine epsilon added to std); then clipping to ±clip when clip > 0.
 */
public final class ScoreTransform {
  /** torch.finfo(torch.float32).eps, as TRL adds to the running std. */
  public static final double EPS = Math.ulp(1.0f);

  private ScoreTransform() {}

  /**
   * {@code running} is the state already updated with this iteration's scores (TRL updates, then
   * scales). {@code norm} only acts together with {@code scaling}, as in TRL.
   */
  public static double apply(double score, boolean hitEos, double missingEosPenalty, boolean scaling, boolean norm,
      double clip, RunningMoments running) {
    double s = hitEos ? score : score - missingEosPenalty;
    if (scaling) {
      double factor = running.std() + EPS;
      s = norm ? (s - running.mean()) / factor : s / factor;
    }
    if (clip > 0) {
      s = Math.max(-clip, Math.min(clip, s));
    }
    return s;
  }
}
