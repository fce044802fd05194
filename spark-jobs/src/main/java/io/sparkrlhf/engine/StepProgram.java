package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What one step of a run does, for the {@link Trainer}, which owns the run around it (resume,
 * metrics, evaluation cadence, checkpoints, progress). SFT and reward modelling make one optimizer
 * update per step ({@link GradientStepProgram}); PPO makes a rollout and then several updates.
 * A program's own state (PPO's KL controller) joins the checkpoint through {@link #state} and
 * {@link #restore}.
 */
public interface StepProgram extends AutoCloseable {
  /** The trainable tensors' layout and their values at version 0. */
  StepRunner.Initial initialize();

  /** The data plan the steps follow (its size and batch are checked on resume). */
  BatchPlan plan();

  /**
   * Runs step {@code step}: updates {@code values} in place through {@code optimizer} (any number of
   * times) and writes the step's metrics into {@code line}. Returns whether any update was skipped.
   */
  boolean step(long step, float[] values, Optimizer optimizer, ObjectNode line);

  /** Evaluates at {@code version}, metrics into {@code line}; null when there is nothing to evaluate. */
  BatchStats evaluate(long step, long version, float[] values, ObjectNode line);

  /** The middle of the progress line for a train metrics line (loss, rates, ...). */
  String progress(ObjectNode line);

  /** The middle of the log line for an eval metrics line. */
  String describeEvaluation(ObjectNode line);

  /** Writes the model (full weights or an adapter, plus any heads) a checkpoint holds. */
  void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException;

  /** State beyond parameters and optimizer saved with each checkpoint (null: none). */
  default JsonNode state() {
    return null;
  }

  /** Restores what {@link #state} saved, on resume. */
  default void restore(JsonNode state) {}

  @Override
  void close();
}
