package io.sparkrlhf.model.rl;

import java.util.Arrays;
import java.util.Locale;

/** TRL's {@code kl_penalty} modes: how the per-token KL between policy and reference is estimated. */
public enum KlEstimator {
  KL, ABS, MSE, FULL, K3;

  /** "kl", "abs", "mse", "full", "k3" (case-insensitive); anything else: IllegalArgumentException naming the value and the choices. */
  public static KlEstimator parse(String name) {
    if (name != null) {
      for (KlEstimator k : values()) {
        if (k.name().equalsIgnoreCase(name.trim())) {
          return k;
        }
      }
    }
    String choices = Arrays.stream(values()).map(k -> k.name().toLowerCase(Locale.ROOT)).toList().toString();
    throw new IllegalArgumentException("unknown KL penalty '" + name + "', expected one of " + choices);
  }
}
