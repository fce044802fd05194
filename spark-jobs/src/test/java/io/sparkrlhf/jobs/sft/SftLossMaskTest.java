package io.sparkrlhf.jobs.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A loss mask restricts SFT's loss to the response: for prompt [5, 6, 7] and response [8, 9], the
 * causal model's summed loss on the response equals loss([5..9]) − loss([5, 6, 7]) (the predictions
 * of 6 and 7 see the same tokens in both), padding after it changing nothing.
 */
class SftLossMaskTest {
  @Test
  void responseOnlyLossIsTheFullLossMinusThePromptsLoss() throws Exception {
    ModelSpec spec = ModelSpec.fresh(TinyModels.llama(), 7, "float32", null, 0);
    try (SftReplica replica = new SftReplica(spec, Device.cpu())) {
      BatchStats full = replica.evaluate(List.of(new SftExample(new int[] {5, 6, 7, 8, 9}, new int[5])));
      BatchStats prompt = replica.evaluate(List.of(new SftExample(new int[] {5, 6, 7}, new int[3])));
      BatchStats masked = replica.evaluate(List.of(new SftExample(new int[] {5, 6, 7, 8, 9, 0, 0},
          new int[] {0, 0, 0, 0, 0, 1, 1}, new int[] {0, 0, 0, 1, 1, 0, 0})));
      assertEquals(4, full.weight(), 0);
      assertEquals(2, masked.weight(), 0, "two response tokens predicted");
      assertEquals(full.lossSum() - prompt.lossSum(), masked.lossSum(), 1e-4);
    }
  }
}
