package io.sparkrlhf.engine;

import java.util.List;

/** One partition, no Spark: the single-process path. */
public final class InProcessStepRunner<E> implements StepRunner {
  private final String runId;
  private final Objective<E> objective;
  private final DataBlock<E> train;
  private final DataBlock<E> eval;
  private final BatchPlan plan;
  private final int microBatch;

  public InProcessStepRunner(String runId, Objective<E> objective, List<E> train, List<E> eval, int globalBatch,
      int microBatch, long seed) {
    this.runId = runId;
    this.objective = objective;
    this.train = new DataBlock<>(0, List.copyOf(train));
    this.eval = eval == null || eval.isEmpty() ? null : new DataBlock<>(0, List.copyOf(eval));
    this.plan = new BatchPlan(train.size(), globalBatch, seed);
    this.microBatch = Engines.requirePositive(microBatch, "micro batch size");
  }

  @Override
  public Initial initialize() {
    return ReplicaRegistry.withReplica(runId, objective, held -> new Initial(
        TrainableLayout.of(held.replica().trainables()), held.replica().trainables().values()));
  }

  @Override
  public GradientSum gradients(long step, long version, float[] values) {
    List<E> batch = train.select(plan.indices(step));
    return ReplicaRegistry.withReplica(runId, objective,
        held -> PartitionWork.gradients(held, version, () -> values, batch, microBatch, "driver"));
  }

  @Override
  public BatchStats evaluate(long version, float[] values) {
    if (eval == null) {
      return null;
    }
    return ReplicaRegistry.withReplica(runId, objective,
        held -> PartitionWork.evaluate(held, version, () -> values, eval.examples(), microBatch));
  }

  @Override
  public BatchPlan plan() {
    return plan;
  }

  @Override
  public void close() {
    ReplicaRegistry.release(runId);
  }
}
