package io.sparkrlhf.model.optim;

import java.io.Serializable;
import java.util.Locale;

/**
 * The learning rate at each step, as transformers' schedules define it: linear warmup from 0 over
 * {@code warmupSteps}, then constant, linear decay to 0 at {@code totalSteps}, or half a cosine to 0.
 */
public record LrSchedule(Kind kind, double peak, long warmupSteps, long totalSteps) implements Serializable {
  public enum Kind {
    CONSTANT,
    LINEAR,
    COSINE;

    public static Kind of(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("lr schedule must be constant, linear or cosine, found '" + name + "'", e);
      }
    }
  }

  public LrSchedule {
    if (!(peak > 0) || warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException("need lr > 0 and 0 <= warmup (" + warmupSteps + ") <= total steps ("
          + totalSteps + "), found lr " + peak);
    }
  }

  /** The rate for 0-based {@code step} (the first update is step 0). */
  public double at(long step) {
    if (step < warmupSteps) {
      return peak * step / Math.max(1, warmupSteps);
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return switch (kind) {
      case CONSTANT -> peak;
      case LINEAR -> peak * Math.max(0, 1 - progress);
      case COSINE -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    };
  }
}
