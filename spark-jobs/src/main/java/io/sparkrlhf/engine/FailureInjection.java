package io.sparkrlhf.engine;

import java.io.Serializable;
import org.apache.spark.TaskContext;

/**
 * Test-only: fails the first attempt of partition {@code partition}'s task in step {@code step} of
 * {@code phase} ("step": a gradient step, after it computed its gradients, so the replica's state is
 * as dirty as after a real crash; "rollout": a PPO rollout task, after it generated its buffer).
 */
public record FailureInjection(long step, int partition, String phase) implements Serializable {
  public static final String STEP = "step";
  public static final String ROLLOUT = "rollout";

  public FailureInjection(long step, int partition) {
    this(step, partition, STEP);
  }

  void maybeFail(long currentStep, int currentPartition) {
    maybeFail(STEP, currentStep, currentPartition);
  }

  public void maybeFail(String currentPhase, long currentStep, int currentPartition) {
    TaskContext task = TaskContext.get();
    if (phase.equals(currentPhase) && currentStep == step && currentPartition == partition && task != null
        && task.attemptNumber() == 0) {
      throw new IllegalStateException("injected failure: " + phase + " " + step + ", partition " + partition
          + ", attempt 0");
    }
  }
}
