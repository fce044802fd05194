package io.sparkrlhf.model.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.train.Autograd;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Dropout masks as pure functions of a key, and LoRA dropout drawing them. */
class DropoutMasksTest {
  private final NDManager m = NDManager.newBaseManager();
  private static final int[][] IDS = {{3, 7, 1, 9, 4, 11}, {5, 2, 8, 8, 1, 6}};
  private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};

  @AfterEach
  void close() {
    m.close();
  }

  @Test
  void aMaskIsAFunctionOfItsKeyAndDropsAboutPOfTheElements() {
    int n = 200_001;
    boolean[] mask = DropoutMasks.keep(42, n, 0.3);
    assertArrayEquals(mask, DropoutMasks.keep(42, n, 0.3), "the same key gives the same mask");
    assertFalse(Arrays.equals(mask, DropoutMasks.keep(43, n, 0.3)), "another key gives another mask");
    int dropped = 0;
    for (boolean kept : mask) {
      dropped += kept ? 0 : 1;
    }
    double sd = Math.sqrt(0.3 * 0.7 / n);
    assertEquals(0.3, dropped / (double) n, 5 * sd, "share dropped");
    boolean[] none = DropoutMasks.keep(42, 1001, 0.0);
    for (boolean kept : none) {
      assertTrue(kept, "p = 0 keeps everything");
    }
    // Element i depends on (key, i) only: the start of a longer mask (drawn in parallel chunks) is the
    // shorter mask (drawn in one).
    boolean[] large = DropoutMasks.keep(7, 3_000_001, 0.5);
    assertArrayEquals(DropoutMasks.keep(7, 1001, 0.5), Arrays.copyOf(large, 1001));
    assertArrayEquals(DropoutMasks.keep(7, 300_001, 0.5), Arrays.copyOf(large, 300_001));
  }

  @Test
  void keysMixEveryPartInItsPlace() {
    long base = DropoutMasks.key(1, 2, 3, 4);
    assertEquals(base, DropoutMasks.key(1, 2, 3, 4));
    assertNotEquals(base, DropoutMasks.key(1, 2, 4, 3), "order matters");
    assertNotEquals(base, DropoutMasks.key(1, 2, 3, 5));
    assertNotEquals(base, DropoutMasks.key(2, 2, 3, 4));
  }

  @Test
  void applyZeroesDroppedElementsScalesTheRestAndPassesTheGradientThroughTheMask() {
    double p = 0.25;
    long key = 99;
    float[] x = new float[3 * 4 * 5];
    Random rnd = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    boolean[] kept = DropoutMasks.keep(key, x.length, p);
    float scale = (float) (1 / (1 - p));
    float[][] result = Autograd.record(gc -> {
      try (NDManager scope = m.newSubManager()) {
        NDArray in = scope.create(x, new Shape(3, 4, 5));
        in.setRequiresGradient(true);
        NDArray out = DropoutMasks.apply(in, p, key);
        gc.backward(out.sum());
        return new float[][] {out.toFloatArray(), in.getGradient().toFloatArray()};
      }
    });
    for (int i = 0; i < x.length; i++) {
      assertEquals(kept[i] ? x[i] * scale : 0f, result[0][i], 1e-6f, "element " + i);
      assertEquals(kept[i] ? scale : 0f, result[1][i], 1e-6f, "gradient of element " + i);
    }
  }

  @Test
  void loraDropoutInATrainingPassDrawsTheMasksOfItsKey() {
    DecoderLM model = TinyModels.create(TinyModels.llama(), m, DataType.FLOAT32, 23);
    model.enableLora(new LoraConfig(4, 8, 0.5, Set.of("q_proj", "v_proj")), m, DataType.FLOAT32, 1);
    for (HfParameter b : model.loraParameters()) {
      if (b.name().contains("lora_B")) { // non-zero B, so the adapters (and their dropout) change the output
        float[] v = new float[(int) b.parameter().getShape().size()];
        Arrays.fill(v, 0.3f);
        HfWeights.assign(b, v);
      }
    }

    assertThrows(IllegalStateException.class, () -> training(model), "no key: no silent global generator");
    model.seedDropout(5);
    float[] first = training(model);
    float[] second = training(model);
    model.seedDropout(5);
    float[] again = training(model);
    model.seedDropout(6);
    float[] otherKey = training(model);

    assertArrayEquals(first, again, "the same key gives the same masks");
    assertFalse(Arrays.equals(first, second), "the next pass in a micro-batch draws other masks");
    assertFalse(Arrays.equals(first, otherKey), "another key draws other masks");
  }

  private float[] training(DecoderLM model) {
    try (NDManager step = m.newSubManager()) {
      return model.forward(new ParameterStore(step, false), TinyModels.longs(step, IDS), TinyModels.longs(step, MASK),
          null, null, true).logits().toFloatArray();
    }
  }
}
