package io.sparkrlhf.engine;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gradient step as one Spark job, whatever holds the examples: each task picks its examples of
 * the step from its partition ({@code select}), brings its executor's replica to {@code version},
 * sums gradients over them in micro-batches and returns them; the driver adds the partitions in
 * index order ({@link PartitionOrder}), so the step's gradient is the same bits however tasks were
 * scheduled. Gradients travel as blocks ({@link GradientBlocks}), not in task results; in local
 * mode with the handoff on, they stay in the driver's memory.
 */
public final class StepJob {
  private static final Logger LOG = LoggerFactory.getLogger(StepJob.class);
  /** Runs of a gradient job when the driver loses a finished task's gradient with its executor. */
  private static final int MAX_ATTEMPTS = 4;

  private StepJob() {}

  /** A partition's examples for this step, from the partition's one element. */
  public interface Selector<S, E> extends Function2<Integer, S, List<E>> {}

  /**
   * @param key unique per gradient job of the run (names in-memory handoffs and failure injection)
   */
  public static <S, E> GradientSum gradients(JavaRDD<S> source, Selector<S, E> select, String runId,
      Objective<E> objective, long key, long version, ValueSource values, int microBatch, FailureInjection failure,
      boolean handoff) {
    for (int attempt = 1; ; attempt++) {
      try {
        return gradientsOnce(source, select, runId, objective, key, version, values, microBatch, failure, handoff);
      } catch (Exception e) { // runJob throws SparkDriverExecutionException, checked but undeclared
        GradientBlocks.Lost lost = lostGradient(e);
        if (lost == null || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        LOG.warn("{}; running the gradient job again (attempt {} of {})", lost.getMessage(), attempt + 1, MAX_ATTEMPTS);
      }
    }
  }

  private static <S, E> GradientSum gradientsOnce(JavaRDD<S> source, Selector<S, E> select, String runId,
      Objective<E> objective, long key, long version, ValueSource values, int microBatch, FailureInjection failure,
      boolean handoff) {
    GradientSum total = PartitionOrder.reduce(source.mapPartitionsWithIndex((pid, it) -> {
      List<E> mine = select.call(pid, it.next());
      long queued = System.nanoTime();
      GradientSum sum = ReplicaRegistry.withReplica(runId, objective,
          held -> PartitionWork.gradients(held, version, values::get, mine, microBatch, SparkEnv.get().executorId()));
      long inTask = System.nanoTime() - queued;
      sum.maxWaitNanos = Math.max(0, inTask - sum.maxTaskNanos); // local[*]: tasks of one JVM take turns on its replica
      sum.maxTaskNanos = inTask;
      String executor = SparkEnv.get().executorId();
      if (sum.gradient != null) {
        if (handoff && LocalHandoff.available(executor)) {
          String handoffKey = LocalHandoff.key(runId, key, pid, TaskContext.get().attemptNumber());
          LocalHandoff.put(handoffKey, sum.gradient);
          sum.pending.add(new GradientSum.Handoff(handoffKey));
        } else {
          sum.pending.add(new GradientSum.Block(GradientBlocks.put(runId, key, sum.gradient), pid));
        }
        sum.gradient = null;
      }
      if (failure != null) {
        failure.maybeFail(key, pid);
        failure.maybeLoseResult(runId, key, pid);
      }
      return List.of(sum).iterator();
    }, true), GradientSum::mergeResolved, GradientSum::resolve);
    try {
      return total == null ? GradientSum.empty() : total.resolve();
    } finally {
      LocalHandoff.clear(runId, key);
    }
  }

  /** The lost gradient block behind {@code e}, if that is what failed the job. */
  private static GradientBlocks.Lost lostGradient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GradientBlocks.Lost lost) {
        return lost;
      }
    }
    return null;
  }
}
