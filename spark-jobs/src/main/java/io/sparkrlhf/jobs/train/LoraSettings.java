package io.sparkrlhf.jobs.train;

import io.sparkrlhf.model.transformer.LoraConfig;
import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.List;

/** LoRA as configured (r, α, dropout, target modules), in a form that travels to executors. */
public record LoraSettings(int rank, double alpha, double dropout, List<String> targetModules) implements Serializable {
  public LoraSettings {
    targetModules = List.copyOf(targetModules);
    toConfig(rank, alpha, dropout, targetModules); // validates
  }

  public LoraConfig toConfig() {
    return toConfig(rank, alpha, dropout, targetModules);
  }

  private static LoraConfig toConfig(int rank, double alpha, double dropout, List<String> targets) {
    return new LoraConfig(rank, alpha, dropout, new LinkedHashSet<>(targets));
  }
}
