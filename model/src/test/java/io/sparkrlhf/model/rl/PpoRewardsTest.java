package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PpoRewardsTest {

  @Test
  void rewardsPenaliseEveryTokenAndScoreTheLast() {
    // kl (0.1, −0.2, 0.3), coef 0.2, score 1.5: (−0.02, 0.04, −0.06 + 1.5 = 1.44).
    assertArrayEquals(new double[] {-0.02, 0.04, 1.44}, PpoRewards.perToken(new double[] {0.1, -0.2, 0.3}, 0.2, 1.5), 1e-12);
    // One token: −0.1·0.5 + 2 = 1.95.
    assertArrayEquals(new double[] {1.95}, PpoRewards.perToken(new double[] {0.5}, 0.1, 2), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> PpoRewards.perToken(new double[0], 0.1, 1));
    Random rnd = new Random(3);
    double[] kl = new double[9];
    for (int i = 0; i < kl.length; i++) {
      kl[i] = rnd.nextGaussian();
    }
    double[] r = PpoRewards.perToken(kl, 0.05, -0.7);
    for (int i = 0; i < kl.length; i++) {
      double scoreHere = i == kl.length - 1 ? -0.7 : 0;
      assertEquals(scoreHere - 0.05 * kl[i], r[i], 1e-12);
    }
  }
}
