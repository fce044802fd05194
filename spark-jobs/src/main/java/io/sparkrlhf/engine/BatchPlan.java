package io.sparkrlhf.engine;

import java.io.Serializable;

/**
 * Which examples make up the global batch of each step: epoch e visits all examples in the order of
 * a permutation seeded by (seed, e), {@code globalBatch} at a time; the last incomplete batch of an
 * epoch is dropped. A pure function of (seed, size, batch, step), so every task, a retried one
 * included, computes the same batch, and resuming at step s needs no other cursor.
 */
public record BatchPlan(long datasetSize, int globalBatch, long seed) implements Serializable {
  public BatchPlan {
    if (globalBatch < 1) {
      throw new IllegalArgumentException("global batch size must be >= 1, found " + globalBatch);
    }
    if (datasetSize < globalBatch) {
      throw new IllegalArgumentException("the training data has " + datasetSize
          + " examples, fewer than one global batch of " + globalBatch);
    }
  }

  public long stepsPerEpoch() {
    return datasetSize / globalBatch;
  }

  public long epochOf(long step) {
    return step / stepsPerEpoch();
  }

  /** The global batch slot (0 .. globalBatch−1) at which partition {@code p} of {@code partitions} starts. */
  public int firstSlot(int p, int partitions) {
    return (int) ((long) p * globalBatch / partitions);
  }

  /** Which of {@code partitions} computes batch slot {@code slot}: contiguous, as even as possible. */
  public int partitionOfSlot(int slot, int partitions) {
    return (int) (((long) (slot + 1) * partitions - 1) / globalBatch);
  }

  /** Global example indices of step {@code step}'s batch, in batch order. */
  public long[] indices(long step) {
    EpochPermutation order = new EpochPermutation(datasetSize, seed, epochOf(step));
    long first = (step % stepsPerEpoch()) * globalBatch;
    long[] out = new long[globalBatch];
    for (int j = 0; j < globalBatch; j++) {
      out[j] = order.apply(first + j);
    }
    return out;
  }
}
