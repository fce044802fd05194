package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.datasets.tables.RlPromptsTable;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/** One row of {@code rl_prompts}: the question's id and its rendered, tokenised prompt. */
public record RlPrompt(long qid, int[] ids) implements Serializable {
  public RlPrompt {
    if (ids.length == 0) {
      throw new IllegalArgumentException("rl_prompts row of question " + qid + " has an empty prompt");
    }
  }

  public static RlPrompt fromRow(Row row) {
    List<Object> ids = row.getList(row.fieldIndex(RlPromptsTable.PROMPT_IDS));
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) ids.get(i)).intValue();
    }
    return new RlPrompt(row.getLong(row.fieldIndex(RlPromptsTable.QID)), out);
  }
}
