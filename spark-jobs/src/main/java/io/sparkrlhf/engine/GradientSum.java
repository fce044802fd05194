package io.sparkrlhf.engine;

import java.io.Serializable;
import java.util.TreeSet;

/**
 * What the tasks of one step return and {@code treeAggregate} adds up: the summed gradient (null
 * from a task without examples in the batch, which then sends none), the batch statistics, and
 * the costs the step's metrics report.
 */
public final class GradientSum implements Serializable {
  private static final long serialVersionUID = 1L;

  float[] gradient;
  BatchStats stats = BatchStats.ZERO;
  long maxTaskNanos;
  long maxComputeNanos;
  long maxTransferNanos;
  long maxWaitNanos;
  long bytesIn;
  long bytesOut;
  int tasks;
  final TreeSet<String> executors = new TreeSet<>();

  public static GradientSum empty() {
    return new GradientSum();
  }

  /** Adds {@code o} into this one (Spark lets aggregation mutate its left argument). */
  public GradientSum merge(GradientSum o) {
    if (o.gradient != null) {
      if (gradient == null) {
        gradient = o.gradient; // taken over: a task result is merged once, then dropped
      } else {
        if (gradient.length != o.gradient.length) {
          throw new IllegalStateException("gradients of " + gradient.length + " and " + o.gradient.length
              + " values: replicas of different models in one run");
        }
        for (int i = 0; i < gradient.length; i++) {
          gradient[i] += o.gradient[i];
        }
      }
    }
    stats = stats.plus(o.stats);
    maxTaskNanos = Math.max(maxTaskNanos, o.maxTaskNanos);
    maxComputeNanos = Math.max(maxComputeNanos, o.maxComputeNanos);
    maxTransferNanos = Math.max(maxTransferNanos, o.maxTransferNanos);
    maxWaitNanos = Math.max(maxWaitNanos, o.maxWaitNanos);
    bytesIn += o.bytesIn;
    bytesOut += o.bytesOut;
    tasks += o.tasks;
    executors.addAll(o.executors);
    return this;
  }

  public float[] gradient() {
    return gradient;
  }

  public BatchStats stats() {
    return stats;
  }
}
