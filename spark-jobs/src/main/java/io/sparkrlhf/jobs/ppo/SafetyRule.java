package io.sparkrlhf.jobs.ppo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * When the safety reward model decides ({@link io.sparkrlhf.model.rl.SafetyRewardRule}): below
 * {@code threshold} after the sigmoid, or for a prompt flagged unsafe, by the {@code unsafe} column of
 * {@code rl_prompts} or by holding one of the configured phrases (matched as token ids, the phrase
 * encoded with and without a leading space).
 */
public record SafetyRule(double threshold, int[][] unsafePhrases) implements Serializable {
  public static final SafetyRule DEFAULT = new SafetyRule(0.15, new int[0][]);

  public SafetyRule {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("rlhf.safety-rule.threshold must be in [0, 1], found " + threshold);
    }
  }

  /** {@code rlhf.safety-rule}; phrases need the prompts' tokenizer (null: none available). */
  public static SafetyRule from(Config root, TextTokenizer tokenizer) {
    try {
      Config c = root.getConfig("rlhf.safety-rule");
      List<String> phrases = c.getStringList("unsafe-prompt-phrases");
      if (!phrases.isEmpty() && tokenizer == null) {
        throw new IllegalArgumentException("rlhf.safety-rule.unsafe-prompt-phrases needs the policy's tokenizer "
            + "(tokenizer.json in its directory, or data prepared with gpt2) to find the phrases in the prompts");
      }
      Set<String> seen = new LinkedHashSet<>();
      List<int[]> encoded = new ArrayList<>();
      for (String p : phrases) {
        for (String variant : new String[] {p, " " + p}) {
          int[] ids = tokenizer.encode(variant);
          if (ids.length > 0 && seen.add(java.util.Arrays.toString(ids))) {
            encoded.add(ids);
          }
        }
      }
      return new SafetyRule(c.getDouble("threshold"), encoded.toArray(int[][]::new));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf.safety-rule: " + e.getMessage(), e);
    }
  }

  /** Flagged by its column or holding one of the phrases. */
  public boolean unsafe(RlPrompt prompt) {
    if (prompt.unsafe()) {
      return true;
    }
    int[] ids = prompt.ids();
    for (int[] phrase : unsafePhrases) {
      for (int at = 0; at + phrase.length <= ids.length; at++) {
        int k = 0;
        while (k < phrase.length && ids[at + k] == phrase[k]) {
          k++;
        }
        if (k == phrase.length) {
          return true;
        }
      }
    }
    return false;
  }
}
