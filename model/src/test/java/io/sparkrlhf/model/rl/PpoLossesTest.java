package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkrlhf.model.ops.Scalars;
import io.sparkrlhf.model.train.Autograd;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PpoLossesTest {
  private final NDManager m = NDManager.newBaseManager();

  @AfterEach
  void close() {
    m.close();
  }

  private NDArray f32(double... xs) {
    float[] f = new float[xs.length];
    for (int i = 0; i < xs.length; i++) {
      f[i] = (float) xs[i];
    }
    return m.create(f, new Shape(1, xs.length));
  }

  private static double d(NDArray x) {
    return x.toType(DataType.FLOAT64, false).getDouble();
  }

  /** One row, three response tokens and one padding token, clip 0.2 for both ratio and value. */
  @Test
  void clippedObjectiveWorkedByHand() {
    // ratios 1.5, 0.5, 0.5 (oldLp 0); padding would overflow exp(100) if it were not masked.
    NDArray lp = f32(Math.log(1.5), Math.log(0.5), Math.log(0.5), 50);
    NDArray oldLp = f32(0, 0, 0, -50);
    NDArray adv = f32(1, 1, -2, 7);
    // t0: pg1 = −1.5, pg2 = −1·1.2 = −1.2 → −1.2 (clipped)
    // t1: pg1 = −0.5, pg2 = −1·0.8 = −0.8 → −0.5 (not clipped)
    // t2: pg1 = 2·0.5 = 1.0, pg2 = 2·0.8 = 1.6 → 1.6 (clipped)
    // policySum = −1.2 − 0.5 + 1.6 = −0.1, policyClipped = 2, ratioSum = 2.5
    // approxKl = ½(ln²1.5 + 2·ln²0.5) = ½(0.1644019 + 0.9609060) = 0.5626540
    // policyKl = −(ln1.5 + 2·ln0.5) = 0.9808293
    NDArray v = f32(0.5, 0.1, 2, 1000);
    NDArray oldV = f32(0, 0, 0, 0);
    NDArray ret = f32(1, 1, 1, -1000);
    // t0: vclipped 0.2: (0.5 − 1)² = 0.25 vs (0.2 − 1)² = 0.64 → 0.64 (clipped)
    // t1: vclipped = v = 0.1: 0.81 both → 0.81 (equal: not counted as clipped)
    // t2: vclipped 0.2: (2 − 1)² = 1 vs 0.64 → 1
    // valueSum = ½(0.64 + 0.81 + 1) = 1.225, valueClipped = 1, valueErrorSum = 0.25 + 0.81 + 1 = 2.06
    NDArray mask = f32(1, 1, 1, 0);
    PpoLosses.Sums s = PpoLosses.clipped(lp, oldLp, adv, v, oldV, ret, mask, 0.2, 0.2);
    assertEquals(-0.1, d(s.policySum()), 1e-5);
    assertEquals(2, d(s.policyClipped()), 0);
    assertEquals(2.5, d(s.ratioSum()), 1e-5);
    assertEquals(0.5626540, d(s.approxKlSum()), 1e-5);
    assertEquals(0.9808293, d(s.policyKlSum()), 1e-5);
    assertEquals(1.225, d(s.valueSum()), 1e-5);
    assertEquals(1, d(s.valueClipped()), 0);
    assertEquals(2.06, d(s.valueErrorSum()), 1e-5);
    assertEquals(3, d(s.tokens()), 0);
    for (NDArray x : new NDArray[] {s.policySum(), s.valueSum(), s.policyClipped(), s.valueClipped(), s.ratioSum(),
        s.approxKlSum(), s.policyKlSum(), s.valueErrorSum(), s.tokens()}) {
      assertEquals(new Shape(), x.getShape());
      assertEquals(DataType.FLOAT32, x.getDataType());
    }
  }

  @Test
  void unmovedPolicyHasRatioOneAndNoKl() {
    Random rnd = new Random(7);
    int b = 3;
    int t = 6;
    float[] lp = new float[b * t];
    float[] a = new float[b * t];
    float[] v = new float[b * t];
    float[] r = new float[b * t];
    float[] mask = new float[b * t];
    double negAdvSum = 0;
    double halfSqErr = 0;
    for (int i = 0; i < lp.length; i++) {
      lp[i] = (float) (-3 * rnd.nextDouble());
      a[i] = (float) rnd.nextGaussian();
      v[i] = (float) rnd.nextGaussian();
      r[i] = (float) rnd.nextGaussian();
      mask[i] = i % t >= i / t ? 1 : 0; // rows start 0, 1, 2 tokens in
      negAdvSum -= a[i] * mask[i];
      halfSqErr += 0.5 * (v[i] - r[i]) * (v[i] - r[i]) * mask[i];
    }
    Shape shape = new Shape(b, t);
    NDArray lpA = m.create(lp, shape);
    NDArray vA = m.create(v, shape);
    PpoLosses.Sums s = PpoLosses.clipped(lpA, lpA.duplicate(), m.create(a, shape), vA, vA.duplicate(),
        m.create(r, shape), m.create(mask, shape), 0.2, 0.2);
    double tokens = 18 - 3;
    assertEquals(tokens, d(s.tokens()), 0);
    assertEquals(tokens, d(s.ratioSum()), 1e-5);
    assertEquals(0, d(s.policyClipped()), 0);
    assertEquals(0, d(s.valueClipped()), 0);
    assertEquals(0, d(s.approxKlSum()), 0);
    assertEquals(0, d(s.policyKlSum()), 0);
    assertEquals(negAdvSum, d(s.policySum()), 1e-5);
    assertEquals(halfSqErr, d(s.valueSum()), 1e-5);
  }

  /** TRL's loss() as plain loops in double, on random inputs where some tokens clip and some do not. */
  @Test
  void matchesAPlainLoopReference() {
    Random rnd = new Random(8);
    int b = 4;
    int t = 7;
    int n = b * t;
    double clip = 0.2;
    double clipV = 0.3;
    float[] lp = new float[n];
    float[] old = new float[n];
    float[] a = new float[n];
    float[] v = new float[n];
    float[] oldV = new float[n];
    float[] r = new float[n];
    float[] mask = new float[n];
    for (int i = 0; i < n; i++) {
      old[i] = (float) (-4 * rnd.nextDouble());
      lp[i] = (float) (old[i] + 0.6 * (rnd.nextDouble() - 0.5));
      a[i] = (float) rnd.nextGaussian();
      oldV[i] = (float) rnd.nextGaussian();
      v[i] = (float) (oldV[i] + 0.8 * (rnd.nextDouble() - 0.5));
      r[i] = (float) rnd.nextGaussian();
      mask[i] = rnd.nextDouble() < 0.8 ? 1 : 0;
    }
    double pol = 0;
    double val = 0;
    double pc = 0;
    double vc = 0;
    double ratios = 0;
    double approx = 0;
    double pkl = 0;
    double verr = 0;
    double tokens = 0;
    for (int i = 0; i < n; i++) {
      if (mask[i] == 0) {
        continue;
      }
      double ratio = Math.exp((double) lp[i] - old[i]);
      double clamped = Math.min(1 + clip, Math.max(1 - clip, ratio));
      double l1 = -a[i] * ratio;
      double l2 = -a[i] * clamped;
      pol += Math.max(l1, l2);
      pc += l2 > l1 + 1e-6 ? 1 : 0;
      double vcl = Math.min(oldV[i] + clipV, Math.max(oldV[i] - clipV, v[i]));
      double e1 = (v[i] - r[i]) * (v[i] - r[i]);
      double e2 = (vcl - r[i]) * (vcl - r[i]);
      val += 0.5 * Math.max(e1, e2);
      vc += e2 > e1 + 1e-6 ? 1 : 0;
      ratios += ratio;
      approx += 0.5 * (lp[i] - old[i]) * (lp[i] - old[i]);
      pkl += old[i] - lp[i];
      verr += e1;
      tokens++;
    }
    Shape shape = new Shape(b, t);
    PpoLosses.Sums s = PpoLosses.clipped(m.create(lp, shape), m.create(old, shape), m.create(a, shape),
        m.create(v, shape), m.create(oldV, shape), m.create(r, shape), m.create(mask, shape), clip, clipV);
    assertTrue(pc > 0 && pc < tokens && vc > 0 && vc < tokens, "the random case must mix clipped and unclipped: " + pc + " " + vc);
    assertEquals(pol, d(s.policySum()), 1e-4);
    assertEquals(val, d(s.valueSum()), 1e-4);
    assertEquals(pc, d(s.policyClipped()), 0);
    assertEquals(vc, d(s.valueClipped()), 0);
    assertEquals(ratios, d(s.ratioSum()), 1e-4);
    assertEquals(approx, d(s.approxKlSum()), 1e-5);
    assertEquals(pkl, d(s.policyKlSum()), 1e-5);
    assertEquals(verr, d(s.valueErrorSum()), 1e-4);
    assertEquals(tokens, d(s.tokens()), 0);
  }

  // Float64 inputs for the gradient check, one row of 6 tokens, the last one padding. clip 0.2, clipV 0.2.
  // ratio = e^(lp − old): t0 1.5 (A > 0: clipped), t1 1.1 (inside), t2 0.5 (A < 0: clipped),
  // t3 0.6 (A > 0: unclipped side), t4 0.9 (inside), t5 padding.
  private static final double[] OLD = {-1, -2, -0.5, -3, -1.5, -2};
  private static final double[] RATIO = {1.5, 1.1, 0.5, 0.6, 0.9, 3};
  private static final double[] ADV = {1, -0.7, -2, 0.8, 1.3, 5};
  // Values: t0 0.5 past oldV+0.2 with the clipped error larger (clipped: gradient 0); t1 inside;
  // t2 past the range with the unclipped error larger (gradient of the unclipped term); t3, t4 inside.
  private static final double[] OLDV = {0, 0, 0, 1, -1, 0};
  private static final double[] V = {0.5, 0.1, 2, 1.05, -0.9, 9};
  private static final double[] RET = {1, 1, 1, 0.2, 0.5, -9};
  private static final double[] MASK = {1, 1, 1, 1, 1, 0};

  private NDArray f64(NDManager mm, double[] xs) {
    return mm.create(xs, new Shape(1, xs.length));
  }

  private double objective(NDManager mm, double[] lp, double[] v) {
    try (NDManager step = mm.newSubManager()) {
      PpoLosses.Sums s = PpoLosses.clipped(f64(step, lp), f64(step, OLD), f64(step, ADV), f64(step, v), f64(step, OLDV),
          f64(step, RET), f64(step, MASK), 0.2, 0.2);
      return s.policySum().add(Scalars.mul(s.valueSum(), 0.1)).getDouble();
    }
  }

  @Test
  void gradientsMatchCentralFiniteDifferencesInFloat64() {
    double[] lp = new double[OLD.length];
    for (int i = 0; i < lp.length; i++) {
      lp[i] = OLD[i] + Math.log(RATIO[i]);
    }
    double[][] grads = Autograd.record(gc -> {
      try (NDManager step = m.newSubManager()) {
        NDArray lpA = f64(step, lp);
        NDArray vA = f64(step, V);
        lpA.setRequiresGradient(true);
        vA.setRequiresGradient(true);
        PpoLosses.Sums s = PpoLosses.clipped(lpA, f64(step, OLD), f64(step, ADV), vA, f64(step, OLDV), f64(step, RET),
            f64(step, MASK), 0.2, 0.2);
        assertEquals(DataType.FLOAT64, s.policySum().getDataType());
        gc.backward(s.policySum().add(Scalars.mul(s.valueSum(), 0.1)));
        return new double[][] {lpA.getGradient().toDoubleArray(), vA.getGradient().toDoubleArray()};
      }
    });
    // By hand: ∂pg/∂lp = −A·ratio where unclipped, 0 where clipped or padding.
    double[] dLp = {0, 0.7 * 1.1, 0, -0.8 * 0.6, -1.3 * 0.9, 0};
    // ∂(0.1·½·max(..))/∂v = 0.1·(v − R) where the unclipped term wins or v is inside the range, else 0.
    double[] dV = {0, 0.1 * (0.1 - 1), 0.1 * (2 - 1), 0.1 * (1.05 - 0.2), 0.1 * (-0.9 - 0.5), 0};
    // (Scalars makes the constant 0.1 a float32 value, hence 1e-8 rather than 1e-12.)
    assertArrayEquals(dLp, grads[0], 1e-8);
    assertArrayEquals(dV, grads[1], 1e-8);

    double h = 1e-6;
    for (int i = 0; i < lp.length; i++) {
      double[] up = lp.clone();
      double[] down = lp.clone();
      up[i] += h;
      down[i] -= h;
      double numeric = (objective(m, up, V) - objective(m, down, V)) / (2 * h);
      assertEquals(numeric, grads[0][i], 1e-7, "d/d logprob " + i);
      double[] vUp = V.clone();
      double[] vDown = V.clone();
      vUp[i] += h;
      vDown[i] -= h;
      double numericV = (objective(m, lp, vUp) - objective(m, lp, vDown)) / (2 * h);
      assertEquals(numericV, grads[1][i], 1e-7, "d/d value " + i);
    }
  }

  @Test
  void entropyFromLogitsByHandAndAgainstALoop() {
    // Uniform over 2: ln 2. logits (0, ln 3): p = (¼, ¾), H = ¼ln4 + ¾ln(4/3) = 0.3465736 + 0.2157616 = 0.5623351.
    NDArray logits = m.create(new float[] {0, 0, 0, (float) Math.log(3)}, new Shape(1, 2, 2));
    assertArrayEquals(new float[] {(float) Math.log(2), 0.5623351f}, PpoLosses.entropyFromLogits(logits).toFloatArray(), 1e-6f);

    Random rnd = new Random(9);
    int b = 2;
    int t = 3;
    int vocab = 11;
    float[] x = new float[b * t * vocab];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (4 * rnd.nextGaussian());
    }
    x[5] = 200; // one nearly one-hot row: entropy ≈ 0
    NDArray h = PpoLosses.entropyFromLogits(m.create(x, new Shape(b, t, vocab)));
    assertEquals(new Shape(b, t), h.getShape());
    float[] got = h.toFloatArray();
    for (int row = 0; row < b * t; row++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < vocab; k++) {
        max = Math.max(max, x[row * vocab + k]);
      }
      double z = 0;
      for (int k = 0; k < vocab; k++) {
        z += Math.exp(x[row * vocab + k] - max);
      }
      double logsumexp = max + Math.log(z);
      double expectation = 0;
      for (int k = 0; k < vocab; k++) {
        expectation += Math.exp(x[row * vocab + k] - logsumexp) * x[row * vocab + k];
      }
      assertEquals(logsumexp - expectation, got[row], 1e-4, "row " + row);
    }
    assertEquals(0, got[0], 1e-6);
  }
}
