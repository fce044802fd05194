package io.sparkrlhf.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.config.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DecoderLMTest {
  private final NDManager manager = NDManager.newBaseManager();
  private final ParameterStore ps = new ParameterStore(manager, false);
  @TempDir Path dir;

  @AfterEach
  void close() {
    manager.close();
  }

  static ModelConfig llama() {
    return TinyModels.llama();
  }

  static ModelConfig qwen2Tied() {
    return new ModelConfig(ModelConfig.Family.LLAMA, "qwen2", 29, 16, 2, 4, 1, 20, 64, 1e-6, 1000, true, true, null, 2, null);
  }

  static ModelConfig gpt2() {
    return TinyModels.gpt2();
  }

  static Stream<ModelConfig> configs() {
    return Stream.of(llama(), qwen2Tied(), gpt2());
  }

  /** A model with TinyModels' random weights; fills {@code hfWeights} with them in HF layout for the reference. */
  private DecoderLM model(ModelConfig config, long seed, Map<String, float[]> hfWeights) {
    DecoderLM model = TinyModels.create(config, manager, DataType.FLOAT32, seed);
    for (HfParameter p : model.hfParameters()) {
      hfWeights.put(p.name(), HfWeights.export(p));
    }
    return model;
  }

  private float[][][] logits(DecoderLM model, int[][] ids, int[][] mask, int[][] docIds) {
    NDArray out = model.forward(ps, longs(ids), longs(mask), docIds == null ? null : longs(docIds), null, false).logits();
    return reshape(out.toFloatArray(), ids.length, ids[0].length, model.config().vocabSize());
  }

  private NDArray longs(int[][] v) {
    return TinyModels.longs(manager, v);
  }

  private static float[][][] reshape(float[] flat, int b, int t, int v) {
    float[][][] out = new float[b][t][v];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        System.arraycopy(flat, (i * t + j) * v, out[i][j], 0, v);
      }
    }
    return out;
  }

  private static void assertClose(double expected, double actual, String where) {
    assertEquals(expected, actual, 1e-4 * Math.max(1, Math.abs(expected)), where);
  }

  @ParameterizedTest
  @MethodSource("configs")
  void logitsMatchThePlainJavaReference(ModelConfig config) {
    Map<String, float[]> w = new LinkedHashMap<>();
    DecoderLM model = model(config, 1, w);
    int[][] ids = {{3, 7, 1, 9, 4, 11}, {0, 0, 5, 2, 8, 6}};
    int[][] mask = {{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}};
    float[][][] actual = logits(model, ids, mask, null);
    double[][][] expected = new ReferenceDecoder(config, w).logits(ids, mask, null);
    double maxAbs = 0;
    for (int b = 0; b < 2; b++) {
      for (int t = 0; t < 6; t++) {
        if (mask[b][t] == 0) {
          continue;
        }
        for (int v = 0; v < config.vocabSize(); v++) {
          assertClose(expected[b][t][v], actual[b][t][v], config.modelType() + " b" + b + " t" + t + " v" + v);
          maxAbs = Math.max(maxAbs, Math.abs(expected[b][t][v]));
        }
      }
    }
    assertTrue(maxAbs > 0.5, "logits must not be trivially small: " + maxAbs);
  }

  @ParameterizedTest
  @MethodSource("configs")
  void kvCacheDecodingEqualsRecomputingTheSequence(ModelConfig config) {
    DecoderLM model = model(config, 2, new LinkedHashMap<>());
    int[][] ids = {{0, 4, 9, 2, 7, 3, 5}, {6, 1, 8, 3, 2, 9, 4}};
    int[][] mask = {{0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}}; // a left pad in row 0
    float[][][] full = logits(model, ids, mask, null);
    int prefix = 3;
    DecoderLM.Output out = model.forward(ps, longs(cut(ids, 0, prefix)), longs(cut(mask, 0, prefix)), null, null, false);
    for (int t = prefix; t < 7; t++) {
      out = model.forward(ps, longs(cut(ids, t, t + 1)), longs(cut(mask, 0, t + 1)), null, out.cache(), false);
      float[][][] step = reshape(out.logits().toFloatArray(), 2, 1, config.vocabSize());
      for (int b = 0; b < 2; b++) {
        for (int v = 0; v < config.vocabSize(); v++) {
          assertClose(full[b][t][v], step[b][0][v], config.modelType() + " step " + t);
        }
      }
    }
    assertEquals(7, out.cache().length());
  }

  @ParameterizedTest
  @MethodSource("configs")
  void leftPaddingDoesNotChangeASequencesLogits(ModelConfig config) {
    DecoderLM model = model(config, 3, new LinkedHashMap<>());
    float[][][] alone = logits(model, new int[][] {{5, 3, 8, 1}}, new int[][] {{1, 1, 1, 1}}, null);
    float[][][] padded = logits(model, new int[][] {{0, 0, 0, 5, 3, 8, 1}, {2, 4, 6, 8, 1, 3, 5}},
        new int[][] {{0, 0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}}, null);
    for (int t = 0; t < 4; t++) {
      for (int v = 0; v < config.vocabSize(); v++) {
        assertClose(alone[0][t][v], padded[0][t + 3][v], config.modelType() + " t" + t);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void aPackedDocumentComputesAsIfAlone(ModelConfig config) {
    DecoderLM model = model(config, 4, new LinkedHashMap<>());
    int[][] block = {{7, 2, 9, 4, 6, 1, 3}};
    int[][] docs = {{0, 0, 0, 1, 1, 1, 1}};
    float[][][] packed = logits(model, block, new int[][] {{1, 1, 1, 1, 1, 1, 1}}, docs);
    float[][][] second = logits(model, new int[][] {{4, 6, 1, 3}}, new int[][] {{1, 1, 1, 1}}, null);
    for (int t = 0; t < 4; t++) {
      for (int v = 0; v < config.vocabSize(); v++) {
        assertClose(second[0][t][v], packed[0][t + 3][v], config.modelType() + " t" + t);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void hfCheckpointRoundTripSingleAndSharded(ModelConfig config) throws Exception {
    DecoderLM original = model(config, 5, new LinkedHashMap<>());
    int[][] ids = {{1, 2, 3, 4}};
    int[][] mask = {{1, 1, 1, 1}};
    float[][][] before = logits(original, ids, mask, null);
    for (long shardLimit : new long[] {1L << 30, 4096}) {
      Path ckpt = dir.resolve(config.modelType() + "-" + shardLimit);
      CheckpointWriter.write(ckpt, "model", HfWeights.tensors(original, DType.F32), shardLimit, Map.of("format", "pt"));
      java.nio.file.Files.write(ckpt.resolve("config.json"), config.toHfJson());
      ModelConfig reread = ModelConfig.fromHfJson(java.nio.file.Files.readAllBytes(ckpt.resolve("config.json")), "config.json");
      DecoderLM loaded = new DecoderLM(reread);
      loaded.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
      try (CheckpointTensors tensors = CheckpointTensors.open(ckpt)) {
        HfWeights.load(loaded, tensors);
      }
      float[][][] after = logits(loaded, ids, mask, null);
      for (int t = 0; t < 4; t++) {
        for (int v = 0; v < config.vocabSize(); v++) {
          assertEquals(before[0][t][v], after[0][t][v], 0.0, "identical after the round trip");
        }
      }
    }
  }

  @Test
  void gpt2CheckpointsWithoutTheTransformerPrefixLoad() throws Exception {
    DecoderLM original = model(gpt2(), 6, new LinkedHashMap<>());
    List<SafetensorsWriter.Tensor> renamed = new ArrayList<>();
    for (SafetensorsWriter.Tensor t : HfWeights.tensors(original, DType.F32)) {
      renamed.add(new SafetensorsWriter.Tensor(t.name().replaceFirst("^transformer\\.", ""), t.dtype(), t.shape(), t.values()));
    }
    renamed.add(new SafetensorsWriter.Tensor("h.0.attn.bias", DType.F32, new long[] {1}, new float[] {1})); // old buffer
    CheckpointWriter.write(dir, "model", renamed, 1L << 30, Map.of());
    DecoderLM loaded = new DecoderLM(gpt2());
    loaded.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
    try (CheckpointTensors tensors = CheckpointTensors.open(dir)) {
      HfWeights.load(loaded, tensors);
    }
    assertEquals(logits(original, new int[][] {{3, 1}}, new int[][] {{1, 1}}, null)[0][1][5],
        logits(loaded, new int[][] {{3, 1}}, new int[][] {{1, 1}}, null)[0][1][5], 0.0);
  }

  @Test
  void checkpointsThatDoNotFitListEveryProblem() throws Exception {
    DecoderLM original = model(llama(), 7, new LinkedHashMap<>());
    List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
    for (SafetensorsWriter.Tensor t : HfWeights.tensors(original, DType.F32)) {
      if (t.name().equals("model.norm.weight")) {
        continue; // missing
      }
      if (t.name().equals("model.layers.1.mlp.up_proj.weight")) {
        tensors.add(new SafetensorsWriter.Tensor(t.name(), t.dtype(), new long[] {t.values().length}, t.values())); // wrong shape
        continue;
      }
      tensors.add(t);
    }
    tensors.add(new SafetensorsWriter.Tensor("model.layers.9.extra.weight", DType.F32, new long[] {2}, new float[2]));
    CheckpointWriter.write(dir, "model", tensors, 1L << 30, Map.of());
    DecoderLM target = new DecoderLM(llama());
    target.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
    try (CheckpointTensors c = CheckpointTensors.open(dir)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfWeights.load(target, c));
      assertTrue(e.getMessage().contains("missing tensor model.norm.weight"), e.getMessage());
      assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight has shape [384]"), e.getMessage());
      assertTrue(e.getMessage().contains("unexpected tensor model.layers.9.extra.weight"), e.getMessage());
    }
  }

  @Test
  void tooLongSequencesAreRefusedWithTheLimit() {
    DecoderLM model = model(gpt2(), 8, new LinkedHashMap<>());
    int[][] ids = new int[1][33];
    int[][] mask = new int[1][33];
    java.util.Arrays.fill(mask[0], 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> logits(model, ids, mask, null));
    assertTrue(e.getMessage().contains("max_position_embeddings is 32"), e.getMessage());
  }

  private static int[][] cut(int[][] v, int from, int to) {
    int[][] out = new int[v.length][];
    for (int b = 0; b < v.length; b++) {
      out[b] = java.util.Arrays.copyOfRange(v[b], from, to);
    }
    return out;
  }
}
