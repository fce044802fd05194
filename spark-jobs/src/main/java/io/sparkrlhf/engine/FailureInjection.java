package io.sparkrlhf.engine;

import java.io.Serializable;
import org.apache.spark.TaskContext;

/**
 * Test-only: fails the first attempt of partition {@code partition}'s task in step {@code step},
 * after it computed its gradients (the replica's state is then as dirty as after a real crash).
 */
public record FailureInjection(long step, int partition) implements Serializable {
  void maybeFail(long currentStep, int currentPartition) {
    TaskContext task = TaskContext.get();
    if (currentStep == step && currentPartition == partition && task != null && task.attemptNumber() == 0) {
      throw new IllegalStateException("injected failure: step " + step + ", partition " + partition + ", attempt 0");
    }
  }
}
