package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The watch the secrets test relies on sees a value in a task's closure and in a broadcast. */
@ExtendWith(SharedSpark.class)
class WatchingSerializerTest {
  private static final String VALUE = "watched-value-5f1c2a";

  @Test
  void seesAValueCapturedInAClosure() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    String captured = new String(VALUE); // what a task function captures
    WatchingSerializer.watch(List.of(VALUE));
    List<Integer> lengths;
    List<WatchingSerializer.Sighting> seen;
    try {
      lengths = sc.parallelize(List.of(1, 2), 2).map(x -> captured.length() + x).collect();
    } finally {
      seen = WatchingSerializer.stopWatching();
    }
    assertEquals(List.of(VALUE.length() + 1, VALUE.length() + 2), lengths);
    assertTrue(seen.stream().anyMatch(s -> s.root().isTaskBinary() && s.root().namesOurCode()),
        "not seen in the task binary: " + seen);
  }

  @Test
  void seesAValueInABroadcastAndNothingOnceStopped() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    WatchingSerializer.watch(List.of(VALUE));
    Broadcast<ArrayList<String>> bc = sc.broadcast(new ArrayList<>(List.of("x", VALUE)));
    List<WatchingSerializer.Sighting> seen = WatchingSerializer.stopWatching();
    bc.destroy();
    assertTrue(seen.stream().anyMatch(s -> s.root().className().equals(ArrayList.class.getName())),
        "not seen in the broadcast: " + seen);

    Broadcast<ArrayList<String>> after = sc.broadcast(new ArrayList<>(List.of(VALUE))); // after stopWatching
    after.destroy();
    assertEquals(List.of(), WatchingSerializer.stopWatching());
  }
}
