package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SafetyRewardRuleTest {
  // σ(−1) = 1/(1 + e) = 0.268941 ≥ 0.15; σ(−2) = 1/(1 + e²) = 0.119203 < 0.15;
  // logit(0.15) = ln(0.15/0.85) = −1.734601.

  @Test
  void aSafePromptWithASafeEnoughResponseTakesHelpfulness() {
    assertFalse(SafetyRewardRule.safetyDecides(-1, false, 0.15));
    assertEquals(2.0, SafetyRewardRule.combined(2.0, -1.0, false, 0.15), 1e-9);
  }

  @Test
  void aSafetyScoreBelowTheThresholdTakesSafety() {
    assertTrue(SafetyRewardRule.safetyDecides(-2, false, 0.15));
    assertEquals(-2.0, SafetyRewardRule.combined(2.0, -2.0, false, 0.15), 1e-9);
  }

  @Test
  void anUnsafePromptTakesSafetyWhateverItsScore() {
    assertTrue(SafetyRewardRule.safetyDecides(3, true, 0.15));
    assertEquals(3.0, SafetyRewardRule.combined(-1.0, 3.0, true, 0.15), 1e-9);
  }

  @Test
  void theThresholdIsStrictAndConfigurable() {
    double atThreshold = Math.log(0.15 / 0.85); // σ = 0.15 exactly: not below
    assertEquals(-1.734601, atThreshold, 1e-6);
    assertEquals(5.0, SafetyRewardRule.combined(5.0, atThreshold + 1e-9, false, 0.15), 1e-9);
    assertEquals(atThreshold - 1e-6, SafetyRewardRule.combined(5.0, atThreshold - 1e-6, false, 0.15), 1e-9);
    // threshold 0.3: σ(−1) = 0.2689 < 0.3, so safety decides now.
    assertEquals(-1.0, SafetyRewardRule.combined(2.0, -1.0, false, 0.3), 1e-9);
    // threshold 0: only an unsafe prompt lets safety decide.
    assertEquals(2.0, SafetyRewardRule.combined(2.0, -30.0, false, 0.0), 1e-9);
  }

  @Test
  void theLogitOfAnExtremeScoreIsCut() {
    // LOGIT(1 − 1e-6) = ln(999999) = 13.815510
    assertEquals(13.815510, SafetyRewardRule.MAX_LOGIT, 1e-6);
    assertEquals(13.815510, SafetyRewardRule.combined(40.0, 0.0, false, 0.15), 1e-6);
    assertEquals(-13.815510, SafetyRewardRule.combined(0.0, -40.0, false, 0.15), 1e-6);
  }

  @Test
  void whiteningByHand() {
    // Scores {1, 2, 3, 6}: mean 3, population sd sqrt((4 + 1 + 0 + 9)/4) = sqrt(3.5) = 1.870829.
    assertEquals((6 - 3) / 1.870829, SafetyRewardRule.whiten(6, 3, 1.870829), 1e-6);
    assertEquals(-2 / 1.870829, SafetyRewardRule.whiten(1, 3, 1.870829), 1e-6);
    assertEquals(0, SafetyRewardRule.whiten(4, 4, 0), 0); // a constant batch stays finite
  }
}
