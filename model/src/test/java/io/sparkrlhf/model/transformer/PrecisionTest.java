package io.sparkrlhf.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.stream.Stream;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** fp16 (the GPU path) runs on CPU too and stays close to float32; bf16 is refused with a reason. */
class PrecisionTest {
  private final NDManager m = NDManager.newBaseManager();

  @AfterEach
  void close() {
    m.close();
  }

  static Stream<Object[]> cases() {
    return Stream.of(new Object[] {TinyModels.llama(), DataType.FLOAT16}, new Object[] {TinyModels.gpt2(), DataType.FLOAT16});
  }

  @ParameterizedTest
  @MethodSource("cases")
  void halfPrecisionLogitsTrackFloat32(ModelConfig config, DataType half) {
    int[][] ids = {{3, 7, 1, 9, 4, 11}, {0, 0, 5, 2, 8, 6}};
    int[][] mask = {{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}};
    float[] full = TinyModels.create(config, m, DataType.FLOAT32, 41).forward(new ParameterStore(m, false),
        TinyModels.longs(m, ids), TinyModels.longs(m, mask), null, null, false).logits().toFloatArray();
    DecoderLM low = TinyModels.create(config, m, half, 41);
    var logits = low.forward(new ParameterStore(m, false), TinyModels.longs(m, ids), TinyModels.longs(m, mask), null, null, false).logits();
    assertEquals(half, logits.getDataType());
    float[] approx = logits.toType(DataType.FLOAT32, false).toFloatArray();
    double maxErr = 0;
    double maxAbs = 0;
    int vocab = config.vocabSize();
    for (int i = 0; i < full.length; i++) {
      int row = i / (6 * vocab);
      int t = (i / vocab) % 6;
      if (mask[row][t] == 1) {
        maxErr = Math.max(maxErr, Math.abs(full[i] - approx[i]));
        maxAbs = Math.max(maxAbs, Math.abs(full[i]));
      }
    }
    assertTrue(maxErr < 0.05 * maxAbs, half + ": max error " + maxErr + " vs logits up to " + maxAbs);
  }

  @Test
  void bfloat16IsRefusedBeforeItCanAbortTheJvm() {
    DecoderLM model = new DecoderLM(TinyModels.llama());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.initialize(m, DataType.BFLOAT16, new Shape(1, 1)));
    assertTrue(e.getMessage().contains("float16"), e.getMessage());
  }
}
