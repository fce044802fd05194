package io.sparkrlhf.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The trainable parameters of a model in one stable order (their Hugging Face names' order), as
 * one flat float array each for values and gradients: what the distributed engine broadcasts,
 * sums and updates. Values travel in checkpoint layout, so a flat vector means the same on every
 * executor and in every file.
 */
public final class Trainables {
  private final List<HfParameter> parameters;
  private final long size;

  private Trainables(List<HfParameter> parameters) {
    this.parameters = List.copyOf(parameters);
    long n = 0;
    for (HfParameter p : parameters) {
      n += p.parameter().getShape().size();
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(n + " trainable values do not fit one array; train adapters (LoRA) instead");
    }
    this.size = n;
  }

  /** The parameters that require gradients and pass {@code filter}, in the given order. */
  public static Trainables of(List<HfParameter> all, Predicate<HfParameter> filter) {
    List<HfParameter> chosen = new ArrayList<>();
    for (HfParameter p : all) {
      if (p.parameter().requiresGradient() && filter.test(p)) {
        chosen.add(p);
      }
    }
    return new Trainables(chosen);
  }

  public List<String> names() {
    return parameters.stream().map(HfParameter::name).toList();
  }

  /** Each tensor's shape in checkpoint layout, in {@link #names} order. */
  public List<long[]> shapes() {
    return parameters.stream().map(p -> HfWeights.hfShape(p).getShape()).toList();
  }

  public int size() {
    return (int) size;
  }

  public float[] values() {
    float[] flat = new float[(int) size];
    int at = 0;
    for (HfParameter p : parameters) {
      float[] v = HfWeights.export(p);
      System.arraycopy(v, 0, flat, at, v.length);
      at += v.length;
    }
    return flat;
  }

  public void setValues(float[] flat) {
    if (flat.length != size) {
      throw new IllegalArgumentException("expected " + size + " values, given " + flat.length);
    }
    int at = 0;
    for (HfParameter p : parameters) {
      int n = (int) p.parameter().getShape().size();
      float[] v = new float[n];
      System.arraycopy(flat, at, v, 0, n);
      HfWeights.assign(p, v);
      at += n;
    }
  }

  /**
   * Zeroes the gradients. Backward passes add to them (gradient accumulation over micro-batches),
   * so a step starts here.
   */
  public void zeroGradients() {
    for (HfParameter p : parameters) {
      // libtorch's zero_() on .grad, in place: multiplying by 0 would keep NaN, and copying zeros in
      // with NDArray.set makes .grad point at a Java buffer owned by a short-lived wrapper, which the
      // garbage collector frees under the tensor (backward then writes into freed memory).
      JniUtils.zeroGrad((PtNDArray) p.parameter().getArray());
    }
  }

  /** The gradients accumulated since {@link #zeroGradients}, in the same order and layout as {@link #values}. */
  public float[] gradients() {
    float[] flat = new float[(int) size];
    int at = 0;
    for (HfParameter p : parameters) {
      float[] g;
      // getGradient() wraps .grad in a new handle attached to the parameter's manager: close it,
      // or every step leaves one handle per tensor behind (.grad itself lives on in the parameter).
      try (NDArray grad = p.parameter().getArray().getGradient()) {
        if (grad.getDataType() == DataType.FLOAT32) {
          g = grad.toFloatArray();
        } else {
          try (NDArray widened = grad.toType(DataType.FLOAT32, true)) {
            g = widened.toFloatArray();
          }
        }
      }
      if (p.transposed()) {
        g = HfWeights.transpose(g, p.parameter().getShape().get(0), p.parameter().getShape().get(1));
      }
      System.arraycopy(g, 0, flat, at, g.length);
      at += g.length;
    }
    return flat;
  }
}
