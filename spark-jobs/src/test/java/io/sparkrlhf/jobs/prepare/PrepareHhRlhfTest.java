package io.sparkrlhf.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SafetySampleGenerator;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** HH-RLHF transcripts reach the same preference_pairs schema; bad rows go to bad_records by reason. */
@ExtendWith(SharedSpark.class)
class PrepareHhRlhfTest {
  @TempDir Path dir;

  private PreparedDataset prepare(SparkSession spark, Path input, String output, String... overrides) {
    String[] all = new String[overrides.length + 1];
    all[0] = "prepare.input.format=hh-rlhf";
    System.arraycopy(overrides, 0, all, 1, overrides.length);
    new PrepareJob(spark, PrepareFixtures.settings(List.of(input.toString()), dir.resolve(output).toString(), all),
        PrepareJob.Hooks.NONE).run();
    return PreparedDataset.open(dir.resolve(output).toString(), spark.sparkContext().hadoopConfiguration());
  }

  @Test
  void transcriptsSplitIntoPromptAndResponsesAndBadRowsByReason() throws Exception {
    SparkSession spark = SharedSpark.session();
    String egg = "\\n\\nHuman: How do I boil an egg?\\n\\nAssistant:";
    String rows = String.join("\n",
        "{\"chosen\": \"" + egg + " Boil it for eight minutes.\", \"rejected\": \"" + egg + " Microwave it.\"}",
        "{\"chosen\": \"" + egg + " Boil it for eight minutes.\", \"rejected\": \"" + egg + " Do not.\"}",
        "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello.\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Go away.\"}",
        "{\"chosen\": \"\\n\\nHuman: no reply\", \"rejected\": \"\\n\\nHuman: no reply\"}",
        "{\"chosen\": \"\\n\\nHuman: A?\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: B?\\n\\nAssistant: y\"}",
        "{\"chosen\": \"" + egg + " Same.\", \"rejected\": \"" + egg + " Same.\"}") + "\n";
    Path file = Files.writeString(dir.resolve("hh.jsonl"), rows);
    PreparedDataset out = prepare(spark, file, "out", "prepare.split.eval-fraction=0", "prepare.max-bad-fraction=0.9",
        "prepare.seq-len=8");
    TextTokenizer gpt2 = TokenizerSpec.gpt2().load();
    List<Row> pairs = spark.read().parquet(out.table("preference_pairs/train")).collectAsList();
    assertEquals(3, pairs.size());
    Map<String, Integer> byPrompt = new TreeMap<>();
    for (Row r : pairs) {
      String prompt = gpt2.decode(PrepareFixtures.ints(r, "prompt_ids"));
      String chosen = gpt2.decode(PrepareFixtures.ints(r, "chosen_ids"));
      String rejected = gpt2.decode(PrepareFixtures.ints(r, "rejected_ids"));
      byPrompt.merge(prompt, 1, Integer::sum);
      assertTrue(prompt.endsWith("\n\nAssistant:"), prompt);
      assertTrue(chosen.equals("Boil it for eight minutes.") || chosen.equals("Hello."), chosen);
      assertFalse(rejected.contains("Assistant:"), rejected);
      assertTrue(r.isNullAt(r.fieldIndex("chosen_score")));
    }
    assertEquals(Map.of("\n\nHuman: How do I boil an egg?\n\nAssistant:", 2, "\n\nHuman: Hi\n\nAssistant:", 1), byPrompt);
    assertEquals(2, spark.read().parquet(out.table("rl_prompts/train")).count(), "one prompt per distinct prefix");
    Map<String, Long> reasons = new TreeMap<>();
    for (Row r : spark.read().parquet(out.table("bad_records")).collectAsList()) {
      reasons.merge(r.getString(r.fieldIndex("reason")), 1L, Long::sum);
      assertTrue(r.getString(r.fieldIndex("source_file")).endsWith("hh.jsonl"));
    }
    assertEquals(Map.of("identical_responses", 1L, "no_assistant_turn", 1L, "no_common_prefix", 1L), reasons);
    assertEquals(reasons, Map.of("identical_responses", out.manifest().at("/bad_records/identical_responses").asLong(),
        "no_assistant_turn", out.manifest().at("/bad_records/no_assistant_turn").asLong(),
        "no_common_prefix", out.manifest().at("/bad_records/no_common_prefix").asLong()));
  }

  @Test
  void theSyntheticSafetySetPreparesWithItsThreeBadRows() {
    SparkSession spark = SharedSpark.session();
    SafetySampleGenerator.Summary s = SafetySampleGenerator.write(dir.resolve("safety").toString(), 60, 7,
        spark.sparkContext().hadoopConfiguration());
    PreparedDataset out = prepare(spark, dir.resolve("safety"), "out-safety", "prepare.seq-len=64");
    assertEquals(3, spark.read().parquet(out.table("bad_records")).count());
    long pairs = spark.read().parquet(out.table("preference_pairs/train")).count()
        + spark.read().parquet(out.table("preference_pairs/eval")).count();
    assertTrue(pairs > 10 && pairs <= 60, "pairs " + pairs + " of " + s.rows());
  }

  @Test
  void aFileWithoutTranscriptsIsRejectedBeforeWriting() throws Exception {
    Path bad = Files.writeString(dir.resolve("paired.jsonl"), "{\"qid\": 1, \"question\": \"Q\", \"response_j\": \"a\"}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> prepare(SharedSpark.session(), bad, "out-bad"));
    assertTrue(e.getMessage().contains("chosen") && e.getMessage().contains("paired.jsonl"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out-bad")));
  }
}
