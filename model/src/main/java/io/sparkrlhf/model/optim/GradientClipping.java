package io.sparkrlhf.model.optim;

/** Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: scale by max / (‖g‖ + 1e-6) when ‖g‖ > max. */
public final class GradientClipping {
  private GradientClipping() {}

  /** The global L2 norm of the gradient, in double precision. */
  public static double norm(float[] grad) {
    double sum = 0;
    for (float g : grad) {
      sum += (double) g * g;
    }
    return Math.sqrt(sum);
  }

  /** True when every value is finite (a step with NaN or ±∞ must be skipped). */
  public static boolean allFinite(float[] grad) {
    for (float g : grad) {
      if (!Float.isFinite(g)) {
        return false;
      }
    }
    return true;
  }

  /** Clips {@code grad} in place; returns the norm before clipping. */
  public static double clip(float[] grad, double maxNorm) {
    double norm = norm(grad);
    double coefficient = maxNorm / (norm + 1e-6);
    if (coefficient < 1) {
      for (int i = 0; i < grad.length; i++) {
        grad[i] = (float) (grad[i] * coefficient);
      }
    }
    return norm;
  }
}
