package io.sparkrlhf.engine;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;

/**
 * One gradient step as one Spark job, whatever holds the examples: each task picks its examples of
 * the step from its partition ({@code select}), brings its executor's replica to {@code version},
 * sums gradients over them in micro-batches and returns them; the driver adds the partitions in
 * index order ({@link PartitionOrder}), so the step's gradient is the same bits however tasks were
 * scheduled. In local mode with the handoff on, gradients stay in the driver's memory.
 */
public final class StepJob {
  private StepJob() {}

  /** A partition's examples for this step, from the partition's one element. */
  public interface Selector<S, E> extends Function2<Integer, S, List<E>> {}

  /**
   * @param key unique per gradient job of the run (names in-memory handoffs and failure injection)
   */
  public static <S, E> GradientSum gradients(JavaRDD<S> source, Selector<S, E> select, String runId,
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
      if (handoff && sum.gradient != null && LocalHandoff.available(executor)) {
        String handoffKey = LocalHandoff.key(runId, key, pid, TaskContext.get().attemptNumber());
        LocalHandoff.put(handoffKey, sum.gradient);
        sum.gradient = null;
        sum.bytesOut = 0;
        sum.handoffs.add(handoffKey);
      }
      if (failure != null) {
        failure.maybeFail(key, pid);
      }
      return List.of(sum).iterator();
    }, true), GradientSum::mergeResolved);
    try {
      return total == null ? GradientSum.empty() : total.resolveHandoffs();
    } finally {
      LocalHandoff.clear(runId, key);
    }
  }
}
