package io.sparkrlhf.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.LoraConfig;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradients must not depend on when the garbage collector runs. DJL backs small tensors (scalar
 * constants, copied-in values) with Java direct buffers; if such a tensor is closed while autograd
 * still holds it, or .grad is pointed into one, a collection frees memory libtorch later reads.
 * With a thread forcing collections, every backward pass must still give the same gradients.
 */
class GarbageCollectionSafetyTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gpt2", "llama"})
  void gradientsAreTheSameWhileTheCollectorRuns(String family) throws Exception {
    ModelConfig config = family.equals("gpt2") ? TinyModels.gpt2() : TinyModels.llama();
    try (NDManager manager = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config, manager, DataType.FLOAT32, 3);
      model.enableLora(new LoraConfig(2, 4, 0, Set.of(family.equals("gpt2") ? "c_attn" : "q_proj")), manager,
          DataType.FLOAT32, 5);
      Trainables trainables = Trainables.of(model.loraParameters(), p -> true);
      ParameterStore ps = new ParameterStore(manager, false);
      int[][] ids = {{1, 5, 9, 2, 7, 3}, {4, 4, 8, 1, 0, 6}};
      float[] reference = gradients(model, trainables, ps, manager, ids);
      assertTrue(java.util.stream.IntStream.range(0, reference.length).allMatch(i -> Float.isFinite(reference[i])));
      assertTrue(java.util.stream.IntStream.range(0, reference.length).anyMatch(i -> reference[i] != 0));

      Thread collector = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          System.gc();
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      collector.setDaemon(true);
      collector.start();
      try {
        for (int i = 0; i < 25; i++) {
          assertArrayEquals(reference, gradients(model, trainables, ps, manager, ids), "backward pass " + i);
        }
      } finally {
        collector.interrupt();
        collector.join();
      }
    }
  }

  /** ∂/∂θ of a causal-LM loss plus a pairwise loss on the mean hidden state (softplus, SiLU/GELU, scaling, LoRA). */
  private static float[] gradients(DecoderLM model, Trainables trainables, ParameterStore ps, NDManager manager,
      int[][] ids) {
    trainables.zeroGradients();
    Autograd.record(collector -> {
      try (NDManager scope = manager.newSubManager()) {
        NDArray tokens = TinyModels.longs(scope, ids);
        NDArray mask = scope.ones(tokens.getShape(), DataType.INT64);
        DecoderLM.Output out = model.forward(ps, tokens, mask, null, null, true);
        NDArray lm = Losses.causalLm(out.logits(), tokens, mask, null).total();
        NDArray score = out.hidden().mean(new int[] {2}).mean(new int[] {1}); // (B)
        NDArray pair = Losses.pairwiseReward(score.get("0:1"), score.get("1:2"), null).lossSum();
        for (int k = 0; k < 20; k++) {
          scope.create(new float[1024]); // garbage for the collector, and direct buffers to reuse freed memory
        }
        System.gc();
        collector.backward(lm.add(pair));
      }
      return null;
    });
    return trainables.gradients();
  }
}
