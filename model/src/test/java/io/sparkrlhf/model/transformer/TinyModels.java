package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.Random;

/** Tiny models with seeded random weights, for tests in any package. */
public final class TinyModels {
  private TinyModels() {}

  public static ModelConfig llama() {
    return new ModelConfig(ModelConfig.Family.LLAMA, "llama", 37, 16, 2, 4, 2, 24, 64, 1e-6, 10000, false, false, null, 2, null);
  }

  public static ModelConfig gpt2() {
    return new ModelConfig(ModelConfig.Family.GPT2, "gpt2", 41, 16, 2, 4, 4, 64, 32, 1e-5, 0, true, true, null, 40, null);
  }

  public static DecoderLM create(ModelConfig config, NDManager manager, DataType dtype, long seed) {
    DecoderLM model = new DecoderLM(config);
    model.initialize(manager, dtype, new Shape(1, 1));
    Random rnd = new Random(seed);
    for (HfParameter p : model.hfParameters()) {
      float[] v = new float[(int) p.parameter().getShape().size()];
      boolean normWeight = p.name().endsWith("norm.weight") || p.name().contains(".ln_") && p.name().endsWith(".weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = normWeight ? 1 + 0.1f * (float) rnd.nextGaussian() : 0.3f * (float) rnd.nextGaussian();
      }
      HfWeights.assign(p, v);
    }
    return model;
  }

  public static NDArray longs(NDManager m, int[][] v) {
    long[] flat = new long[v.length * v[0].length];
    for (int b = 0; b < v.length; b++) {
      for (int t = 0; t < v[0].length; t++) {
        flat[b * v[0].length + t] = v[b][t];
      }
    }
    return m.create(flat, new Shape(v.length, v[0].length));
  }
}
