package io.sparkrlhf.engine;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * One step = one Spark job: each task brings its executor's replica to the step's version (values
 * by broadcast, fetched once per JVM), sums gradients over its slice of the global batch and
 * returns them; the driver adds the partitions up in index order.
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
  private final ValuePublisher publisher;
  private final EpochLayout<E> layout;

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
    this.publisher = new ValuePublisher(sc, runId);
    this.layout = new EpochLayout<>(train, plan);
  }

  @Override
  public Initial initialize() {
    return ReplicaRegistry.initialOn(train.blocks(), runId, objective);
  }

  @Override
  public GradientSum gradients(long step, long version, float[] values) {
    ValueSource source = publisher.publish(version, values);
    BatchPlan batches = plan;
    long first = (step % batches.stepsPerEpoch()) * batches.globalBatch();
    long end = first + batches.globalBatch();
    StepJob.Selector<EpochShards.Shard<E>, E> mine = (pid, shard) -> shard.between(first, end);
    return StepJob.gradients(layout.forEpoch(batches.epochOf(step)), mine, runId, objective, step, version, source,
        microBatch, failure, publisher.inMemory());
  }

  /**
   * Whether, in local mode, trainable values and gradients stay in this JVM's memory (default)
   * instead of going through a broadcast and Spark's result path; off, local mode pays what a
   * cluster pays.
   */
  public SparkStepRunner<E> withLocalHandoff(boolean enabled) {
    publisher.withLocalHandoff(enabled);
    return this;
  }

  @Override
  public BatchStats evaluate(long version, float[] values) {
    if (eval == null) {
      return null;
    }
    ValueSource source = publisher.publish(version, values);
    String run = runId;
    Objective<E> obj = objective;
    int micro = microBatch;
    BatchStats total = PartitionOrder.reduce(eval.blocks().map(block -> ReplicaRegistry.withReplica(run, obj,
        held -> PartitionWork.evaluate(held, version, source::get, block.examples(), micro))), BatchStats::plus);
    return total == null ? BatchStats.ZERO : total;
  }

  @Override
  public BatchPlan plan() {
    return plan;
  }

  @Override
  public void close() {
    layout.close();
    publisher.close();
    ReplicaRegistry.releaseOn(train.blocks(), runId);
  }
}
