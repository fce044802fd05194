package io.sparkrlhf.model.rl;

/** KL coefficient controllers (TRL's AdaptiveKLController and FixedKLController), immutable so they checkpoint as values. */
public interface KlController extends java.io.Serializable {
  double value();

  /** The controller after an iteration whose mean KL (per sample, summed over its tokens) was currentKl, over nSteps samples. */
  KlController update(double currentKl, long nSteps);

  /** Adaptive (Ziegler et al.): err = clip(current/target − 1, −0.2, 0.2); value ·= 1 + err·nSteps/horizon. */
  static KlController adaptive(double init, double target, double horizon) {
    return new AdaptiveKl(init, target, horizon);
  }

  static KlController fixed(double value) {
    return new FixedKl(value);
  }
}
