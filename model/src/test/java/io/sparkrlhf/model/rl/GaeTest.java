package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GaeTest {
  private static final double[] R = {0, 0, 1};
  private static final double[] V = {0.5, 0.4, 0.6};

  @Test
  void threeTokensGammaOneLambda095ByHand() {
    // δ2 = 1 + 0 − 0.6 = 0.4; δ1 = 0 + 0.6 − 0.4 = 0.2; δ0 = 0 + 0.4 − 0.5 = −0.1
    // A2 = 0.4; A1 = 0.2 + 0.95·0.4 = 0.58; A0 = −0.1 + 0.95·0.58 = 0.451
    // returns = A + V = (0.951, 0.98, 1.0)
    Gae.Result g = Gae.compute(R, V, 1, 0.95);
    assertArrayEquals(new double[] {0.451, 0.58, 0.4}, g.advantages(), 1e-12);
    assertArrayEquals(new double[] {0.951, 0.98, 1.0}, g.returns(), 1e-12);
  }

  @Test
  void threeTokensGamma09Lambda05ByHand() {
    // γλ = 0.45. δ2 = 1 − 0.6 = 0.4; δ1 = 0.9·0.6 − 0.4 = 0.14; δ0 = 0.9·0.4 − 0.5 = −0.14
    // A2 = 0.4; A1 = 0.14 + 0.45·0.4 = 0.32; A0 = −0.14 + 0.45·0.32 = 0.004
    // returns = (0.504, 0.72, 1.0)
    Gae.Result g = Gae.compute(R, V, 0.9, 0.5);
    assertArrayEquals(new double[] {0.004, 0.32, 0.4}, g.advantages(), 1e-12);
    assertArrayEquals(new double[] {0.504, 0.72, 1.0}, g.returns(), 1e-12);
  }

  /** A_t = Σ_l (γλ)^l δ_{t+l}, δ from values padded with a terminal 0. */
  private static double[] explicitSum(double[] r, double[] v, double gamma, double lam) {
    int n = r.length;
    double[] padded = new double[n + 1];
    System.arraycopy(v, 0, padded, 0, n);
    double[] delta = new double[n];
    for (int t = 0; t < n; t++) {
      delta[t] = r[t] + gamma * padded[t + 1] - padded[t];
    }
    double[] a = new double[n];
    for (int t = 0; t < n; t++) {
      for (int l = 0; t + l < n; l++) {
        a[t] += Math.pow(gamma * lam, l) * delta[t + l];
      }
    }
    return a;
  }

  @Test
  void matchesTheDiscountedSumOfTdResiduals() {
    Random rnd = new Random(4);
    double[][] params = {{1, 0.95}, {0.99, 0.95}, {0.9, 0.5}, {1, 1}, {1, 0}, {0.5, 0.3}};
    for (int trial = 0; trial < 20; trial++) {
      int n = 1 + rnd.nextInt(40);
      double[] r = new double[n];
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        r[i] = rnd.nextGaussian();
        v[i] = rnd.nextGaussian();
      }
      for (double[] p : params) {
        Gae.Result g = Gae.compute(r, v, p[0], p[1]);
        double[] expected = explicitSum(r, v, p[0], p[1]);
        assertArrayEquals(expected, g.advantages(), 1e-9);
        double[] ret = new double[n];
        for (int i = 0; i < n; i++) {
          ret[i] = expected[i] + v[i];
        }
        assertArrayEquals(ret, g.returns(), 1e-9);
      }
      // γ = λ = 1: returns are the Monte Carlo sums of future rewards, whatever the values.
      double[] mc = new double[n];
      double acc = 0;
      for (int i = n - 1; i >= 0; i--) {
        acc += r[i];
        mc[i] = acc;
      }
      assertArrayEquals(mc, Gae.compute(r, v, 1, 1).returns(), 1e-9);
    }
  }

  @Test
  void rejectsMismatchedOrEmptyInputs() {
    assertThrows(IllegalArgumentException.class, () -> Gae.compute(new double[2], new double[3], 1, 0.95));
    assertThrows(IllegalArgumentException.class, () -> Gae.compute(new double[0], new double[0], 1, 0.95));
  }
}
