package io.sparkrlhf.jobs.generate;

import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.jobs.ppo.RlPrompt;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The rendered, tokenised prompts of a prepared dataset's {@code rl_prompts/<split>}, in qid order. */
public final class RlPromptRows {
  private RlPromptRows() {}

  public static List<RlPrompt> read(SparkSession spark, PreparedDataset data, String root, String split, int limit) {
    if (!split.equals(TableSet.TRAIN) && !split.equals(TableSet.EVAL)) {
      throw new IllegalArgumentException("--split must be " + TableSet.TRAIN + " or " + TableSet.EVAL + ", found '"
          + split + "'");
    }
    String path = data.table(TableSet.path(RlPromptsTable.NAME, split));
    Dataset<Row> rows;
    try {
      rows = ParquetChecksums.reader(spark).parquet(path).orderBy(RlPromptsTable.QID);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read the prompt table " + path + " of " + root + ": " + e.getMessage(), e);
    }
    if (limit > 0) {
      rows = rows.limit(limit);
    }
    List<RlPrompt> prompts = rows.collectAsList().stream().map(RlPrompt::fromRow).toList();
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("the prompt table " + path + " of " + root + " is empty");
    }
    return prompts;
  }
}
