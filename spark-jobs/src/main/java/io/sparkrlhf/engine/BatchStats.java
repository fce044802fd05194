package io.sparkrlhf.engine;

import java.io.Serializable;

/**
 * Sums over the examples of a (micro-)batch, so partitions add up to the global batch: the summed
 * loss, the weight it is averaged over (tokens for SFT and PPO, pairs for the reward model),
 * examples ranked right (the reward model's accuracy numerator), examples and tokens, and
 * objective-specific sums in {@code extras} (PPO's clip counts, ratio and KL sums), added slot by slot.
 */
public record BatchStats(double lossSum, double weight, double correct, long examples, long tokens, double[] extras)
    implements Serializable {
  private static final double[] NONE = new double[0];
  public static final BatchStats ZERO = new BatchStats(0, 0, 0, 0, 0);

  public BatchStats(double lossSum, double weight, double correct, long examples, long tokens) {
    this(lossSum, weight, correct, examples, tokens, NONE);
  }

  public BatchStats plus(BatchStats o) {
    double[] a = extras;
    double[] b = o.extras;
    double[] sum = new double[Math.max(a.length, b.length)];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = (i < a.length ? a[i] : 0) + (i < b.length ? b[i] : 0);
    }
    return new BatchStats(lossSum + o.lossSum, weight + o.weight, correct + o.correct, examples + o.examples,
        tokens + o.tokens, sum);
  }

  /** Extra sum {@code i}, 0 when absent. */
  public double extra(int i) {
    return i < extras.length ? extras[i] : 0;
  }

  /** The mean loss over the batch's weight. */
  public double loss() {
    return weight == 0 ? Double.NaN : lossSum / weight;
  }

  public double accuracy() {
    return examples == 0 ? Double.NaN : correct / examples;
  }
}
