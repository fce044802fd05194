package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sparkrlhf.model.train.Autograd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DPO's losses worked by hand, the NDArray version against the doubles, and its gradient against finite differences. */
class DpoLossesTest {
  private final NDManager m = NDManager.newBaseManager();

  @AfterEach
  void close() {
    m.close();
  }

  // One pair: log π(c) = −10, log π(r) = −12, log π_ref(c) = −11, log π_ref(r) = −11.5.
  // z = (−10 + 11) − (−12 + 11.5) = 1 + 0.5 = 1.5.
  private static final double PC = -10;
  private static final double PR = -12;
  private static final double RC = -11;
  private static final double RR = -11.5;

  @Test
  void handWorkedSigmoidIpoAndLabelSmoothing() {
    double z = DpoLosses.logits(PC, PR, RC, RR);
    assertEquals(1.5, z, 1e-15);
    // β = 0.1: β·z = 0.15; −log σ(0.15) = log(1 + e^−0.15) = log(1.860707976) = 0.620957...
    assertEquals(0.6209571, DpoLosses.sigmoid(z, 0.1, 0), 1e-7);
    assertEquals(Math.log(1 + Math.exp(-0.15)), DpoLosses.sigmoid(z, 0.1, 0), 1e-15);
    // ε = 0.2: 0.8·log(1 + e^−0.15) + 0.2·log(1 + e^0.15) = 0.8·0.6209571 + 0.2·0.7709571 = 0.6509571
    assertEquals(0.6509571, DpoLosses.sigmoid(z, 0.1, 0.2), 1e-7);
    // ε = 0.5 is symmetric in z: the loss no longer depends on its sign.
    assertEquals(DpoLosses.sigmoid(z, 0.1, 0.5), DpoLosses.sigmoid(-z, 0.1, 0.5), 1e-15);
    // IPO, β = 0.1: (1.5 − 5)² = 12.25; β = 0.5: (1.5 − 1)² = 0.25.
    assertEquals(12.25, DpoLosses.ipo(z, 0.1), 1e-12);
    assertEquals(0.25, DpoLosses.ipo(z, 0.5), 1e-12);
    // Implicit rewards: β(−10 + 11) = 0.1, β(−12 + 11.5) = −0.05; margin 0.15 = β·z.
    assertEquals(0.1, DpoLosses.reward(PC, RC, 0.1), 1e-15);
    assertEquals(-0.05, DpoLosses.reward(PR, RR, 0.1), 1e-15);
    // The policy equal to the reference: z = 0, the loss is log 2.
    assertEquals(Math.log(2), DpoLosses.sigmoid(DpoLosses.logits(-3, -4, -3, -4), 0.1, 0), 1e-15);
    // Large |β·z| stays finite.
    assertEquals(1000, DpoLosses.sigmoid(-10000, 0.1, 0), 1e-9);
    assertEquals(0, DpoLosses.sigmoid(10000, 0.1, 0), 1e-300);
    assertEquals(DpoLosses.Kind.IPO, DpoLosses.Kind.parse(" IPO"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DpoLosses.Kind.parse("hinge"));
    assertTrue(e.getMessage().contains("hinge"), e.getMessage());
  }

  private static final double[] POLICY_C = {-10, -3, -40, -7.25};
  private static final double[] POLICY_R = {-12, -2, -38, -7.5};
  private static final double[] REF_C = {-11, -3, -41, -7};
  private static final double[] REF_R = {-11.5, -2.5, -39, -8};

  @Test
  void theNdArrayLossEqualsTheDefinitionPerPair() {
    for (DpoLosses.Kind kind : DpoLosses.Kind.values()) {
      for (double smoothing : new double[] {0, 0.1}) {
        float[] got = DpoLosses.losses(f32(POLICY_C), f32(POLICY_R), f32(REF_C), f32(REF_R), kind, 0.1, smoothing)
            .toFloatArray(); // float32, as training runs
        for (int i = 0; i < got.length; i++) {
          double z = DpoLosses.logits(POLICY_C[i], POLICY_R[i], REF_C[i], REF_R[i]);
          double expected = DpoLosses.loss(kind, z, 0.1, smoothing);
          assertEquals(expected, got[i], 1e-6 * Math.max(1, Math.abs(expected)), kind + " ε=" + smoothing + " pair " + i);
        }
      }
    }
  }

  private double total(DpoLosses.Kind kind, double[] pc, double[] pr, double smoothing) {
    try (NDManager step = m.newSubManager()) {
      return DpoLosses.losses(f64(step, pc), f64(step, pr), f64(step, REF_C), f64(step, REF_R), kind, 0.1, smoothing)
          .sum().getDouble();
    }
  }

  @Test
  void gradientsMatchTheClosedFormAndCentralFiniteDifferences() {
    for (DpoLosses.Kind kind : DpoLosses.Kind.values()) {
      double smoothing = kind == DpoLosses.Kind.SIGMOID ? 0.1 : 0;
      double[][] grads = Autograd.record(gc -> {
        try (NDManager step = m.newSubManager()) {
          NDArray pc = f64(step, POLICY_C);
          NDArray pr = f64(step, POLICY_R);
          pc.setRequiresGradient(true);
          pr.setRequiresGradient(true);
          gc.backward(DpoLosses.losses(pc, pr, f64(step, REF_C), f64(step, REF_R), kind, 0.1, smoothing).sum());
          return new double[][] {pc.getGradient().toDoubleArray(), pr.getGradient().toDoubleArray()};
        }
      });
      for (int i = 0; i < POLICY_C.length; i++) {
        double z = DpoLosses.logits(POLICY_C[i], POLICY_R[i], REF_C[i], REF_R[i]);
        // ∂loss/∂z by hand: sigmoid −β[(1−ε)σ(−βz) − εσ(βz)]; ipo 2(z − 1/(2β)). ∂z/∂π(c) = 1, ∂z/∂π(r) = −1.
        double dz = kind == DpoLosses.Kind.IPO ? 2 * (z - 5)
            : -0.1 * ((1 - smoothing) * sigma(-0.1 * z) - smoothing * sigma(0.1 * z));
        assertEquals(dz, grads[0][i], 1e-7, kind + " d/d log π(c) " + i);
        assertEquals(-dz, grads[1][i], 1e-7, kind + " d/d log π(r) " + i);
        double h = 1e-6;
        double[] up = POLICY_C.clone();
        double[] down = POLICY_C.clone();
        up[i] += h;
        down[i] -= h;
        assertEquals((total(kind, up, POLICY_R, smoothing) - total(kind, down, POLICY_R, smoothing)) / (2 * h),
            grads[0][i], 1e-6, kind + " finite difference, chosen " + i);
        up = POLICY_R.clone();
        down = POLICY_R.clone();
        up[i] += h;
        down[i] -= h;
        assertEquals((total(kind, POLICY_C, up, smoothing) - total(kind, POLICY_C, down, smoothing)) / (2 * h),
            grads[1][i], 1e-6, kind + " finite difference, rejected " + i);
      }
    }
  }

  @Test
  void sequenceLogprobsSumOrAverageTheResponseTokensOnly() {
    // B = 2, R = 3, V = 2. Row 0: all three tokens count; row 1: the last is padding.
    float[] logits = {0, 0, 1, 0, 0, 3, /* row 1 */ 2, 0, 0, 0, 50, -50};
    NDArray l = m.create(logits, new Shape(2, 3, 2));
    NDArray targets = m.create(new long[] {1, 0, 1, 0, 1, 1}, new Shape(2, 3));
    NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3));
    double r0 = Math.log(0.5) - Math.log(1 + Math.exp(-1)) - Math.log(1 + Math.exp(-3));
    double r1 = -Math.log(1 + Math.exp(-2)) + Math.log(0.5); // the padded position (log p ≈ −100) is left out
    assertArrayEquals(new float[] {(float) r0, (float) r1}, DpoLosses.sequenceLogprobs(l, targets, mask, false)
        .toFloatArray(), 1e-6f);
    assertArrayEquals(new float[] {(float) (r0 / 3), (float) (r1 / 2)}, DpoLosses.sequenceLogprobs(l, targets, mask,
        true).toFloatArray(), 1e-6f);
  }

  @Test
  void accuracyCountsStrictWins() {
    NDArray chosen = m.create(new float[] {0.1f, 0f, -1f});
    NDArray rejected = m.create(new float[] {0f, 0f, -2f});
    assertEquals(2f, DpoLosses.correct(chosen, rejected).getFloat()); // a tie is no win, as in TRL
  }

  private static double sigma(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private NDArray f32(double[] xs) {
    return m.create(xs).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
  }

  private static NDArray f64(NDManager mm, double[] xs) {
    return mm.create(xs);
  }
}
