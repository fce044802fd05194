package io.sparkrlhf.engine;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * What is trained, shipped to executors: how to build a replica there, and how the driver writes
 * the trainable values as a Hugging Face checkpoint (no model is built on the driver for that).
 */
public interface Objective<E> extends Serializable {
  /** Builds the replica on {@code device} (once per executor JVM and run). */
  Replica<E> createReplica(ai.djl.Device device) throws IOException;

  /** Writes a loadable model directory (full weights or a PEFT adapter) from the trainable values. */
  void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException;

  /** Whether {@link BatchStats#correct} means something (pairwise accuracy); otherwise perplexity is reported. */
  default boolean reportsAccuracy() {
    return false;
  }

  /**
   * Writes the objective's own metrics, from {@link BatchStats#extras}, into a metrics.jsonl line
   * ({@code prefix} "" for a training step, "eval_" for an evaluation) or into eval.json ("").
   */
  default void describe(BatchStats stats, String prefix, com.fasterxml.jackson.databind.node.ObjectNode line) {}
}
