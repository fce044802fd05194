package io.sparkrlhf.jobs.baselines;

import io.sparkrlhf.jobs.reward.PreferencePair;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;

/**
 * The trivial baseline a preference learner must beat: call the longer response chosen (a tie
 * counts half). On StackExchange-like data longer answers often win, so this is no straw man.
 */
public final class LengthBaseline {
  private LengthBaseline() {}

  public static double score(int chosenLength, int rejectedLength) {
    return chosenLength > rejectedLength ? 1 : chosenLength == rejectedLength ? 0.5 : 0;
  }

  public static double accuracy(JavaRDD<PreferencePair> pairs) {
    return meanScore(pairs, p -> score(p.chosen().length, p.rejected().length));
  }

  /** The mean of a rule's per-pair score (1 right, 0.5 tie, 0 wrong) over {@code pairs}, on the executors. */
  static double meanScore(JavaRDD<PreferencePair> pairs, Function<PreferencePair, Double> rule) {
    double[] sums = pairs.map(p -> new double[] {rule.call(p), 1})
        .fold(new double[2], (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
    return sums[1] == 0 ? Double.NaN : sums[0] / sums[1];
  }
}
