package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScoreTransformTest {
  // Running mean 1, std 2. eps = float32 machine epsilon = 2^−23 = 1.1920929e−7.
  private static final RunningMoments RUN = new RunningMoments(1, 4, 2, 10);
  private static final double EPS = 1.1920929e-7;

  @Test
  void epsIsFloat32MachineEpsilon() {
    assertEquals(Math.pow(2, -23), ScoreTransform.EPS, 0);
  }

  @Test
  void nothingEnabledLeavesTheScore() {
    assertEquals(3, ScoreTransform.apply(3, true, 1, false, false, 0, RUN), 0);
    assertEquals(3, ScoreTransform.apply(3, false, 0, false, false, 0, RUN), 0);
  }

  @Test
  void eachOptionAlone() {
    // Missing EOS: 3 − 1 = 2; with an EOS the penalty does not apply.
    assertEquals(2, ScoreTransform.apply(3, false, 1, false, false, 0, RUN), 0);
    assertEquals(3, ScoreTransform.apply(3, true, 1, false, false, 0, RUN), 0);
    // Scaling: 3/(2 + eps) = 1.49999991.
    assertEquals(3 / (2 + EPS), ScoreTransform.apply(3, true, 0, true, false, 0, RUN), 1e-15);
    assertEquals(1.49999991, ScoreTransform.apply(3, true, 0, true, false, 0, RUN), 1e-8);
    // Norm without scaling does nothing (TRL nests it under use_score_scaling).
    assertEquals(3, ScoreTransform.apply(3, true, 0, false, true, 0, RUN), 0);
    // Clip ±2.5.
    assertEquals(2.5, ScoreTransform.apply(3, true, 0, false, false, 2.5, RUN), 0);
    assertEquals(-2.5, ScoreTransform.apply(-3, true, 0, false, false, 2.5, RUN), 0);
    assertEquals(1, ScoreTransform.apply(1, true, 0, false, false, 2.5, RUN), 0);
  }

  @Test
  void combinedInOrderPenaltyThenScaleThenClip() {
    // Scaling + norm: (3 − 1)/(2 + eps) = 0.99999994.
    assertEquals(2 / (2 + EPS), ScoreTransform.apply(3, true, 0, true, true, 0, RUN), 1e-15);
    // All: 10 − 2 = 8; (8 − 1)/(2 + eps) = 3.4999998; clip to 3.
    assertEquals(3, ScoreTransform.apply(10, false, 2, true, true, 3, RUN), 0);
    // Scale before clip: 6/(2 + eps) = 2.99999982 stays (clipping first would give 3/2).
    assertEquals(6 / (2 + EPS), ScoreTransform.apply(6, true, 0, true, false, 3, RUN), 1e-15);
    // Penalty before clip: 4 − 3 = 1 stays (clipping first would give 2 − 3 = −1).
    assertEquals(1, ScoreTransform.apply(4, false, 3, false, false, 2, RUN), 0);
    // Penalty before norm: (5 − 2 − 1)/(2 + eps).
    assertEquals(2 / (2 + EPS), ScoreTransform.apply(5, false, 2, true, true, 0, RUN), 1e-15);
  }
}
