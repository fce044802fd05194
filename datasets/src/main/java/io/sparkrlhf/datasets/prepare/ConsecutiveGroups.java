package io.sparkrlhf.datasets.prepare;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * Groups consecutive rows with equal (site, thread_id), the first two columns: after a sort by
 * that key, each group is one thread.
 */
final class ConsecutiveGroups implements Iterator<List<Row>> {
  private final Iterator<Row> rows;
  private Row pending;

  ConsecutiveGroups(Iterator<Row> rows) {
    this.rows = rows;
    this.pending = rows.hasNext() ? rows.next() : null;
  }

  @Override
  public boolean hasNext() {
    return pending != null;
  }

  @Override
  public List<Row> next() {
    if (pending == null) {
      throw new NoSuchElementException();
    }
    List<Row> group = new ArrayList<>();
    Row first = pending;
    group.add(first);
    pending = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      if (r.getLong(1) == first.getLong(1) && r.getString(0).equals(first.getString(0))) {
        group.add(r);
      } else {
        pending = r;
        break;
      }
    }
    return group;
  }
}
