package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sparkrlhf.jobs.train.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two resident reward models: each sequence gets the helpfulness score unless its prompt is flagged
 * unsafe or σ(safety) is below the threshold (0.5: where the safety score is negative); the expected
 * values are the two single models' own scores (cut to the combined score's ±13.8).
 */
class RewardScorersTest {
  @TempDir Path dir;

  @Test
  void theSafetyModelDecidesForUnsafePromptsAndBelowTheThreshold() throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    ModelSpec helpful = ModelSpec.at(PpoFixtures.rewardModel(dir.resolve("h")).toString(), conf, "float32", null, 0);
    ModelSpec safe = ModelSpec.at(PpoFixtures.plantedRewardModel(dir.resolve("s"), 9).toString(), conf, "float32", null, 0);
    List<int[]> rows = List.of(new int[] {4, 5, 6, 9}, new int[] {4, 5, 7}, new int[] {3, 8});
    boolean[] none = new boolean[3];
    try (NDManager m = NDManager.newBaseManager()) {
      float[] h1 = new RewardScorer(helpful, m, 0).score(m, rows);
      float[] s1 = new RewardScorer(safe, m, 0).score(m, rows);
      float[] h = cut(h1);
      float[] s = cut(s1);
      assertNotEquals(h[0], s[0]);
      assertArrayEquals(h, new RewardScorers(new RewardModels(helpful, safe, new SafetyRule(0.0, new int[0][])), m, 0)
          .score(m, rows, none), 1e-5f, "threshold 0: helpfulness everywhere");
      assertArrayEquals(s, new RewardScorers(new RewardModels(helpful, safe, new SafetyRule(0.0, new int[0][])), m, 0)
          .score(m, rows, new boolean[] {true, true, true}), 1e-5f, "every prompt unsafe: safety everywhere");
      // threshold 0.5: safety decides exactly where its own score is negative.
      float[] half = new RewardScorers(new RewardModels(helpful, safe, new SafetyRule(0.5, new int[0][])), m, 0)
          .score(m, rows, none);
      for (int i = 0; i < 3; i++) {
        assertEquals(s1[i] < 0 ? s[i] : h[i], half[i], 1e-5f, "row " + i);
      }
      float[] flagged = new RewardScorers(new RewardModels(helpful, safe, new SafetyRule(0.0, new int[0][])), m, 0)
          .score(m, rows, new boolean[] {false, true, false});
      assertArrayEquals(new float[] {h[0], s[1], h[2]}, flagged, 1e-5f, "an unsafe prompt: safety");
      assertArrayEquals(h1, new RewardScorers(RewardModels.one(helpful), m, 0).score(m, rows, new boolean[] {true, true,
          true}), 0f, "one model: its score");
    }
  }

  /** LOGIT of a probability clamped to [1e-6, 1 − 1e-6]: scores cut to ±ln(999999) = ±13.815510. */
  private static float[] cut(float[] scores) {
    float[] out = new float[scores.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.max(-13.815510, Math.min(13.815510, scores[i]));
    }
    return out;
  }

  @Test
  void promptsAreFlaggedByTheirColumnOrAPhrasesTokens() {
    SafetyRule rule = new SafetyRule(0.15, new int[][] {{7, 8}});
    assertTrue(rule.unsafe(new RlPrompt(1, new int[] {3, 7, 8, 4})));
    assertFalse(rule.unsafe(new RlPrompt(1, new int[] {3, 7, 4, 8})));
    assertTrue(rule.unsafe(new RlPrompt(1, new int[] {3}, true)));
    assertEquals(0.15, SafetyRule.DEFAULT.threshold(), 0);
  }
}
