package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.datasets.tables.RlPromptsTable;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One row of {@code rl_prompts}: the question's id and its rendered, tokenised prompt; {@code unsafe}
 * from the table's optional {@value #UNSAFE} column (false without it), for the safety rule.
 */
public record RlPrompt(long qid, int[] ids, boolean unsafe) implements Serializable {
  public static final String UNSAFE = "unsafe";

  public RlPrompt {
    if (ids.length == 0) {
      throw new IllegalArgumentException("rl_prompts row of question " + qid + " has an empty prompt");
    }
  }

  public RlPrompt(long qid, int[] ids) {
    this(qid, ids, false);
  }

  public static RlPrompt fromRow(Row row) {
    List<Object> ids = row.getList(row.fieldIndex(RlPromptsTable.PROMPT_IDS));
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) ids.get(i)).intValue();
    }
    boolean unsafe = Arrays.asList(row.schema().fieldNames()).contains(UNSAFE) && !row.isNullAt(row.fieldIndex(UNSAFE))
        && row.getBoolean(row.fieldIndex(UNSAFE));
    return new RlPrompt(row.getLong(row.fieldIndex(RlPromptsTable.QID)), out, unsafe);
  }
}
