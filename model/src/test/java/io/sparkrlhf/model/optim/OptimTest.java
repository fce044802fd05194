package io.sparkrlhf.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OptimTest {
  /** Two AdamW steps worked by hand (β₁ 0.9, β₂ 0.999, ε 1e-8, λ 0.1, lr 0.01). */
  @Test
  void adamwMatchesAHandWorkedExample() {
    AdamW opt = new AdamW(2, 0.9, 0.999, 1e-8, 0.1);
    float[] p = {1.0f, -2.0f};
    opt.step(p, new float[] {0.5f, 0f}, 0.01);
    // step 1: decay p·(1 − 0.001); m̂ = g, v̂ = g² → update lr·g/|g| = 0.01 for g ≠ 0, 0 for g = 0
    assertEquals(1.0 * 0.999 - 0.01, p[0], 1e-6);
    assertEquals(-2.0 * 0.999, p[1], 1e-6);
    opt.step(p, new float[] {-0.5f, 0f}, 0.01);
    // step 2: m = 0.9·0.05 − 0.05 = −0.005; m̂ = −0.005/0.19; v = 0.999·0.00025 + 0.00025 = 0.00049975; v̂ = v/0.001999
    double p0 = (1.0 * 0.999 - 0.01) * 0.999;
    double mHat = -0.005 / (1 - 0.81);
    double vHat = 0.00049975 / (1 - 0.998001);
    p0 -= 0.01 * mHat / (Math.sqrt(vHat) + 1e-8);
    assertEquals(p0, p[0], 1e-6);
    assertEquals(2, opt.steps());
  }

  @Test
  void restoredStateContinuesExactly() {
    AdamW a = new AdamW(3, 0.9, 0.95, 1e-8, 0.0);
    float[] pa = {0.1f, 0.2f, 0.3f};
    float[] g = {0.3f, -0.1f, 0.2f};
    a.step(pa, g, 0.1);
    AdamW b = new AdamW(3, 0.9, 0.95, 1e-8, 0.0);
    b.restore(a.steps(), a.firstMoment().clone(), a.secondMoment().clone());
    float[] pb = pa.clone();
    a.step(pa, g, 0.1);
    b.step(pb, g, 0.1);
    assertArrayEquals(pa, pb, 0f);
  }

  @Test
  void schedulesFollowTransformersDefinitions() {
    LrSchedule linear = new LrSchedule(LrSchedule.Kind.LINEAR, 1e-4, 10, 110);
    assertEquals(0, linear.at(0));
    assertEquals(5e-5, linear.at(5), 1e-12);
    assertEquals(1e-4, linear.at(10), 1e-12);
    assertEquals(5e-5, linear.at(60), 1e-12);
    assertEquals(0, linear.at(110), 1e-12);
    LrSchedule cosine = new LrSchedule(LrSchedule.Kind.COSINE, 2e-5, 0, 100);
    assertEquals(2e-5, cosine.at(0), 1e-12);
    assertEquals(1e-5, cosine.at(50), 1e-12);
    assertEquals(0, cosine.at(100), 1e-12);
    assertEquals(3e-4, new LrSchedule(LrSchedule.Kind.CONSTANT, 3e-4, 0, 5).at(4), 0);
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.Kind.of("step"));
    assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Kind.LINEAR, 1e-4, 20, 10));
  }

  @Test
  void clippingScalesToTheMaximumNormAndDetectsNonFinite() {
    float[] g = {3f, 4f};
    assertEquals(5.0, GradientClipping.clip(g, 1.0), 1e-9);
    assertEquals(1.0, GradientClipping.norm(g), 1e-5);
    assertArrayEquals(new float[] {0.6f, 0.8f}, g, 1e-5f);
    float[] small = {0.3f, 0.4f};
    GradientClipping.clip(small, 1.0);
    assertArrayEquals(new float[] {0.3f, 0.4f}, small, 0f);
    assertTrue(GradientClipping.allFinite(small));
    assertFalse(GradientClipping.allFinite(new float[] {1f, Float.NaN}));
    assertFalse(GradientClipping.allFinite(new float[] {Float.NEGATIVE_INFINITY}));
  }
}
