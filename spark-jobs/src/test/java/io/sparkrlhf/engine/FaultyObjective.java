package io.sparkrlhf.engine;

import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.model.train.Trainables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * SFT whose replicas report a NaN loss for every training micro-batch ({@code nanTraining}: the
 * optimizer must skip each step) or every evaluation ({@code nanEvaluation}), as a diverged model does.
 */
record FaultyObjective(SftObjective inner, boolean nanTraining, boolean nanEvaluation) implements Objective<SftExample> {
  @Override
  public Replica<SftExample> createReplica(ai.djl.Device device) throws IOException {
    Replica<SftExample> replica = inner.createReplica(device);
    return new Replica<>() {
      @Override
      public Trainables trainables() {
        return replica.trainables();
      }

      @Override
      public BatchStats accumulate(List<SftExample> microBatch, MicroBatchId id) {
        BatchStats s = replica.accumulate(microBatch, id);
        return nanTraining ? nan(s) : s;
      }

      @Override
      public BatchStats evaluate(List<SftExample> microBatch) {
        BatchStats s = replica.evaluate(microBatch);
        return nanEvaluation ? nan(s) : s;
      }

      @Override
      public void close() {
        replica.close();
      }
    };
  }

  private static BatchStats nan(BatchStats s) {
    return new BatchStats(Double.NaN, s.weight(), s.correct(), s.examples(), s.tokens());
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    inner.writeModel(dir, layout, values);
  }
}
