package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings in Hugging Face's layout (rotate_half: the two halves of the head,
 * not interleaved pairs): x·cos + rotate_half(x)·sin, with angle(p, i) = p / θ^(2i/d).
 */
final class Rotary {
  private final int headDim;
  private final double theta;

  Rotary(int headDim, double theta) {
    this.headDim = headDim;
    this.theta = theta;
  }

  /** positions (B, T) → cos and sin, each (B, 1, T, headDim). */
  NDList cosSin(NDArray positions) {
    int half = headDim / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      inv[i] = (float) (1.0 / Math.pow(theta, 2.0 * i / headDim));
    }
    NDArray invFreq = positions.getManager().create(inv); // (half)
    NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq); // (B, T, half)
    NDArray full = NDArrays.concat(new NDList(angles, angles), -1).expandDims(1); // (B, 1, T, headDim)
    return new NDList(full.cos(), full.sin());
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
