package io.sparkrlhf.engine;

import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One step = one Spark job: each task brings its executor's replica to the step's version (values
 * by broadcast, fetched once per JVM), sums gradients over its slice of the global batch and
 * returns them; {@code treeAggregate} adds the partitions up.
 */
public final class SparkStepRunner<E> implements StepRunner {
  private final JavaSparkContext sc;
  private final String runId;
  private final Objective<E> objective;
  private final DistributedData<E> train;
  private final DistributedData<E> eval;
  private final BatchPlan plan;
  private final int microBatch;
  private final FailureInjection failure;
  private Broadcast<FloatArrays.Values> published;
  private long publishedVersion = -1;
  private boolean localHandoff = true;
  private JavaRDD<EpochShards.Shard<E>> shards;
  private long shardsEpoch = -1;

  public SparkStepRunner(JavaSparkContext sc, String runId, Objective<E> objective, DistributedData<E> train,
      DistributedData<E> eval, int globalBatch, int microBatch, long seed, FailureInjection failure) {
    this.sc = sc;
    this.runId = runId;
    this.objective = objective;
    this.train = train;
    this.eval = eval;
    this.plan = new BatchPlan(train.size(), globalBatch, seed);
    this.microBatch = Engines.requirePositive(microBatch, "micro batch size");
    this.failure = failure;
  }

  @Override
  public Initial initialize() {
    String run = runId;
    Objective<E> obj = objective;
    List<Initial> found = train.blocks().mapPartitionsWithIndex((pid, it) -> {
      Initial initial = ReplicaRegistry.withReplica(run, obj, held -> pid == 0
          ? new Initial(TrainableLayout.of(held.replica().trainables()), held.replica().trainables().values()) : null);
      return initial == null ? Collections.<Initial>emptyIterator() : List.of(initial).iterator();
    }, true).collect();
    return found.get(0);
  }

  @Override
  public GradientSum gradients(long step, long version, float[] values) {
    ValueSource source = publish(version, values);
    String run = runId;
    Objective<E> obj = objective;
    BatchPlan batches = plan;
    int micro = microBatch;
    FailureInjection fail = failure;
    boolean handoff = localHandoff;
    long first = (step % batches.stepsPerEpoch()) * batches.globalBatch();
    long end = first + batches.globalBatch();
    GradientSum total = shardsFor(batches.epochOf(step)).mapPartitionsWithIndex((pid, it) -> {
      List<E> mine = it.next().between(first, end);
      long queued = System.nanoTime();
      GradientSum sum = ReplicaRegistry.withReplica(run, obj,
          held -> PartitionWork.gradients(held, version, source::get, mine, micro, SparkEnv.get().executorId()));
      long inTask = System.nanoTime() - queued;
      sum.maxWaitNanos = Math.max(0, inTask - sum.maxTaskNanos); // local[*]: tasks of one JVM take turns on its replica
      sum.maxTaskNanos = inTask;
      String executor = SparkEnv.get().executorId();
      if (handoff && sum.gradient != null && LocalHandoff.available(executor)) {
        String key = LocalHandoff.key(run, step, pid, TaskContext.get().attemptNumber());
        LocalHandoff.put(key, sum.gradient);
        sum.gradient = null;
        sum.bytesOut = 0;
        sum.handoffs.add(key);
      }
      if (fail != null) {
        fail.maybeFail(step, pid);
      }
      return List.of(sum).iterator();
    }, true).treeAggregate(GradientSum.empty(), GradientSum::merge, GradientSum::merge, 2);
    try {
      return total.resolveHandoffs();
    } finally {
      LocalHandoff.clear(run, step);
    }
  }

  /** The epoch's balanced layout, built on its first step; the previous epoch's is dropped. */
  private JavaRDD<EpochShards.Shard<E>> shardsFor(long epoch) {
    if (epoch != shardsEpoch) {
      if (shards != null) {
        shards.unpersist(false);
      }
      shards = EpochShards.build(train, plan, epoch, train.partitions());
      shardsEpoch = epoch;
    }
    return shards;
  }

  /**
   * Whether, in local mode, trainable values and gradients stay in this JVM's memory (default)
   * instead of going through a broadcast and Spark's result path; off, local mode pays what a
   * cluster pays.
   */
  public SparkStepRunner<E> withLocalHandoff(boolean enabled) {
    this.localHandoff = enabled;
    return this;
  }

  @Override
  public BatchStats evaluate(long version, float[] values) {
    if (eval == null) {
      return null;
    }
    ValueSource source = publish(version, values);
    String run = runId;
    Objective<E> obj = objective;
    int micro = microBatch;
    return eval.blocks().map(block -> ReplicaRegistry.withReplica(run, obj,
            held -> PartitionWork.evaluate(held, version, source::get, block.examples(), micro)))
        .treeAggregate(BatchStats.ZERO, BatchStats::plus, BatchStats::plus, 2);
  }

  /** Where tasks read the trainable values of a version: a broadcast, or (local mode) this JVM's memory. */
  private interface ValueSource extends java.io.Serializable {
    float[] get();
  }

  /**
   * Publishes {@code version}: by broadcast (the previous version's is destroyed), or in local mode
   * with the handoff on, in this JVM's memory, where every task runs anyway.
   */
  private ValueSource publish(long version, float[] values) {
    String run = runId;
    if (localHandoff && sc.isLocal()) {
      LocalHandoff.publishValues(run, version, values);
      return () -> LocalHandoff.values(run, version);
    }
    if (version != publishedVersion) {
      if (published != null) {
        published.destroy();
      }
      published = sc.broadcast(new FloatArrays.Values(values.clone())); // the driver updates `values` in place next
      publishedVersion = version;
    }
    Broadcast<FloatArrays.Values> bc = published;
    return () -> bc.value().get();
  }

  @Override
  public BatchPlan plan() {
    return plan;
  }

  @Override
  public void close() {
    if (shards != null) {
      shards.unpersist(false);
      shards = null;
    }
    if (published != null) {
      published.destroy();
      published = null;
    }
    String run = runId;
    LocalHandoff.forget(run);
    train.blocks().foreachPartition(it -> ReplicaRegistry.release(run)); // best effort: the executors that ran tasks
    ReplicaRegistry.release(runId);
  }
}
