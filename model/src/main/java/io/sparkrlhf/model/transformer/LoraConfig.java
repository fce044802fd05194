package io.sparkrlhf.model.transformer;

import java.util.Set;

/**
 * LoRA hyper-parameters as PEFT names them: rank r, lora_alpha (the update is scaled by α/r),
 * lora_dropout on the adapter's input, and the target modules by their last name part.
 */
public record LoraConfig(int rank, double alpha, double dropout, Set<String> targetModules) {
  public LoraConfig {
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank must be >= 1, found " + rank);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), found " + dropout);
    }
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
    }
    targetModules = Set.copyOf(targetModules);
  }
}
