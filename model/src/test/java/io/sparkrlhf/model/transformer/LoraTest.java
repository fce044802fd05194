package io.sparkrlhf.model.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.checkpoint.SafetensorsFile;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LoraTest {
  private final NDManager m = NDManager.newBaseManager();
  private final ParameterStore ps = new ParameterStore(m, false);
  @TempDir Path dir;
  private static final int[][] IDS = {{3, 7, 1, 9, 4, 11}};
  private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}};

  @AfterEach
  void close() {
    m.close();
  }

  record Case(ModelConfig config, LoraConfig lora) {}

  static Stream<Case> cases() {
    return Stream.of(
        new Case(TinyModels.llama(), new LoraConfig(4, 8, 0, Set.of("q_proj", "v_proj", "down_proj"))),
        new Case(TinyModels.gpt2(), new LoraConfig(2, 16, 0, Set.of("c_attn", "c_fc"))));
  }

  private float[] logits(DecoderLM model) {
    return model.forward(ps, TinyModels.longs(m, IDS), TinyModels.longs(m, MASK), null, null, false).logits().toFloatArray();
  }

  /** Gives every B a random value, as training would. */
  private static void randomizeB(DecoderLM model, long seed) {
    Random rnd = new Random(seed);
    for (HfParameter p : model.loraParameters()) {
      if (p.name().contains("lora_B")) {
        float[] v = new float[(int) p.parameter().getShape().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = 0.2f * (float) rnd.nextGaussian();
        }
        HfWeights.assign(p, v);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void zeroBLeavesTheModelUnchangedAndAdaptersOffIsTheBase(Case c) {
    DecoderLM model = TinyModels.create(c.config(), m, DataType.FLOAT32, 21);
    float[] base = logits(model);
    model.enableLora(c.lora(), m, DataType.FLOAT32, 1);
    assertArrayEquals(base, logits(model), 0f, "B = 0: identical output");
    randomizeB(model, 2);
    float[] adapted = logits(model);
    assertTrue(maxDiff(base, adapted) > 1e-3, "a trained adapter changes the output");
    model.setAdaptersEnabled(false);
    assertArrayEquals(base, logits(model), 0f, "adapters off: the base model");
    model.setAdaptersEnabled(true);
    assertArrayEquals(adapted, logits(model), 0f);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void mergedEqualsUnmerged(Case c) {
    DecoderLM model = TinyModels.create(c.config(), m, DataType.FLOAT32, 22);
    model.enableLora(c.lora(), m, DataType.FLOAT32, 1);
    randomizeB(model, 3);
    float[] adapted = logits(model);
    model.mergeAdapters();
    assertTrue(model.loraParameters().isEmpty());
    assertArrayEquals(adapted, logits(model), 1e-5f);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void onlyAdaptersAreTrainableAndGetGradients(Case c) {
    DecoderLM model = TinyModels.create(c.config(), m, DataType.FLOAT32, 23);
    model.enableLora(c.lora(), m, DataType.FLOAT32, 1);
    assertEquals(0, Trainables.of(model.hfParameters(), p -> true).size(), "the base is frozen");
    Trainables adapters = Trainables.of(model.loraParameters(), p -> true);
    assertTrue(adapters.names().stream().allMatch(n -> n.contains(".lora_A.") || n.contains(".lora_B.")));
    float[] grads = Autograd.record(gc -> {
      adapters.zeroGradients();
      try (NDManager step = m.newSubManager()) {
        NDArray ids = TinyModels.longs(step, IDS);
        NDArray logits = model.forward(new ParameterStore(step, false), ids, TinyModels.longs(step, MASK), null, null, true).logits();
        gc.backward(Losses.causalLm(logits, ids, TinyModels.longs(step, MASK), null).mean());
      }
      return adapters.gradients();
    });
    double norm = 0;
    for (float g : grads) {
      norm += g * g;
    }
    assertTrue(norm > 0, "LoRA B receives gradient even while it is zero");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void peftRoundTrip(Case c) throws Exception {
    DecoderLM trained = TinyModels.create(c.config(), m, DataType.FLOAT32, 24);
    trained.enableLora(c.lora(), m, DataType.FLOAT32, 1);
    randomizeB(trained, 4);
    float[] expected = logits(trained);
    PeftAdapter.save(trained, c.lora(), dir, "tiny-base");

    JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertEquals("LORA", config.get("peft_type").asText());
    assertEquals(c.lora().rank(), config.get("r").asInt());
    assertEquals(c.config().family() == ModelConfig.Family.GPT2, config.get("fan_in_fan_out").asBoolean());
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      String first = f.tensors().keySet().iterator().next();
      assertTrue(first.startsWith("base_model.model." + (c.config().family() == ModelConfig.Family.LLAMA
          ? "model.layers.0.self_attn.q_proj" : "transformer.h.0.attn.c_attn") + ".lora_"), first);
    }

    DecoderLM fresh = TinyModels.create(c.config(), m, DataType.FLOAT32, 24); // same base weights
    assertEquals(c.lora(), PeftAdapter.load(fresh, dir, m, DataType.FLOAT32));
    assertArrayEquals(expected, logits(fresh), 0f);
  }

  /**
   * A LoRA SFT result fine-tuned in full (reward model, SFT or PPO from it): merge, unfreeze, train.
   * The merge runs with libtorch's grad mode on, as on Spark's replica thread when another thread
   * loaded DJL's engine: grad mode is per thread and on by default, and DJL turns it off only on the
   * thread that loaded the engine.
   */
  @ParameterizedTest
  @MethodSource("cases")
  void aMergedModelTrainsInFullLikeAPlainOne(Case c) {
    DecoderLM model = TinyModels.create(c.config(), m, DataType.FLOAT32, 26);
    model.enableLora(c.lora(), m, DataType.FLOAT32, 1);
    randomizeB(model, 5);
    float[] adapted = logits(model);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try {
      model.mergeAdapters();
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    assertArrayEquals(adapted, logits(model), 1e-5f, "merged = base + adapter applied unmerged");

    // The same weights in a model that never had an adapter: what full fine-tuning must compute.
    DecoderLM plain = TinyModels.create(c.config(), m, DataType.FLOAT32, 0);
    for (int i = 0; i < plain.hfParameters().size(); i++) {
      HfWeights.assign(plain.hfParameters().get(i), HfWeights.export(model.hfParameters().get(i)));
    }
    for (HfParameter p : model.hfParameters()) {
      p.parameter().freeze(true); // a frozen copy (PPO's reference, the reward scorer) ...
      p.parameter().freeze(false); // ... or full fine-tuning
    }
    Trainables merged = Trainables.of(model.hfParameters(), p -> true);
    Trainables expected = Trainables.of(plain.hfParameters(), p -> true);
    assertEquals(expected.names(), merged.names());
    for (int step = 0; step < 2; step++) {
      float[] g = gradients(model, merged);
      float[] want = gradients(plain, expected);
      assertArrayEquals(want, g, 1e-6f, "step " + step);
      float[] values = expected.values();
      for (int i = 0; i < values.length; i++) {
        values[i] -= 0.1f * want[i];
      }
      merged.setValues(values);
      expected.setValues(values);
    }
  }

  private float[] gradients(DecoderLM model, Trainables trainables) {
    return Autograd.record(gc -> {
      trainables.zeroGradients();
      try (NDManager step = m.newSubManager()) {
        NDArray ids = TinyModels.longs(step, IDS);
        NDArray logits = model.forward(new ParameterStore(step, false), ids, TinyModels.longs(step, MASK), null, null, true).logits();
        gc.backward(Losses.causalLm(logits, ids, TinyModels.longs(step, MASK), null).mean());
      }
      return trainables.gradients();
    });
  }

  @Test
  void unknownTargetModuleNamesTheAvailableOnes() {
    DecoderLM model = TinyModels.create(TinyModels.gpt2(), m, DataType.FLOAT32, 25);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.enableLora(new LoraConfig(2, 4, 0, Set.of("q_proj")), m, DataType.FLOAT32, 1));
    assertTrue(e.getMessage().contains("'q_proj'") && e.getMessage().contains("c_attn"), e.getMessage());
  }

  private static double maxDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }
}
