package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KlPenaltyTest {

  @Test
  void parseIsCaseInsensitiveAndNamesTheChoices() {
    assertEquals(KlEstimator.KL, KlEstimator.parse("kl"));
    assertEquals(KlEstimator.ABS, KlEstimator.parse("ABS"));
    assertEquals(KlEstimator.MSE, KlEstimator.parse("Mse"));
    assertEquals(KlEstimator.FULL, KlEstimator.parse("full"));
    assertEquals(KlEstimator.K3, KlEstimator.parse("K3"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KlEstimator.parse("k2"));
    assertTrue(e.getMessage().contains("k2") && e.getMessage().contains("kl, abs, mse, full, k3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KlEstimator.parse(null));
  }

  @Test
  void estimatorsWorkedByHand() {
    // lp = −1, ref = −2: d = 1. kl 1, abs 1, mse ½·1² = 0.5; r = e^(−2+1) = e^−1: k3 = e^−1 − 1 − (−1) = 0.3679.
    assertEquals(1, KlPenalty.estimate(KlEstimator.KL, -1, -2), 1e-12);
    assertEquals(1, KlPenalty.estimate(KlEstimator.ABS, -1, -2), 1e-12);
    assertEquals(0.5, KlPenalty.estimate(KlEstimator.MSE, -1, -2), 1e-12);
    assertEquals(0.36787944, KlPenalty.estimate(KlEstimator.K3, -1, -2), 1e-8);
    // lp = −2, ref = −1: d = −1. kl −1, abs 1, mse 0.5; r = e^1: k3 = e − 1 − 1 = 0.7183.
    assertEquals(-1, KlPenalty.estimate(KlEstimator.KL, -2, -1), 1e-12);
    assertEquals(1, KlPenalty.estimate(KlEstimator.ABS, -2, -1), 1e-12);
    assertEquals(0.5, KlPenalty.estimate(KlEstimator.MSE, -2, -1), 1e-12);
    assertEquals(0.71828183, KlPenalty.estimate(KlEstimator.K3, -2, -1), 1e-8);
    assertThrows(IllegalArgumentException.class, () -> KlPenalty.estimate(KlEstimator.FULL, -1, -2));
  }

  @Test
  void k3IsNeverNegativeAndMatchesItsDefinition() {
    for (double lp = -20; lp <= 0; lp += 0.25) {
      for (double ref = -20; ref <= 0; ref += 0.25) {
        double k3 = KlPenalty.estimate(KlEstimator.K3, lp, ref);
        assertTrue(k3 >= 0, lp + " " + ref);
        double r = Math.exp(ref - lp);
        assertEquals(r - 1 - Math.log(r), k3, 1e-9 * Math.max(1, r));
      }
    }
    // Second order near zero: k3 ≈ ½d², accurate even when d is tiny.
    assertEquals(0.5e-16, KlPenalty.estimate(KlEstimator.K3, -3, -3 - 1e-8), 1e-22);
  }

  @Test
  void perTokenAppliesEstimateElementwise() {
    Random rnd = new Random(1);
    float[] lp = new float[20];
    float[] ref = new float[20];
    for (int i = 0; i < lp.length; i++) {
      lp[i] = (float) (-5 * rnd.nextDouble());
      ref[i] = (float) (-5 * rnd.nextDouble());
    }
    for (KlEstimator k : new KlEstimator[] {KlEstimator.KL, KlEstimator.ABS, KlEstimator.MSE, KlEstimator.K3}) {
      double[] got = KlPenalty.perToken(k, lp, ref);
      for (int i = 0; i < lp.length; i++) {
        double d = (double) lp[i] - ref[i];
        double expected = switch (k) {
          case KL -> d;
          case ABS -> d < 0 ? -d : d;
          case MSE -> d * d / 2;
          default -> Math.exp(-d) - 1 + d;
        };
        assertEquals(expected, got[i], 1e-9, k + " " + i);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> KlPenalty.perToken(KlEstimator.KL, new float[2], new float[3]));
  }

  @Test
  void fullKlOfAThreeTokenDistributionByHand() {
    // p = (½, ¼, ¼), ref = (¼, ¼, ½): ½·ln2 + ¼·ln1 + ¼·ln½ = ¼·ln2 = 0.1732868.
    float[] lp = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.25)};
    float[] ref = {(float) Math.log(0.25), (float) Math.log(0.25), (float) Math.log(0.5)};
    assertEquals(0.25 * Math.log(2), KlPenalty.full(lp, ref), 1e-7);
    assertEquals(0, KlPenalty.full(lp, lp), 1e-12);
    // A token with p = 0 contributes nothing, even against ref = 0.
    float[] lp0 = {0f, Float.NEGATIVE_INFINITY};
    float[] ref0 = {(float) Math.log(0.5), Float.NEGATIVE_INFINITY};
    assertEquals(Math.log(2), KlPenalty.full(lp0, ref0), 1e-7);
  }

  @Test
  void fullKlMatchesSumOfPLogPOverQFromProbabilities() {
    Random rnd = new Random(2);
    for (int trial = 0; trial < 10; trial++) {
      int v = 2 + rnd.nextInt(30);
      double[] p = softmax(rnd, v);
      double[] q = softmax(rnd, v);
      float[] lp = new float[v];
      float[] lq = new float[v];
      double expected = 0;
      for (int i = 0; i < v; i++) {
        lp[i] = (float) Math.log(p[i]);
        lq[i] = (float) Math.log(q[i]);
        expected += p[i] * Math.log(p[i] / q[i]);
      }
      double got = KlPenalty.full(lp, lq);
      assertEquals(expected, got, 1e-6);
      assertTrue(got > -1e-7);
    }
  }

  private static double[] softmax(Random rnd, int v) {
    double[] p = new double[v];
    double z = 0;
    for (int i = 0; i < v; i++) {
      p[i] = Math.exp(3 * rnd.nextGaussian());
      z += p[i];
    }
    for (int i = 0; i < v; i++) {
      p[i] /= z;
    }
    return p;
  }
}
