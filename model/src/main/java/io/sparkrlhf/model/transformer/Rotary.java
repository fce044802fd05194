package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.config.RopeScaling;
import io.sparkrlhf.model.ops.Scalars;

/**
 * Rotary position embeddings in Hugging Face's layout (rotate_half: the two halves of the head,
 * not interleaved pairs): x·cos + rotate_half(x)·sin, with angle(p, i) = p · inv_freq(i), where
 * inv_freq(i) = 1/θ^(2i/d) stretched by the config's {@code rope_scaling}, and cos and sin
 * multiplied by its attention factor (YaRN's; 1 otherwise).
 */
final class Rotary {
  private final ModelConfig config;
  private final double[] fixed; // inverse frequencies + attention factor, when they do not depend on length

  Rotary(ModelConfig config) {
    this.config = config;
    boolean dynamic = config.ropeScaling() != null && config.ropeScaling().type().equals("dynamic");
    this.fixed = dynamic ? null : frequencies(0);
  }

  /** positions (B, T) → cos and sin, each (B, 1, T, headDim). */
  NDList cosSin(NDArray positions) {
    // dynamic NTK: the base follows the longest position in this call, as transformers does
    double[] f = fixed != null ? fixed : frequencies(positions.max().toType(DataType.INT64, false).getLong() + 1);
    int half = config.headDim() / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      inv[i] = (float) f[i];
    }
    NDArray invFreq = positions.getManager().create(inv); // (half)
    NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq); // (B, T, half)
    NDArray full = NDArrays.concat(new NDList(angles, angles), -1).expandDims(1); // (B, 1, T, headDim)
    double scale = f[half];
    if (scale == 1.0) {
      return new NDList(full.cos(), full.sin());
    }
    return new NDList(Scalars.mul(full.cos(), scale), Scalars.mul(full.sin(), scale));
  }

  private double[] frequencies(long longestSequence) {
    return RopeScaling.inverseFrequencies(config.ropeScaling(), config.headDim(), config.ropeTheta(),
        config.maxPositions(), longestSequence);
  }

  /** x (B, heads, T, headDim). */
  static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
    long half = x.getShape().get(3) / 2;
    NDArray x1 = x.get(new NDIndex("..., :{}", half));
    NDArray x2 = x.get(new NDIndex("..., {}:", half));
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }
}
