package io.sparkrlhf.jobs.reward;

import io.sparkrlhf.datasets.tables.PreferencePairsTable;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/** One row of {@code preference_pairs}: the prompt, the two responses, and the margin (0 when absent). */
public record PreferencePair(int[] prompt, int[] chosen, int[] rejected, float margin) implements Serializable {
  public PreferencePair {
    if (prompt.length + chosen.length == 0 || prompt.length + rejected.length == 0) {
      throw new IllegalArgumentException("a preference pair needs tokens in both sequences");
    }
  }

  public static PreferencePair fromRow(Row row) {
    int m = row.fieldIndex(PreferencePairsTable.MARGIN);
    return new PreferencePair(ints(row.getList(row.fieldIndex(PreferencePairsTable.PROMPT_IDS))),
        ints(row.getList(row.fieldIndex(PreferencePairsTable.CHOSEN_IDS))),
        ints(row.getList(row.fieldIndex(PreferencePairsTable.REJECTED_IDS))),
        row.isNullAt(m) ? 0f : ((Number) row.get(m)).floatValue());
  }

  private static int[] ints(List<Object> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).intValue();
    }
    return out;
  }
}
