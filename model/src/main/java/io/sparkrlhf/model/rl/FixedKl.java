package io.sparkrlhf.model.rl;

/** A KL coefficient that never changes. */
public record FixedKl(double value) implements KlController {
  @Override
  public FixedKl update(double currentKl, long nSteps) {
    return this;
  }
}
