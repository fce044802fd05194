package io.sparkrlhf.model.optim;

import java.io.Serializable;
import java.util.stream.IntStream;

/**
 * AdamW on one flat parameter vector, as {@code torch.optim.AdamW} computes it (decoupled weight
 * decay, bias-corrected moments), in double precision for the moments so the driver's update is
 * the same whichever executors summed the gradient:
 * <pre>
 *   θ ← θ − lr·λ·θ
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
 *   θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 * </pre>
 * Its state (step, m, v) is part of a checkpoint.
 */
public final class AdamW implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int CHUNK = 1 << 16;

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final double[] m;
  private final double[] v;
  private long step;

  public AdamW(int size, double beta1, double beta2, double eps, double weightDecay) {
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
      throw new IllegalArgumentException("AdamW needs 0 <= betas < 1, eps > 0, weight decay >= 0; found beta1="
          + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weight_decay=" + weightDecay);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.m = new double[size];
    this.v = new double[size];
  }

  /** One update of {@code params} in place with gradient {@code grad} at learning rate {@code lr}. */
  public void step(float[] params, float[] grad, double lr) {
    if (params.length != m.length || grad.length != m.length) {
      throw new IllegalArgumentException("AdamW holds " + m.length + " values, given params " + params.length
          + " and gradient " + grad.length);
    }
    step++;
    double correction1 = 1 - Math.pow(beta1, step);
    double correction2 = 1 - Math.pow(beta2, step);
    // Element-wise, so chunks in parallel give exactly the sequential result.
    int chunks = (params.length + CHUNK - 1) / CHUNK;
    IntStream.range(0, chunks).parallel().forEach(c -> {
      int end = Math.min(params.length, (c + 1) * CHUNK);
      for (int i = c * CHUNK; i < end; i++) {
        double p = params[i] * (1 - lr * weightDecay);
        double g = grad[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        p -= lr * (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + eps);
        params[i] = (float) p;
      }
    });
  }

  public long steps() {
    return step;
  }

  public double[] firstMoment() {
    return m;
  }

  public double[] secondMoment() {
    return v;
  }

  /** Restores a checkpointed state. */
  public void restore(long steps, double[] firstMoment, double[] secondMoment) {
    if (firstMoment.length != m.length || secondMoment.length != v.length) {
      throw new IllegalArgumentException("optimizer state holds " + firstMoment.length + " values, the model " + m.length);
    }
    System.arraycopy(firstMoment, 0, m, 0, m.length);
    System.arraycopy(secondMoment, 0, v, 0, v.length);
    this.step = steps;
  }
}
