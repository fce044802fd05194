package io.sparkrlhf.model.rl;

/** Count, sum and sum of squares: statistics that add across partitions, for whitening over a whole global batch (TRL masked_mean / masked_var / masked_whiten). */
public record Moments(long count, double sum, double sumSquares) implements java.io.Serializable {
  public static final Moments ZERO = new Moments(0, 0, 0);

  public static Moments of(double[] xs) {
    double s = 0;
    double ss = 0;
    for (double x : xs) {
      s += x;
      ss += x * x;
    }
    return new Moments(xs.length, s, ss);
  }

  public Moments plus(Moments o) {
    return new Moments(count + o.count, sum + o.sum, sumSquares + o.sumSquares);
  }

  /** Returns a new record with {@code x} added. */
  public Moments add(double x) {
    return new Moments(count + 1, sum + x, sumSquares + x * x);
  }

  /** NaN when count == 0. */
  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  /** Biased (population) variance Σ(x − mean)²/n, never negative; NaN when count == 0. */
  double biasedVariance() {
    if (count == 0) {
      return Double.NaN;
    }
    double m = sum / count;
    return Math.max(0, sumSquares / count - m * m);
  }

  /** Unbiased (Bessel-corrected, as TRL's masked_var default) variance; NaN when count < 2. */
  public double variance() {
    return count < 2 ? Double.NaN : biasedVariance() * count / (count - 1);
  }

  /** (x − mean)/sqrt(variance + 1e-8), plus mean back when !shiftMean (TRL masked_whiten). */
  public double whiten(double x, boolean shiftMean) {
    double m = mean();
    double w = (x - m) / Math.sqrt(variance() + 1e-8);
    return shiftMean ? w : w + m;
  }
}
