package io.sparkrlhf.model.rl;

/**
 * TRL's RunningMoments (score scaling/normalisation across iterations): starts at mean 0, var 1,
 * std 1, count 1e-24; update merges a batch with the parallel-variance rule (batch variance
 * biased), std = sqrt(var·n/(n−1)). Immutable and serializable, so it can be checkpointed.
 */
public record RunningMoments(double mean, double var, double std, double count) implements java.io.Serializable {
  public static RunningMoments initial() {
    return new RunningMoments(0, 1, 1, 1e-24);
  }

  /** The state after seeing {@code batch} (given whole: the caller gathered it). */
  public RunningMoments update(double[] batch) {
    if (batch.length == 0) {
      return this;
    }
    double m = 0;
    for (double x : batch) {
      m += x;
    }
    m /= batch.length;
    double v = 0;
    for (double x : batch) {
      v += (x - m) * (x - m);
    }
    return merge(batch.length, m, v / batch.length);
  }

  /** Same, from a batch's count/sum/sumSquares (what a distributed job sums): equals update(double[]) up to rounding. An empty batch changes nothing. */
  public RunningMoments update(Moments batch) {
    if (batch.count() == 0) {
      return this;
    }
    return merge(batch.count(), batch.mean(), batch.biasedVariance());
  }

  private RunningMoments merge(double n, double batchMean, double batchVar) {
    double delta = batchMean - mean;
    double total = count + n;
    double m2 = var * count + delta * delta * count * n / total + batchVar * n;
    double newVar = m2 / total;
    return new RunningMoments(mean + delta * n / total, newVar, Math.sqrt(newVar * total / (total - 1)), total);
  }
}
