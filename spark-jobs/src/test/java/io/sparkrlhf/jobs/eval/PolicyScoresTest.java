package io.sparkrlhf.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PolicyScoresTest {
  @Test
  void meanSampleSdKlAndLengthByHand() {
    // scores {1, 2, 6}: mean 3, sample SD sqrt((4 + 1 + 9)/2) = sqrt(7) = 2.645751
    PolicyScores s = PolicyScores.of("p", new double[] {1, 2, 6}, new double[] {0.5, 1.0, 1.5}, new int[] {4, 5, 9}, true);
    assertEquals(3, s.rewardMean(), 1e-12);
    assertEquals(2.645751, s.rewardSd(), 1e-6);
    assertEquals(1.0, s.klMean(), 1e-12);
    assertEquals(6.0, s.responseLength(), 1e-12);
    assertTrue(Double.isNaN(PolicyScores.of("p", new double[] {1}, new double[] {0}, new int[] {1}, false).klMean()));
  }

  @Test
  void winRateCountsTiesHalf() {
    // wins at 0 and 3, a tie at 1, a loss at 2: (1 + 0.5 + 0 + 1) / 4 = 0.625
    assertEquals(0.625, PolicyScores.winRate(new double[] {2, 1, 0, 5}, new double[] {1, 1, 3, 4}), 1e-12);
  }

  @Test
  void theReportEscapesText() {
    assertEquals("&lt;b&gt;a &amp; &quot;b&quot;&lt;/b&gt;", EvalReport.esc("<b>a & \"b\"</b>"));
  }
}
