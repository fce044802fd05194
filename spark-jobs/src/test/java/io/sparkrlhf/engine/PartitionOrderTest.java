package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
    List<String> finished = new ArrayList<>();
    String folded = PartitionOrder.reduce(sc().parallelize(ids, n).map(i -> {
      Thread.sleep((n - i) * 60L);
      return Integer.toString(i);
    }), (a, b) -> a + "," + b); // not commutative: the order shows
    assertEquals("0,1,2,3,4,5", folded);
  }

  @Test
  void emptyPartitionsAreSkippedAndAnEmptyRddGivesNull() {
    String folded = PartitionOrder.reduce(sc().parallelize(List.of("a", "b", "c"), 5), (a, b) -> a + b);
    assertEquals("abc", folded);
    assertNull(PartitionOrder.reduce(sc().parallelize(List.<String>of(), 3), (a, b) -> a + b));
  }

  /** The plain Spark reduce this replaces: on the same job its order follows completion. */
  @Test
  void sparkReduceFollowsCompletionOrder() {
    int n = 4;
    String folded = sc().parallelize(List.of(0, 1, 2, 3), n).map(i -> {
      Thread.sleep((n - i) * 80L);
      return Integer.toString(i);
    }).reduce((a, b) -> a + "," + b);
    System.out.println("Spark's reduce folded " + folded);
    org.junit.jupiter.api.Assertions.assertNotEquals("0,1,2,3", folded, "completion order differs from index order");
  }
}
