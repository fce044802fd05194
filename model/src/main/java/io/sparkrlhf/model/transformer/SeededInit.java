package io.sparkrlhf.model.transformer;

import java.util.List;
import java.util.Random;

/**
 * A fresh model's weights as a pure function of a seed (transformers' scheme: N(0, 0.02²) for
 * matrices and embeddings, 1 for norm scales, 0 for biases). Every executor that builds the same
 * model from the same seed gets bit-identical frozen weights, which libtorch's RNG does not promise.
 */
public final class SeededInit {
  public static final double STD = 0.02;

  private SeededInit() {}

  public static void apply(List<HfParameter> parameters, long seed) {
    for (HfParameter p : parameters) {
      float[] v = new float[(int) p.parameter().getShape().size()];
      if (isNormScale(p.name())) {
        java.util.Arrays.fill(v, 1f);
      } else if (!p.name().endsWith(".bias")) {
        Random rnd = new Random(seed * 1_000_003L + p.name().hashCode());
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (STD * rnd.nextGaussian());
        }
      }
      HfWeights.assign(p, v);
    }
  }

  static boolean isNormScale(String name) {
    return name.endsWith("norm.weight") || name.matches(".*\\.ln_(1|2|f)\\.weight");
  }
}
