package io.sparkrlhf.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class ConsecutiveGroupsTest {
  private static Row row(String site, long thread, String payload) {
    return RowFactory.create(site, thread, payload);
  }

  private static List<String> groups(List<Row> rows) {
    List<String> out = new ArrayList<>();
    Iterator<List<Row>> it = new ConsecutiveGroups(rows.iterator());
    while (it.hasNext()) {
      StringBuilder g = new StringBuilder();
      for (Row r : it.next()) {
        g.append(r.getString(2));
      }
      out.add(g.toString());
    }
    return out;
  }

  @Test
  void equalKeysInARowFormOneGroupBothKeysCount() {
    List<Row> sorted = List.of(
        row("a", 1, "q"), row("a", 1, "x"), row("b", 1, "Q"), row("a", 2, "r"), row("a", 2, "s"), row("a", 2, "t"),
        row("a", -7, "bad"));
    assertEquals(List.of("qx", "Q", "rst", "bad"), groups(sorted));
  }

  @Test
  void emptyAndSingleInputs() {
    assertFalse(new ConsecutiveGroups(List.<Row>of().iterator()).hasNext());
    assertThrows(NoSuchElementException.class, () -> new ConsecutiveGroups(List.<Row>of().iterator()).next());
    assertEquals(List.of("only"), groups(List.of(row("s", 3, "only"))));
  }
}
