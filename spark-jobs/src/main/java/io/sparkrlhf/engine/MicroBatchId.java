package io.sparkrlhf.engine;

import io.sparkrlhf.model.transformer.DropoutMasks;
import java.io.Serializable;

/**
 * Where a training micro-batch sits in the run: the parameter version its gradients are taken at
 * (one per applied update, so each PPO minibatch update has its own), the task's partition and the
 * micro-batch's index within the task's share. A retried task, a resumed run and a repeated run see
 * the same ids, so randomness drawn from them (LoRA dropout masks) is the same too.
 */
public record MicroBatchId(long version, int partition, int index) implements Serializable {
  /** A 64-bit key for this micro-batch's random draws under the run's {@code seed}. */
  public long key(long seed) {
    return DropoutMasks.key(seed, version, partition, index);
  }
}
