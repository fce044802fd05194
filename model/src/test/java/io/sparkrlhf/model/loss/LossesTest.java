package io.sparkrlhf.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LossesTest {
  private final NDManager m = NDManager.newBaseManager();

  @AfterEach
  void close() {
    m.close();
  }

  /** logits over 3 tokens; log-softmax worked by hand. */
  @Test
  void logprobsOfGivenTokens() {
    NDArray logits = m.create(new float[] {0, 0, 0, 2, 0, 0}, new Shape(1, 2, 3));
    NDArray lp = Losses.logprobsOfTokens(logits, m.create(new long[] {1, 0}, new Shape(1, 2)));
    double uniform = Math.log(1.0 / 3);
    double peaked = 2 - Math.log(Math.exp(2) + 2);
    assertArrayEquals(new float[] {(float) uniform, (float) peaked}, lp.toFloatArray(), 1e-6f);
  }

  @Test
  void causalLmShiftsMasksAndStopsAtDocumentBoundaries() {
    // B=1, T=4, V=2. Position t predicts token t+1.
    NDArray logits = m.create(new float[] {0, 0, 1, 0, 0, 3, 0, 0}, new Shape(1, 4, 2));
    NDArray ids = m.create(new long[] {0, 1, 0, 1}, new Shape(1, 4));
    NDArray all = m.create(new long[] {1, 1, 1, 1}, new Shape(1, 4));
    // targets 1,0,1 from logits rows 0,1,2: −log p = log 2, log(1+e^-1), log(1+e^-3)
    double l0 = Math.log(2);
    double l1 = Math.log(1 + Math.exp(-1));
    double l2 = Math.log(1 + Math.exp(-3));
    Losses.Sum s = Losses.causalLm(logits, ids, all, null);
    assertEquals(l0 + l1 + l2, s.total().getFloat(), 1e-5);
    assertEquals(3, s.count().getFloat());
    // A loss mask on the last target leaves two.
    Losses.Sum masked = Losses.causalLm(logits, ids, m.create(new long[] {1, 1, 1, 0}, new Shape(1, 4)), null);
    assertEquals(l0 + l1, masked.total().getFloat(), 1e-5);
    // Documents [0,0 | 1,1]: predicting token 2 from token 1 crosses documents and is not counted.
    Losses.Sum docs = Losses.causalLm(logits, ids, all, m.create(new long[] {0, 0, 1, 1}, new Shape(1, 4)));
    assertEquals(l0 + l2, docs.total().getFloat(), 1e-5);
    assertEquals((l0 + l2) / 2, docs.mean().getFloat(), 1e-5);
  }

  @Test
  void pairwiseRewardWithAndWithoutMargin() {
    NDArray chosen = m.create(new float[] {2f, 0f, 50f});
    NDArray rejected = m.create(new float[] {1f, 1f, -50f});
    // −log σ(1) + −log σ(−1) + −log σ(100)
    double expected = Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(1)) + Math.log(1 + Math.exp(-100));
    Losses.PairwiseResult r = Losses.pairwiseReward(chosen, rejected, null);
    assertEquals(expected, r.lossSum().getFloat(), 1e-5);
    assertEquals(2, r.correct().getFloat());
    assertEquals(3, r.pairs().getFloat());
    Losses.PairwiseResult withMargin = Losses.pairwiseReward(chosen, rejected, m.create(new float[] {1f, 0f, 0f}));
    double expectedMargin = Math.log(2) + Math.log(1 + Math.exp(1)) + Math.log(1 + Math.exp(-100));
    assertEquals(expectedMargin, withMargin.lossSum().getFloat(), 1e-5);
  }

  @Test
  void softplusIsStableAtTheExtremes() {
    float[] out = Losses.softplus(m.create(new float[] {-1000f, 0f, 1000f})).toFloatArray();
    assertArrayEquals(new float[] {0f, (float) Math.log(2), 1000f}, out, 1e-6f);
  }
}
