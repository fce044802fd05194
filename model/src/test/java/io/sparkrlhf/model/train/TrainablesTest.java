package io.sparkrlhf.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainablesTest {
  private final NDManager manager = NDManager.newBaseManager();
  private static final int[][] IDS = {{3, 7, 1, 9, 4, 11}, {0, 0, 5, 2, 8, 6}};
  private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}};

  @AfterEach
  void close() {
    manager.close();
  }

  static Stream<ModelConfig> configs() {
    return Stream.of(TinyModels.llama(), TinyModels.gpt2());
  }

  private static double loss(DecoderLM model, NDManager m, boolean training) {
    NDArray ids = TinyModels.longs(m, IDS);
    NDArray mask = TinyModels.longs(m, MASK);
    NDArray logits = model.forward(new ParameterStore(m, false), ids, mask, null, null, training).logits();
    return Losses.causalLm(logits, ids, mask, null).mean().toType(DataType.FLOAT64, false).getDouble();
  }

  /** Backpropagated gradient of the mean LM loss. */
  private static float[] gradients(DecoderLM model, Trainables t, NDManager m) {
    return Autograd.record(gc -> {
      t.zeroGradients();
      try (NDManager step = m.newSubManager()) {
        NDArray ids = TinyModels.longs(step, IDS);
        NDArray mask = TinyModels.longs(step, MASK);
        NDArray logits = model.forward(new ParameterStore(step, false), ids, mask, null, null, true).logits();
        gc.backward(Losses.causalLm(logits, ids, mask, null).mean());
        return t.gradients();
      }
    });
  }

  @ParameterizedTest
  @MethodSource("configs")
  void gradientsMatchCentralFiniteDifferencesInFloat64(ModelConfig config) {
    DecoderLM model = TinyModels.create(config, manager, DataType.FLOAT64, 11);
    Trainables t = Trainables.of(model.hfParameters(), p -> true);
    float[] analytic = gradients(model, t, manager);
    float[] base = t.values();
    // A few values of every parameter tensor: embeddings, norms, projections, biases, head.
    List<Integer> probes = new ArrayList<>();
    int at = 0;
    for (var p : model.hfParameters()) {
      int n = (int) p.parameter().getShape().size();
      probes.add(at);
      probes.add(at + n / 2);
      probes.add(at + n - 1);
      at += n;
    }
    double eps = 1e-3;
    int checked = 0;
    for (int i : probes) {
      float[] plus = base.clone();
      plus[i] += (float) eps;
      t.setValues(plus);
      double up = loss(model, manager, false);
      float[] minus = base.clone();
      minus[i] -= (float) eps;
      t.setValues(minus);
      double down = loss(model, manager, false);
      double numeric = (up - down) / ((double) plus[i] - minus[i]);
      assertEquals(numeric, analytic[i], 1e-4 + 1e-3 * Math.abs(numeric), config.modelType() + " value " + i);
      checked += Math.abs(numeric) > 1e-6 ? 1 : 0;
    }
    t.setValues(base);
    assertTrue(checked > probes.size() / 2, "most probes must have a non-zero gradient: " + checked);
  }

  @Test
  void backwardPassesAccumulateUntilZeroed() {
    DecoderLM model = TinyModels.create(TinyModels.llama(), manager, DataType.FLOAT32, 14);
    Trainables t = Trainables.of(model.hfParameters(), p -> true);
    float[] once = gradients(model, t, manager);
    float[] twice = Autograd.record(gc -> {
      t.zeroGradients();
      for (int i = 0; i < 2; i++) {
        try (NDManager step = manager.newSubManager()) {
          NDArray ids = TinyModels.longs(step, IDS);
          NDArray mask = TinyModels.longs(step, MASK);
          NDArray logits = model.forward(new ParameterStore(step, false), ids, mask, null, null, true).logits();
          gc.backward(Losses.causalLm(logits, ids, mask, null).mean());
        }
      }
      return t.gradients();
    });
    for (int i = 0; i < once.length; i += 97) {
      assertEquals(2 * once[i], twice[i], 1e-5 + 1e-5 * Math.abs(once[i]));
    }
  }

  @Test
  void flatValuesRoundTripInCheckpointLayout() {
    DecoderLM model = TinyModels.create(TinyModels.gpt2(), manager, DataType.FLOAT32, 12);
    Trainables t = Trainables.of(model.hfParameters(), p -> true);
    float[] v = t.values();
    assertEquals(t.size(), v.length);
    float[] shifted = v.clone();
    for (int i = 0; i < shifted.length; i++) {
      shifted[i] += i % 7;
    }
    t.setValues(shifted);
    assertArrayEquals(shifted, t.values());
    assertEquals("transformer.wte.weight", t.names().get(0));
    Trainables onlyBiases = Trainables.of(model.hfParameters(), p -> p.name().endsWith(".bias"));
    assertTrue(onlyBiases.size() < t.size() && onlyBiases.names().stream().allMatch(n -> n.endsWith(".bias")));
  }

  @Test
  void concurrentTrainingStepsInOneJvmTakeTurnsAndAgree() throws Exception {
    List<DecoderLM> models = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      models.add(TinyModels.create(TinyModels.llama(), manager, DataType.FLOAT32, 13));
    }
    float[] sequential = gradients(models.get(0), Trainables.of(models.get(0).hfParameters(), p -> true), manager);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (DecoderLM m : models) {
        results.add(pool.submit(() -> {
          float[] last = null;
          for (int r = 0; r < 5; r++) {
            last = gradients(m, Trainables.of(m.hfParameters(), p -> true), manager);
          }
          return last;
        }));
      }
      for (Future<float[]> f : results) {
        assertArrayEquals(sequential, f.get(), 1e-6f);
      }
    } finally {
      pool.shutdown();
    }
  }
}
