package io.sparkrlhf.model.rl;

/** Ziegler et al.'s adaptive KL coefficient: moves {@code value} so the observed KL approaches {@code target}. */
public record AdaptiveKl(double value, double target, double horizon) implements KlController {
  @Override
  public AdaptiveKl update(double currentKl, long nSteps) {
    double err = Math.max(-0.2, Math.min(0.2, currentKl / target - 1));
    return new AdaptiveKl(value * (1 + err * nSteps / horizon), target, horizon);
  }
}
