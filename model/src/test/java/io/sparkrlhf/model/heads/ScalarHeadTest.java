package io.sparkrlhf.model.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.transformer.HfWeights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScalarHeadTest {
  private final NDManager m = NDManager.newBaseManager();
  private final ParameterStore ps = new ParameterStore(m, false);

  @AfterEach
  void close() {
    m.close();
  }

  @Test
  void rewardIsReadAtTheLastRealTokenForRightAndLeftPadding() {
    ScalarHead head = ScalarHead.reward(2);
    head.initialize(m, DataType.FLOAT32);
    HfWeights.assign(head.hfParameters().get(0), new float[] {1f, 10f}); // score = h0 + 10·h1
    // hidden (B=2, T=3, H=2): position t of row b holds (b, t).
    NDArray hidden = m.create(new float[] {0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2}, new Shape(2, 3, 2));
    NDArray right = m.create(new long[] {1, 1, 0, 1, 1, 1}, new Shape(2, 3)); // row 0 ends at t=1, row 1 at t=2
    assertArrayEquals(new float[] {10f, 21f}, head.atLastToken(ps, hidden, right, false).toFloatArray());
    NDArray left = m.create(new long[] {0, 1, 1, 0, 0, 1}, new Shape(2, 3)); // both end at t=2
    assertArrayEquals(new float[] {20f, 21f}, head.atLastToken(ps, hidden, left, false).toFloatArray());
  }

  @Test
  void valueHeadGivesOneValuePerTokenWithBias() {
    ScalarHead head = ScalarHead.value(2);
    head.initialize(m, DataType.FLOAT32);
    HfWeights.assign(head.hfParameters().get(0), new float[] {2f, -1f});
    HfWeights.assign(head.hfParameters().get(1), new float[] {0.5f});
    NDArray hidden = m.create(new float[] {1, 1, 3, 0}, new Shape(1, 2, 2));
    NDArray v = head.perToken(ps, hidden, false);
    assertEquals(new Shape(1, 2), v.getShape());
    assertArrayEquals(new float[] {1.5f, 6.5f}, v.toFloatArray());
    assertEquals("v_head.summary.weight", head.hfParameters().get(0).name());
  }
}
