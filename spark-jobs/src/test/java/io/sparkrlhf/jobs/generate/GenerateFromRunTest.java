package io.sparkrlhf.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.cli.RlhfCli;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
/** generate on a finished SFT run with the prepared data's rl_prompts, as PPO sees them. */
class GenerateFromRunTest {
  @TempDir Path dir;

  @Test
  void aFinishedRunCompletesTheFirstEvalPromptsOfRlPrompts() throws Exception {
    String prepared = TrainingFixtures.prepared();
    Path run = TrainingFixtures.sft().output();
    Path out = dir.resolve("eval.jsonl");
    assertEquals(0, RlhfCli.execute("generate", "-m", run.toString(), "-p", prepared, "--split", "eval", "--limit", "3",
        "--max-new-tokens", "5", "--greedy", "-o", out.toString()));

    List<Row> table = SharedSpark.session().read().parquet(PreparedDataset.open(prepared,
        SharedSpark.session().sparkContext().hadoopConfiguration()).table(TableSet.path(RlPromptsTable.NAME, TableSet.EVAL)))
        .orderBy(RlPromptsTable.QID).limit(3).collectAsList();
    List<String> lines = Files.readAllLines(out);
    assertEquals(3, lines.size());
    for (int i = 0; i < 3; i++) {
      JsonNode row = new ObjectMapper().readTree(lines.get(i));
      assertEquals(table.get(i).getLong(table.get(i).fieldIndex(RlPromptsTable.QID)), row.get("qid").asLong());
      assertEquals(table.get(i).getList(table.get(i).fieldIndex(RlPromptsTable.PROMPT_IDS)).size(),
          row.get("prompt_tokens").asInt());
      assertTrue(row.get("prompt").asText().length() > 10, "the prompt decoded with the data's GPT-2 BPE: " + row);
      int n = row.get("completion_tokens").asInt();
      assertTrue(n >= 1 && n <= 5, row.toString());
    }
    assertEquals(2, RlhfCli.execute(new java.io.PrintWriter(new java.io.StringWriter()), "generate", "-m", run.toString(),
        "-p", prepared, "--split", "test", "-o", dir.resolve("x.jsonl").toString()), "an unknown split is refused");
  }
}
