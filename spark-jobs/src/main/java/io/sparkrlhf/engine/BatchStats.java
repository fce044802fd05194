package io.sparkrlhf.engine;

import java.io.Serializable;

/**
 * Sums over the examples of a (micro-)batch, so partitions add up to the global batch: the summed
 * loss, the weight it is averaged over (tokens for SFT, pairs for the reward model), examples
 * ranked right (the reward model's accuracy numerator), examples and tokens.
 */
public record BatchStats(double lossSum, double weight, double correct, long examples, long tokens)
    implements Serializable {
  public static final BatchStats ZERO = new BatchStats(0, 0, 0, 0, 0);

  public BatchStats plus(BatchStats o) {
    return new BatchStats(lossSum + o.lossSum, weight + o.weight, correct + o.correct, examples + o.examples,
        tokens + o.tokens);
  }

  /** The mean loss over the batch's weight. */
  public double loss() {
    return weight == 0 ? Double.NaN : lossSum / weight;
  }

  public double accuracy() {
    return examples == 0 ? Double.NaN : correct / examples;
  }
}
