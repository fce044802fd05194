package io.sparkrlhf.jobs.bestofn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkrlhf.jobs.sft.SftExample;
import org.junit.jupiter.api.Test;

class RejectionSamplingSftTest {
  @Test
  void promptAndPaddingAreNotPredictedAndPaddingIsItsOwnDocument() {
    SftExample e = RejectionSamplingSft.example(new int[] {5, 6, 7}, new int[] {8, 9}, 7, 0);
    assertArrayEquals(new int[] {5, 6, 7, 8, 9, 0, 0}, e.inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 0, 0}, e.lossMask());
    assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1}, e.docIds());
  }

  @Test
  void theBestIsTheFirstOfTheHighestScores() {
    assertEquals(1, BestOfNTable.best(new float[] {0.5f, 2f, 2f, -1f}));
    assertEquals(0, BestOfNTable.best(new float[] {3f}));
  }
}
