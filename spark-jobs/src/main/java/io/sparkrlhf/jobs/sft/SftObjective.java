package io.sparkrlhf.jobs.sft;

import ai.djl.Device;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.jobs.train.HfCheckpoints;
import io.sparkrlhf.jobs.train.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Supervised fine-tuning: causal LM on packed blocks; checkpoints are a causal-LM directory or a PEFT adapter. */
public record SftObjective(ModelSpec spec) implements Objective<SftExample> {
  @Override
  public Replica<SftExample> createReplica(Device device) throws IOException {
    return new SftReplica(spec, device);
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    if (spec.lora() == null) {
      HfCheckpoints.writeFull(dir, spec, layout, values, false);
    } else {
      HfCheckpoints.writeAdapter(dir, spec, layout, values, "CAUSAL_LM", List.of());
    }
  }
}
