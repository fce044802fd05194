package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Results are folded in partition order even when the tasks finish in the opposite order. */
@ExtendWith(SharedSpark.class)
class PartitionOrderTest {
  private static JavaSparkContext sc() {
    return JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
  }

  @Test
  void foldsInPartitionOrderWhateverOrderTasksFinishIn() {
    int n = 6;
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(i);
    }
    // Later partitions finish first: partition i sleeps (n - i) x 60 ms.
    String folded = PartitionOrder.reduce(sc().parallelize(ids, n).map(i -> {
      Thread.sleep((n - i) * 60L);
      return Integer.toString(i);
    }), (a, b) -> a + "," + b); // not commutative: the order shows (Spark's reduce gives "1,0,..." or similar here)
    assertEquals("0,1,2,3,4,5", folded);
  }

  /** Each running total is settled as soon as it forms: the first partition before the slow last one finishes. */
  @Test
  void settlesEachRunningTotalAsItForms() {
    List<String> settled = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Long> settledAt = java.util.Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    String folded = PartitionOrder.reduce(sc().parallelize(List.of(0, 1, 2), 3).map(i -> {
      Thread.sleep(i == 2 ? 1500L : 0L);
      return Integer.toString(i);
    }), (a, b) -> a + b, total -> {
      settled.add(total);
      settledAt.add(System.nanoTime() - start);
      return "[" + total + "]";
    });
    assertEquals("[[[0]1]2]", folded);
    assertEquals(List.of("0", "[0]1", "[[0]1]2"), settled);
    assertTrue(settledAt.get(1) < settledAt.get(2) - 1_000_000_000L, "the first two settled before the last task ended: "
        + settledAt);
  }

  /**
   * Spark lets a job's other tasks run on after its result handler threw, and hands their results
   * to the handler still: none may be settled (a settle fetches a gradient nobody will read).
   */
  @Test
  void afterASettleFailsLaterResultsAreDropped() throws InterruptedException {
    List<String> settled = java.util.Collections.synchronizedList(new ArrayList<>());
    IllegalStateException lost = new IllegalStateException("lost");
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> PartitionOrder.reduce(sc().parallelize(List.of(0, 1, 2, 3), 4).map(i -> {
          Thread.sleep(i < 2 ? 0L : 800L);
          return Integer.toString(i);
        }), (a, b) -> a + b, total -> {
          settled.add(total);
          if (total.endsWith("1")) {
            throw lost;
          }
          return total;
        }));
    assertTrue(causedBy(e, lost), "the settle's exception fails the reduction: " + e);
    Thread.sleep(2000); // partitions 2 and 3 end meanwhile
    assertEquals(List.of("0", "01"), settled);
  }

  private static boolean causedBy(Throwable e, Throwable cause) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t == cause) {
        return true;
      }
    }
    return false;
  }

  @Test
  void emptyPartitionsAreSkippedAndAnEmptyRddGivesNull() {
    String folded = PartitionOrder.reduce(sc().parallelize(List.of("a", "b", "c"), 5), (a, b) -> a + b);
    assertEquals("abc", folded);
    assertNull(PartitionOrder.reduce(sc().parallelize(List.<String>of(), 3), (a, b) -> a + b));
  }
}
