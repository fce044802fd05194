package io.sparkrlhf.model.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.hub.HfModelDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One tiny checkpoint per family and feature, written the way the family's real checkpoints are
 * (its config.json keys, its tensor names, random weights), loaded through {@link HfModelDirectory}
 * and held to the plain-Java reference forward ({@link ReferenceDecoder}, rotary frequencies from
 * {@link ReferenceRope}) within 1e-4 in float32.
 */
class ModelFamiliesTest {
  private final NDManager manager = NDManager.newBaseManager();
  private final ParameterStore ps = new ParameterStore(manager, false);
  @TempDir Path dir;

  @AfterEach
  void close() {
    manager.close();
  }

  /** Llama 3.1/3.2's config.json, sizes shrunk; original context 256 so the tiny head spans all three llama3 bands. */
  static final String LLAMA_31 = """
      {"architectures":["LlamaForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":32,
       "eos_token_id":[33,34,35],"head_dim":8,"hidden_act":"silu","hidden_size":16,"initializer_range":0.02,
       "intermediate_size":24,"max_position_embeddings":131072,"mlp_bias":false,"model_type":"llama",
       "num_attention_heads":2,"num_hidden_layers":2,"num_key_value_heads":1,"pretraining_tp":1,"rms_norm_eps":1e-05,
       "rope_scaling":{"factor":8.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
         "original_max_position_embeddings":256,"rope_type":"llama3"},
       "rope_theta":500000.0,"tie_word_embeddings":false,"torch_dtype":"bfloat16","transformers_version":"4.45.0",
       "use_cache":true,"vocab_size":37}""";

  /** Qwen2.5-0.5B's layout: q/k/v biases, tied head and no lm_head tensor, a window that is off; head_dim set apart. */
  static final String QWEN25_TIED = """
      {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":30,"eos_token_id":31,
       "head_dim":6,"hidden_act":"silu","hidden_size":16,"initializer_range":0.02,"intermediate_size":24,
       "max_position_embeddings":32768,"max_window_layers":21,"model_type":"qwen2","num_attention_heads":4,
       "num_hidden_layers":2,"num_key_value_heads":2,"rms_norm_eps":1e-06,"rope_theta":1000000.0,
       "sliding_window":2,"tie_word_embeddings":true,"torch_dtype":"bfloat16","transformers_version":"4.43.1",
       "use_cache":true,"use_sliding_window":false,"vocab_size":37}""";

  /** Qwen2.5-7B-Instruct's YaRN setting for long contexts ("type", not "rope_type"), context shrunk. */
  static final String QWEN25_YARN = """
      {"architectures":["Qwen2ForCausalLM"],"bos_token_id":30,"eos_token_id":31,"hidden_act":"silu","hidden_size":32,
       "intermediate_size":24,"max_position_embeddings":32768,"model_type":"qwen2","num_attention_heads":4,
       "num_hidden_layers":2,"num_key_value_heads":1,"rms_norm_eps":1e-06,"rope_theta":10000.0,
       "rope_scaling":{"factor":4.0,"original_max_position_embeddings":256,"type":"yarn"},
       "tie_word_embeddings":false,"use_sliding_window":false,"vocab_size":37}""";

  /** Qwen3's layout: head_dim apart from hidden/heads, per-head q_norm/k_norm, no biases, tied head. */
  static final String QWEN3 = """
      {"architectures":["Qwen3ForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":30,
       "eos_token_id":31,"head_dim":8,"hidden_act":"silu","hidden_size":16,"initializer_range":0.02,
       "intermediate_size":24,"max_position_embeddings":40960,"max_window_layers":28,"model_type":"qwen3",
       "num_attention_heads":4,"num_hidden_layers":2,"num_key_value_heads":2,"rms_norm_eps":1e-06,
       "rope_scaling":null,"rope_theta":1000000,"sliding_window":null,"tie_word_embeddings":true,
       "torch_dtype":"bfloat16","transformers_version":"4.51.0","use_cache":true,"use_sliding_window":false,
       "vocab_size":37}""";

  /** Mistral-7B-v0.1's layout with its sliding window shrunk to 3 (the test sequences are 7 long). */
  static final String MISTRAL_WINDOW = """
      {"architectures":["MistralForCausalLM"],"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":16,
       "initializer_range":0.02,"intermediate_size":24,"max_position_embeddings":32768,"model_type":"mistral",
       "num_attention_heads":4,"num_hidden_layers":2,"num_key_value_heads":2,"rms_norm_eps":1e-05,
       "rope_theta":10000.0,"sliding_window":3,"tie_word_embeddings":false,"torch_dtype":"bfloat16",
       "use_cache":true,"vocab_size":37}""";

  /** LLaMA with attention_bias (q, k, v and o) and mlp_bias on, and linear position interpolation. */
  static final String LLAMA_BIASES_LINEAR = """
      {"architectures":["LlamaForCausalLM"],"attention_bias":true,"mlp_bias":true,"bos_token_id":1,"eos_token_id":2,
       "hidden_act":"silu","hidden_size":16,"intermediate_size":24,"max_position_embeddings":64,"model_type":"llama",
       "num_attention_heads":4,"num_hidden_layers":2,"num_key_value_heads":4,"rms_norm_eps":1e-06,
       "rope_scaling":{"type":"linear","factor":4.0},"rope_theta":10000.0,"vocab_size":37}""";

  /** Dynamic NTK with max_position_embeddings 4: the 7-token test sequences go past it and grow the base. */
  static final String LLAMA_DYNAMIC = """
      {"architectures":["LlamaForCausalLM"],"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":16,
       "intermediate_size":24,"max_position_embeddings":4,"model_type":"llama","num_attention_heads":2,
       "num_hidden_layers":2,"num_key_value_heads":2,"rms_norm_eps":1e-06,
       "rope_scaling":{"rope_type":"dynamic","factor":2.0},"rope_theta":10000.0,"vocab_size":37}""";

  static Stream<Arguments> checkpoints() {
    return Stream.of(Arguments.of("llama-3.1 (llama3 rope, GQA, eos list)", LLAMA_31),
        Arguments.of("qwen2.5 tied, head_dim apart", QWEN25_TIED), Arguments.of("qwen2.5 yarn", QWEN25_YARN),
        Arguments.of("qwen3 (q/k norm)", QWEN3), Arguments.of("mistral sliding window", MISTRAL_WINDOW),
        Arguments.of("llama biases + linear rope", LLAMA_BIASES_LINEAR), Arguments.of("llama dynamic rope", LLAMA_DYNAMIC));
  }

  private static final int[][] IDS = {{3, 7, 1, 9, 4, 11, 5}, {0, 0, 5, 2, 8, 6, 10}};
  private static final int[][] MASK = {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1}};

  /** Writes config.json as given and model.safetensors with random weights; returns the weights by HF name. */
  private Map<String, float[]> writeCheckpoint(String configJson, long seed) throws Exception {
    ModelConfig config = ModelConfig.fromHfJson(configJson.getBytes(StandardCharsets.UTF_8), "config.json");
    Map<String, float[]> weights = new LinkedHashMap<>();
    try (NDManager scratch = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config, scratch, DataType.FLOAT32, seed);
      for (HfParameter p : model.hfParameters()) {
        weights.put(p.name(), HfWeights.export(p));
      }
      CheckpointWriter.write(dir, "model", HfWeights.tensors(model, DType.F32), Long.MAX_VALUE, Map.of("format", "pt"));
    }
    Files.writeString(dir.resolve("config.json"), configJson);
    return weights;
  }

  private float[] logits(DecoderLM model, int[][] ids, int[][] mask) {
    return model.forward(ps, TinyModels.longs(manager, ids), TinyModels.longs(manager, mask), null, null, false)
        .logits().toFloatArray();
  }

  /** max |reference − actual| over real tokens, asserting each within 1e-4 (relative above 1). */
  private static double compare(double[][][] expected, float[] actual, int vocab, String what) {
    double maxAbs = 0;
    int t = IDS[0].length;
    for (int b = 0; b < IDS.length; b++) {
      for (int i = 0; i < t; i++) {
        if (MASK[b][i] == 0) {
          continue;
        }
        for (int v = 0; v < vocab; v++) {
          double e = expected[b][i][v];
          float a = actual[(b * t + i) * vocab + v];
          assertEquals(e, a, 1e-4 * Math.max(1, Math.abs(e)), what + " b" + b + " t" + i + " v" + v);
          maxAbs = Math.max(maxAbs, Math.abs(e));
        }
      }
    }
    return maxAbs;
  }

  private static double maxDifference(double[][][] x, double[][][] y) {
    double d = 0;
    for (int b = 0; b < x.length; b++) {
      for (int i = 0; i < x[b].length; i++) {
        if (MASK[b][i] == 0) {
          continue;
        }
        for (int v = 0; v < x[b][i].length; v++) {
          d = Math.max(d, Math.abs(x[b][i][v] - y[b][i][v]));
        }
      }
    }
    return d;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checkpoints")
  void aCheckpointOfTheFamilyLoadsAndMatchesThePlainReference(String name, String configJson) throws Exception {
    Map<String, float[]> weights = writeCheckpoint(configJson, 7);
    HfModelDirectory.Loaded loaded = HfModelDirectory.load(dir, manager, DataType.FLOAT32);
    ModelConfig config = loaded.model().config();
    double[][][] expected = new ReferenceDecoder(config, weights).logits(IDS, MASK, null);
    double maxAbs = compare(expected, logits(loaded.model(), IDS, MASK), config.vocabSize(), name);
    assertTrue(maxAbs > 0.5, "logits must not be trivially small: " + maxAbs);
    // The feature under test must change the logits, or matching the reference would prove nothing.
    ModelConfig plain = plainLlama(config);
    if (!plain.equals(config)) {
      Map<String, float[]> plainWeights = new LinkedHashMap<>(weights);
      boolean qwen2 = config.modelType().equals("qwen2");
      plainWeights.keySet().removeIf(k -> k.contains("_norm.")
          || k.endsWith(".bias") && !(qwen2 && k.matches(".*\\.[qkv]_proj\\.bias")));
      double[][][] without = new ReferenceDecoder(plain, plainWeights).logits(IDS, MASK, null);
      assertTrue(maxDifference(expected, without) > 1e-2, name + ": the feature does not change the logits");
    }
  }

  /** The same head size and weights with plain rotary, full causal attention, no q/k norm and no biases. */
  private static ModelConfig plainLlama(ModelConfig c) {
    boolean qwen2 = c.modelType().equals("qwen2"); // q/k/v biases are Qwen2's own, not the feature
    return new ModelConfig(c.family(), c.modelType(), c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(),
        c.numKvHeads(), c.intermediateSize(), c.maxPositions(), c.normEps(), c.ropeTheta(), c.tieWordEmbeddings(),
        qwen2 && c.attentionBias(), c.bosTokenId(), c.eosTokenId(), c.padTokenId(), c.headDim(), null, false, false,
        false, null, c.eosTokenIds());
  }

  @Test
  void theConfigKeysLandWhereTheyShould() {
    ModelConfig llama = parse(LLAMA_31);
    assertEquals("llama3", llama.ropeScaling().type());
    assertArrayEquals(new int[] {33, 34, 35}, llama.eosTokenIdArray());
    assertEquals(33, llama.eosTokenId());
    ModelConfig qwen = parse(QWEN25_TIED);
    assertEquals(6, qwen.headDim());
    assertTrue(qwen.attentionBias() && !qwen.attentionOutputBias() && qwen.tieWordEmbeddings());
    assertNull(qwen.slidingWindow(), "use_sliding_window false: no window");
    ModelConfig qwen3 = parse(QWEN3);
    assertTrue(qwen3.qkNorm() && !qwen3.attentionBias() && qwen3.headDim() == 8);
    assertEquals(3, parse(MISTRAL_WINDOW).slidingWindow());
    assertNull(parse(MISTRAL_WINDOW.replace("\"sliding_window\":3", "\"sliding_window\":null")).slidingWindow());
    assertNull(parse(MISTRAL_WINDOW.replace("\"sliding_window\":3", "\"sliding_window\":3,\"use_sliding_window\":false"))
        .slidingWindow());
    ModelConfig biases = parse(LLAMA_BIASES_LINEAR);
    assertTrue(biases.attentionBias() && biases.attentionOutputBias() && biases.mlpBias());
    for (String json : new String[] {LLAMA_31, QWEN25_TIED, QWEN25_YARN, QWEN3, MISTRAL_WINDOW, LLAMA_BIASES_LINEAR,
        LLAMA_DYNAMIC}) {
      ModelConfig c = parse(json);
      assertEquals(c, ModelConfig.fromHfJson(c.toHfJson(), "written back"), "config.json written back: " + json);
    }
  }

  @Test
  void slidingWindowHoldsWithTheKvCache() throws Exception {
    writeCheckpoint(MISTRAL_WINDOW, 3);
    DecoderLM model = HfModelDirectory.load(dir, manager, DataType.FLOAT32).model();
    float[] full = logits(model, IDS, MASK);
    int vocab = model.config().vocabSize();
    int prefix = 2;
    DecoderLM.Output out = model.forward(ps, TinyModels.longs(manager, cut(IDS, 0, prefix)),
        TinyModels.longs(manager, cut(MASK, 0, prefix)), null, null, false);
    for (int t = prefix; t < 7; t++) {
      out = model.forward(ps, TinyModels.longs(manager, cut(IDS, t, t + 1)), TinyModels.longs(manager, cut(MASK, 0, t + 1)),
          null, out.cache(), false);
      float[] step = out.logits().toFloatArray();
      for (int b = 0; b < 2; b++) {
        for (int v = 0; v < vocab; v++) {
          float expected = full[(b * 7 + t) * vocab + v];
          assertEquals(expected, step[b * vocab + v], 1e-4 * Math.max(1, Math.abs(expected)), "step " + t);
        }
      }
    }
  }

  @Test
  void unsupportedKeysFailBeforeAnyWeightIsRead() throws Exception {
    // Not a safetensors file: reading it would fail with a different message.
    Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
    String[][] cases = {
        {LLAMA_31.replace("\"rope_type\":\"llama3\"", "\"rope_type\":\"longrope\""), "rope_scaling.rope_type 'longrope'"},
        {LLAMA_31.replace("\"low_freq_factor\":1.0,", ""), "rope_scaling.low_freq_factor"},
        {QWEN25_YARN.replace("\"type\":\"yarn\"", "\"type\":\"yarn\",\"extrapolation_factor\":2"),
            "rope_scaling.extrapolation_factor"},
        {QWEN25_TIED.replace("\"use_sliding_window\":false", "\"use_sliding_window\":true"), "use_sliding_window"},
        {QWEN3.replace("\"rope_scaling\":null", "\"partial_rotary_factor\":0.5"), "partial_rotary_factor"},
        {QWEN3.replace("\"rope_scaling\":null", "\"quantization_config\":{\"quant_method\":\"awq\"}"), "quantization_config"},
        {QWEN3.replace("\"hidden_act\":\"silu\"", "\"hidden_act\":\"gelu\""), "hidden_act 'gelu'"},
    };
    for (String[] c : cases) {
      Files.writeString(dir.resolve("config.json"), c[0]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> HfModelDirectory.load(dir, manager, DataType.FLOAT32));
      assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("config.json"), e.getMessage());
    }
  }

  @Test
  void aQwen2CheckpointWithExplicitHeadDimIsNoLongerRefused() throws Exception {
    // The report: q_proj [96, 64] with hidden 64, 4 heads and head_dim 24.
    String json = QWEN25_TIED.replace("\"head_dim\":6", "\"head_dim\":24").replace("\"hidden_size\":16", "\"hidden_size\":64");
    writeCheckpoint(json, 1);
    DecoderLM model = HfModelDirectory.load(dir, manager, DataType.FLOAT32).model();
    long[] shape = model.hfParameters().stream().filter(p -> p.name().endsWith("layers.0.self_attn.q_proj.weight"))
        .findFirst().orElseThrow().parameter().getShape().getShape();
    assertArrayEquals(new long[] {96, 64}, shape);
  }

  private static ModelConfig parse(String json) {
    return ModelConfig.fromHfJson(json.getBytes(StandardCharsets.UTF_8), "config.json");
  }

  private static int[][] cut(int[][] v, int from, int to) {
    int[][] out = new int[v.length][];
    for (int b = 0; b < v.length; b++) {
      out[b] = java.util.Arrays.copyOfRange(v[b], from, to);
    }
    return out;
  }
}
