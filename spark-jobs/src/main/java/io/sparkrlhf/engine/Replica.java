package io.sparkrlhf.engine;

import io.sparkrlhf.model.train.Trainables;
import java.util.List;

/**
 * One executor's copy of the model being trained: frozen weights plus the trainable tensors, and
 * the objective's forward pass. Implementations add ∂(summed loss)/∂θ to the gradients, so
 * micro-batches and partitions sum to the global batch's gradient.
 */
public interface Replica<E> extends AutoCloseable {
  Trainables trainables();

  /**
   * Forward and backward over one micro-batch (gradients accumulate); its statistics. Random draws
   * inside the pass (LoRA dropout masks) are functions of {@code id} and the run's seed.
   */
  BatchStats accumulate(List<E> microBatch, MicroBatchId id);

  /** Forward only, no gradients. */
  BatchStats evaluate(List<E> microBatch);

  @Override
  void close();
}
