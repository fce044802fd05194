package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BatchPlanTest {
  @ParameterizedTest(name = "n={0}")
  @ValueSource(longs = {1, 2, 3, 7, 64, 100, 1000, 4097})
  void eachEpochIsABijectionAndInverseUndoesIt(long n) {
    EpochPermutation p = new EpochPermutation(n, 42, 3);
    boolean[] seen = new boolean[(int) n];
    for (long i = 0; i < n; i++) {
      long x = p.apply(i);
      assertFalse(seen[(int) x], "element " + x + " twice");
      seen[(int) x] = true;
      assertEquals(i, p.inverse(x));
    }
  }

  @Test
  void epochsAndSeedsReshuffle() {
    long[] e0 = order(new EpochPermutation(50, 1, 0));
    assertFalse(Arrays.equals(e0, order(new EpochPermutation(50, 1, 1))));
    assertFalse(Arrays.equals(e0, order(new EpochPermutation(50, 2, 0))));
    assertTrue(Arrays.equals(e0, order(new EpochPermutation(50, 1, 0))));
  }

  @Test
  void batchesCoverAnEpochOnceAndDropTheTail() {
    BatchPlan plan = new BatchPlan(10, 3, 7);
    assertEquals(3, plan.stepsPerEpoch());
    Set<Long> seen = new HashSet<>();
    for (long s = 0; s < 3; s++) {
      for (long i : plan.indices(s)) {
        assertTrue(seen.add(i));
      }
    }
    assertEquals(9, seen.size());
    assertEquals(1, plan.epochOf(3));
    assertNotEquals(Arrays.toString(plan.indices(0)), Arrays.toString(plan.indices(3)));
    assertThrows(IllegalArgumentException.class, () -> new BatchPlan(2, 3, 7));
  }

  @Test
  void slotsSplitEvenlyAndContiguously() {
    BatchPlan plan = new BatchPlan(100, 10, 1);
    int[] count = new int[4];
    int last = 0;
    for (int slot = 0; slot < 10; slot++) {
      int p = plan.partitionOfSlot(slot, 4);
      assertTrue(p >= last, "contiguous");
      last = p;
      count[p]++;
    }
    assertEquals(Arrays.toString(new int[] {2, 3, 2, 3}), Arrays.toString(count));
    for (int p = 0; p < 4; p++) {
      assertEquals(p, plan.partitionOfSlot(plan.firstSlot(p, 4), 4));
    }
  }

  private static long[] order(EpochPermutation p) {
    long[] out = new long[50];
    for (int i = 0; i < 50; i++) {
      out[i] = p.apply(i);
    }
    return out;
  }
}
