package io.sparkrlhf.jobs.sft;

import io.sparkrlhf.datasets.tables.SftPackedTable;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One packed block of {@code sft_packed}: token ids and the document each token belongs to; and
 * optionally which tokens the loss predicts ({@code lossMask}, 1: counted; null: every token), so
 * that an example of prompt + response can train on the response tokens only.
 */
public record SftExample(int[] inputIds, int[] docIds, int[] lossMask) implements Serializable {
  public SftExample {
    if (inputIds.length == 0 || inputIds.length != docIds.length) {
      throw new IllegalArgumentException("a packed block needs as many doc ids as tokens (> 0), found "
          + inputIds.length + " tokens and " + docIds.length + " doc ids");
    }
    if (lossMask != null && lossMask.length != inputIds.length) {
      throw new IllegalArgumentException("a loss mask needs one entry per token, found " + lossMask.length + " for "
          + inputIds.length + " tokens");
    }
  }

  /** Every token counted. */
  public SftExample(int[] inputIds, int[] docIds) {
    this(inputIds, docIds, null);
  }

  public static SftExample fromRow(Row row) {
    return new SftExample(ints(row.getList(row.fieldIndex(SftPackedTable.INPUT_IDS))),
        ints(row.getList(row.fieldIndex(SftPackedTable.DOC_IDS))));
  }

  static int[] ints(List<Object> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).intValue();
    }
    return out;
  }
}
