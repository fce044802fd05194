package io.sparkrlhf.engine;

import java.io.IOException;
import java.io.Serializable;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Test-only: fails the first attempt of partition {@code partition}'s task in step {@code step} of
 * {@code phase} ("step": a gradient step, after it computed its gradients, so the replica's state is
 * as dirty as after a real crash; "rollout": a PPO rollout task, after it generated its buffer).
 * With {@code killExecutor} the task does not throw: its executor JVM is killed with SIGKILL, as
 * when the OS or the cluster manager kills a container, so its cached blocks and replica go too.
 * Phase {@link #RESULT} lets the task finish and then loses its executor, gradient block and all,
 * before the driver has fetched it; it fires once per {@code onceMarker} file, since the driver
 * answers with a new job whose tasks count their attempts from 0 again.
 */
public record FailureInjection(long step, int partition, String phase, boolean killExecutor, String onceMarker)
    implements Serializable {
  public static final String STEP = "step";
  public static final String ROLLOUT = "rollout";
  public static final String RESULT = "result";

  public FailureInjection(long step, int partition, String phase, boolean killExecutor) {
    this(step, partition, phase, killExecutor, null);
  }

  public FailureInjection(long step, int partition) {
    this(step, partition, STEP);
  }

  public FailureInjection(long step, int partition, String phase) {
    this(step, partition, phase, false);
  }

  public static FailureInjection killExecutor(long step, int partition, String phase) {
    return new FailureInjection(step, partition, phase, true);
  }

  void maybeFail(long currentStep, int currentPartition) {
    maybeFail(STEP, currentStep, currentPartition);
  }

  /**
   * Test-only: the executor of a finished gradient task dies before the driver fetches its
   * gradient (the block is dropped at once, the JVM killed a moment after the task has returned).
   */
  public static FailureInjection loseResult(long step, int partition, java.nio.file.Path onceMarker) {
    return new FailureInjection(step, partition, RESULT, true, onceMarker.toString());
  }

  void maybeLoseResult(String runId, long currentStep, int currentPartition) {
    if (!phase.equals(RESULT) || currentStep != step || currentPartition != partition) {
      return;
    }
    try {
      java.nio.file.Files.createFile(java.nio.file.Path.of(onceMarker));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    GradientBlocks.drop(runId);
    Thread killer = new Thread(() -> {
      try {
        Thread.sleep(200); // the task's result is on its way to the driver by then
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      killThisExecutor();
    }, "injected-executor-loss");
    killer.setDaemon(true);
    killer.start();
  }

  public void maybeFail(String currentPhase, long currentStep, int currentPartition) {
    TaskContext task = TaskContext.get();
    if (!phase.equals(currentPhase) || currentStep != step || currentPartition != partition || task == null
        || task.attemptNumber() != 0 || task.stageAttemptNumber() != 0) { // a resubmitted stage counts from 0 again
      return;
    }
    if (killExecutor) {
      killThisExecutor();
    }
    throw new IllegalStateException("injected failure: " + phase + " " + step + ", partition " + partition
        + ", attempt 0");
  }

  private static void killThisExecutor() {
    if ("driver".equals(SparkEnv.get().executorId())) {
      throw new IllegalStateException("killing an executor needs executor JVMs apart from the driver (local-cluster)");
    }
    try {
      new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
      Thread.sleep(60_000); // SIGKILL is asynchronous; the JVM ends within this
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("could not kill executor " + SparkEnv.get().executorId(), e);
    }
    throw new IllegalStateException("executor " + SparkEnv.get().executorId() + " survived SIGKILL");
  }
}
