package io.sparkrlhf.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One partition's examples: global indices {@code start} .. {@code start + examples.size() - 1}. */
public record DataBlock<E>(long start, List<E> examples) implements Serializable {
  public boolean holds(long index) {
    return index >= start && index < start + examples.size();
  }

  /** The examples of {@code batch} this block holds, in batch order. */
  public List<E> select(long[] batch) {
    List<E> out = new ArrayList<>();
    for (long i : batch) {
      if (holds(i)) {
        out.add(examples.get((int) (i - start)));
      }
    }
    return out;
  }
}
