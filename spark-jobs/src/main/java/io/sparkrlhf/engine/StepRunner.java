package io.sparkrlhf.engine;

/**
 * Runs the replica side of training steps: on Spark executors ({@link SparkStepRunner}) or in this
 * process on one partition ({@link InProcessStepRunner}, the reference the engine is tested against).
 */
public interface StepRunner extends AutoCloseable {
  /** The trainable tensors' layout and their values at version 0, from a replica. */
  Initial initialize();

  /** Summed gradients of step {@code step}'s global batch at trainable values {@code values}. */
  GradientSum gradients(long step, long version, float[] values);

  /** Statistics over the whole eval set, or null when there is none. */
  BatchStats evaluate(long version, float[] values);

  /** The plan the steps follow. */
  BatchPlan plan();

  /** Frees the replicas this runner built. */
  @Override
  void close();

  record Initial(TrainableLayout layout, float[] values) implements java.io.Serializable {}
}
