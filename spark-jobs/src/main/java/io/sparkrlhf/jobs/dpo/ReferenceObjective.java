package io.sparkrlhf.jobs.dpo;

import ai.djl.Device;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.jobs.train.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;

/** The reference policy alone, frozen, for the pass that precomputes reference log-probs. Nothing is trained. */
public record ReferenceObjective(ModelSpec spec, boolean averageTokens, int padTokenId) implements Objective<DpoExample> {
  public ReferenceObjective {
    spec = spec.withLora(null, 0); // the policy as it starts: new adapters would add nothing yet
  }

  @Override
  public Replica<DpoExample> createReplica(Device device) throws IOException {
    return new ReferenceReplica(this, device);
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) {
    throw new UnsupportedOperationException("the reference model is not trained");
  }
}
