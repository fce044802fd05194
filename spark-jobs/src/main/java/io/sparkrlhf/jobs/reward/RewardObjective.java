package io.sparkrlhf.jobs.reward;

import ai.djl.Device;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.jobs.train.HfCheckpoints;
import io.sparkrlhf.jobs.train.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reward modelling on preference pairs. {@code marginScale} × the pair's margin is subtracted
 * inside the sigmoid (Llama 2's margin loss; 0 turns it off); sequences longer than
 * {@code maxLength} are cut. Checkpoints are an {@code XForSequenceClassification} directory or a
 * SEQ_CLS PEFT adapter with the score head as a module saved in full.
 */
public record RewardObjective(ModelSpec spec, int maxLength, double marginScale, int padTokenId, long headSeed)
    implements Objective<PreferencePair> {
  public RewardObjective {
    if (maxLength < 2) {
      throw new IllegalArgumentException("reward max-length must be >= 2, found " + maxLength);
    }
  }

  @Override
  public Replica<PreferencePair> createReplica(Device device) throws IOException {
    return new RewardReplica(this, device);
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    if (spec.lora() == null) {
      HfCheckpoints.writeFull(dir, spec, layout, values, true);
    } else {
      HfCheckpoints.writeAdapter(dir, spec, layout, values, "SEQ_CLS", List.of("score"));
    }
  }

  @Override
  public boolean reportsAccuracy() {
    return true;
  }
}
