package io.sparkrlhf.engine;

import java.util.List;
import java.util.function.Supplier;

/** What one task does with its replica, on Spark and in-process alike. */
final class PartitionWork {
  private PartitionWork() {}

  /** Gradients summed over {@code examples}, micro-batch by micro-batch, at {@code version}. */
  static <E> GradientSum gradients(ReplicaRegistry.Held<E> held, long version, Supplier<float[]> values,
      List<E> examples, int microBatch, String executorId) {
    long t0 = System.nanoTime();
    GradientSum out = GradientSum.empty();
    out.bytesIn = held.syncTo(version, values);
    long synced = System.nanoTime();
    out.tasks = 1;
    out.executors.add(executorId);
    if (!examples.isEmpty()) {
      Replica<E> replica = held.replica();
      replica.trainables().zeroGradients(); // a retried attempt must not add to a failed one's gradients
      BatchStats stats = BatchStats.ZERO;
      for (int from = 0, index = 0; from < examples.size(); from += microBatch, index++) {
        List<E> micro = examples.subList(from, Math.min(examples.size(), from + microBatch));
        stats = stats.plus(replica.accumulate(micro, new MicroBatchId(version, held.partition(), index)));
      }
      long computed = System.nanoTime();
      out.gradient = replica.trainables().gradients();
      out.stats = stats;
      out.bytesOut = 4L * out.gradient.length;
      out.maxComputeNanos = computed - synced;
      out.maxTransferNanos = (synced - t0) + (System.nanoTime() - computed);
    } else {
      out.maxTransferNanos = synced - t0;
    }
    out.maxTaskNanos = System.nanoTime() - t0;
    return out;
  }

  static <E> BatchStats evaluate(ReplicaRegistry.Held<E> held, long version, Supplier<float[]> values,
      List<E> examples, int microBatch) {
    held.syncTo(version, values);
    BatchStats stats = BatchStats.ZERO;
    for (int from = 0; from < examples.size(); from += microBatch) {
      stats = stats.plus(held.replica().evaluate(examples.subList(from, Math.min(examples.size(), from + microBatch))));
    }
    return stats;
  }
}
