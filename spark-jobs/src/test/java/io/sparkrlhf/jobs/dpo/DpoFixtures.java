package io.sparkrlhf.jobs.dpo;

import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.rl.DpoLosses;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A tiny llama policy and random preference pairs over its 37-token vocabulary. */
final class DpoFixtures {
  private DpoFixtures() {}

  static ModelConfig config() {
    return TinyModels.llama();
  }

  static ModelSpec policy(boolean lora) {
    LoraSettings adapters = lora ? new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj")) : null;
    return ModelSpec.fresh(config(), 7, "float32", adapters, 11);
  }

  static DpoObjective objective(boolean lora, DpoObjective.Reference reference) {
    return new DpoObjective(policy(lora), new DpoLoss(DpoLosses.Kind.SIGMOID, 0.1, 0.0), reference, 0);
  }

  /** Pairs with prompts of 2–6 tokens and responses of 1–7. */
  static List<DpoExample> pairs(int n, long seed) {
    Random rnd = new Random(seed);
    List<DpoExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(DpoExample.of(new PreferencePair(tokens(rnd, 2 + rnd.nextInt(5)), tokens(rnd, 1 + rnd.nextInt(7)),
          tokens(rnd, 1 + rnd.nextInt(7)), 0f)));
    }
    return out;
  }

  private static int[] tokens(Random rnd, int n) {
    int[] ids = new int[n];
    for (int t = 0; t < n; t++) {
      ids[t] = 3 + rnd.nextInt(config().vocabSize() - 3);
    }
    return ids;
  }
}
