package io.sparkrlhf.jobs.dpo;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import java.io.IOException;
import java.util.List;

/** An executor's frozen reference model, scoring pairs for {@link ReferenceLogps}. */
final class ReferenceReplica implements Replica<DpoExample> {
  private final ReferenceObjective objective;
  private final NDManager manager;
  private final DecoderLM model;
  private final ParameterStore ps;

  ReferenceReplica(ReferenceObjective objective, Device device) throws IOException {
    this.objective = objective;
    this.manager = NDManager.newBaseManager(device);
    try {
      this.model = ModelBuilder.build(objective.spec(), manager).model();
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    for (HfParameter p : model.hfParameters()) {
      p.parameter().freeze(true);
    }
    this.ps = new ParameterStore(manager, false);
  }

  /** [chosen..., rejected...] log-probs of {@code batch}'s responses. */
  float[] logps(List<DpoExample> batch) {
    try (NDManager scope = manager.newSubManager()) {
      return PairLogps.of(model, ps, scope, batch.stream().map(DpoExample::pair).toList(), objective.padTokenId(),
          objective.averageTokens(), false).toFloatArray();
    }
  }

  @Override
  public Trainables trainables() {
    return Trainables.of(List.of(), p -> true);
  }

  @Override
  public BatchStats accumulate(List<DpoExample> microBatch, MicroBatchId id) {
    throw new UnsupportedOperationException("the reference model is not trained");
  }

  @Override
  public BatchStats evaluate(List<DpoExample> microBatch) {
    throw new UnsupportedOperationException("the reference model only scores pairs");
  }

  @Override
  public void close() {
    manager.close();
  }
}
