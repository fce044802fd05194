package io.sparkrlhf.jobs.eval;

/**
 * One policy's evaluation numbers over the same prompts: reward mean and sample SD, mean KL to the
 * reference per response (NaN without a reference), mean response length.
 */
public record PolicyScores(String name, double rewardMean, double rewardSd, double klMean, double responseLength,
    int prompts) {

  public static PolicyScores of(String name, double[] scores, double[] kl, int[] lengths, boolean hasReference) {
    int n = scores.length;
    double mean = 0;
    for (double s : scores) {
      mean += s / n;
    }
    double ss = 0;
    for (double s : scores) {
      ss += (s - mean) * (s - mean);
    }
    double klMean = 0;
    double length = 0;
    for (int i = 0; i < n; i++) {
      klMean += kl[i] / n;
      length += (double) lengths[i] / n;
    }
    return new PolicyScores(name, mean, Math.sqrt(ss / Math.max(1, n - 1)), hasReference ? klMean : Double.NaN, length,
        n);
  }

  /** P's win rate over Q judged by the scores: the share of prompts where P scores higher, ties counted half. */
  public static double winRate(double[] p, double[] q) {
    double wins = 0;
    for (int i = 0; i < p.length; i++) {
      wins += p[i] > q[i] ? 1 : p[i] == q[i] ? 0.5 : 0;
    }
    return wins / p.length;
  }
}
