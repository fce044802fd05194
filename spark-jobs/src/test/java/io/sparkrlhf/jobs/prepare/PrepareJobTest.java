package io.sparkrlhf.jobs.prepare;

import static io.sparkrlhf.jobs.prepare.PrepareFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.prepare.DropReason;
import io.sparkrlhf.datasets.prepare.EvalSplit;
import io.sparkrlhf.datasets.prepare.PrepareOptions;
import io.sparkrlhf.datasets.prepare.QuestionThread;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.model.tokenizer.Gpt2Tokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole job on a generated dump, checked against the single-process reference. */
@ExtendWith(SharedSpark.class)
class PrepareJobTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static SampleDumpGenerator.Summary sample;
  static PrepareSettings settings;
  static PrepareOptions options;
  static JsonNode manifest;
  static PreparedDataset out;
  static Map<String, QuestionThread.Result> reference;

  @BeforeAll
  static void runOnce() throws Exception {
    spark = SharedSpark.session();
    sample = PrepareFixtures.sample(spark, dir.resolve("dump").toString(), 150, SampleDumpGenerator.Compression.NONE);
    settings = PrepareFixtures.settings(List.of(dir.resolve("dump").toString()), dir.resolve("out").toString());
    options = settings.options(TokenizerSpec.gpt2());
    manifest = new PrepareJob(spark, settings, PrepareJob.Hooks.NONE).run();
    out = PreparedDataset.open(dir.resolve("out").toString(), spark.sparkContext().hadoopConfiguration());
    List<Path> files = sample.files().stream().map(f -> Path.of(f.replace("file:", ""))).toList();
    reference = SingleProcessReference.run(files, options);
  }

  /**
   * Token-id columns are two-level Parquet lists (a repeated int32, no group per element): the
   * layout prepare writes for speed, which Parquet's compatibility rules make every reader see as
   * {@code array<int>} (Spark reads them back in the tests above; CI reads them with hyparquet).
   */
  @Test
  void sessionSettingsAreAsBeforeTheJob() {
    for (String key : PrepareJob.JOB_SETTINGS.keySet()) {
      assertTrue(!spark.conf().getAll().contains(key), () -> key + " left set to " + spark.conf().get(key));
    }
  }

  @Test
  void tokenIdColumnsAreTwoLevelListsOfRequiredInts() throws Exception {
    Map<String, List<String>> idColumns = Map.of(
        "preference_pairs/train", List.of("prompt_ids", "chosen_ids", "rejected_ids"),
        "rl_prompts/train", List.of("prompt_ids"),
        "sft_packed/train", List.of("input_ids", "doc_ids"));
    for (Map.Entry<String, List<String>> table : idColumns.entrySet()) {
      org.apache.hadoop.fs.Path tableDir = new org.apache.hadoop.fs.Path(out.table(table.getKey()));
      Configuration conf = new Configuration();
      org.apache.hadoop.fs.Path part = Arrays.stream(tableDir.getFileSystem(conf).listStatus(tableDir))
          .map(org.apache.hadoop.fs.FileStatus::getPath).filter(f -> f.getName().endsWith(".parquet"))
          .findFirst().orElseThrow();
      MessageType schema;
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(part, conf))) {
        schema = reader.getFooter().getFileMetaData().getSchema();
      }
      for (String column : table.getValue()) {
        GroupType list = schema.getType(column).asGroupType();
        Type element = list.getType(0);
        assertEquals(LogicalTypeAnnotation.listType(), list.getLogicalTypeAnnotation(), column);
        assertTrue(element.isPrimitive() && element.isRepetition(Type.Repetition.REPEATED)
            && element.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32,
            table.getKey() + "." + column + ": " + list);
      }
    }
  }

  @Test
  void pairsPromptsAndDocumentsEqualTheSingleProcessReference() {
    Set<String> expectedPairs = new HashSet<>();
    Map<String, int[]> expectedPrompts = new HashMap<>();
    long expectedDocs = 0;
    for (QuestionThread.Result r : reference.values()) {
      for (QuestionThread.ScoredPair p : r.pairs()) {
        expectedPairs.add(r.site() + "/" + r.questionId() + ":" + p.chosenAnswerId() + ">" + p.rejectedAnswerId());
      }
      if (r.promptIds() != null) {
        expectedPrompts.put(r.site() + "/" + r.questionId(), r.promptIds());
      }
      expectedDocs += r.sftDocs().size();
    }
    assertTrue(expectedPairs.size() > 200, "the sample must exercise pairing: " + expectedPairs.size());
    PrepareFixtures.assertSameKeys(expectedPairs, PrepareFixtures.pairKeys(spark, out));

    int prompts = 0;
    for (String split : new String[] {"train", "eval"}) {
      for (Row r : spark.read().parquet(out.table("rl_prompts/" + split)).collectAsList()) {
        String key = r.getString(r.fieldIndex("site")) + "/" + r.getLong(r.fieldIndex("qid"));
        assertArrayEquals(expectedPrompts.get(key), ints(r, "prompt_ids"), key);
        prompts++;
      }
    }
    assertEquals(expectedPrompts.size(), prompts);
    long docs = manifest.at("/tables/sft_packed~1train/documents").asLong() + manifest.at("/tables/sft_packed~1eval/documents").asLong();
    assertEquals(expectedDocs, docs);
  }

  @Test
  void dropCountsEqualTheReferenceAndTheGeneratorsPlantedDefects() {
    Map<String, Long> expected = new HashMap<>();
    for (QuestionThread.Result r : reference.values()) {
      r.drops().forEach((k, v) -> expected.merge(k, v, Long::sum));
    }
    expected.put("other_post_type", sample.otherPosts());
    Map<String, Long> actual = new HashMap<>();
    manifest.get("drops").fields().forEachRemaining(e -> actual.put(e.getKey(), e.getValue().asLong()));
    assertEquals(expected, actual);
    assertEquals(sample.orphanAnswers(), actual.get(DropReason.ORPHAN_ANSWER));
    assertEquals(sample.duplicateAnswers(), actual.get(DropReason.DUPLICATE_ANSWER));
    assertEquals(sample.emptyAnswers(), actual.get(DropReason.EMPTY_ANSWER));
  }

  @Test
  void badRecordsHoldEachMalformedRowWithWhereAndWhy() {
    List<Row> bad = spark.read().parquet(out.table("bad_records")).collectAsList();
    assertEquals(sample.malformedRows(), bad.size());
    Set<String> reasons = new HashSet<>();
    for (Row r : bad) {
      reasons.add(r.getString(r.fieldIndex("reason")));
      assertTrue(r.getString(r.fieldIndex("source_file")).endsWith("/Posts.xml"));
      assertTrue(r.getLong(r.fieldIndex("offset")) > 0);
      assertTrue(!r.getString(r.fieldIndex("detail")).isBlank());
      assertTrue(r.getString(r.fieldIndex("raw_row")).contains("<"));
    }
    assertEquals(Set.of("malformed_xml", "missing_attribute", "invalid_number", "invalid_utf8", "not_a_row"), reasons);
    assertEquals(bad.size(), manifest.at("/tables/bad_records/rows").asLong());
  }

  @Test
  void packedBlocksAreExactlySeqLenAndSegmentsAreWholeDocuments() {
    Set<String> docs = new HashSet<>();
    for (QuestionThread.Result r : reference.values()) {
      r.sftDocs().forEach(d -> docs.add(Arrays.toString(d.ids())));
    }
    int seqLen = options.seqLen();
    long blocks = 0;
    int wholeDocsSeen = 0;
    for (String split : new String[] {"train", "eval"}) {
      List<Row> rows = spark.read().parquet(out.table("sft_packed/" + split)).collectAsList();
      assertEquals(manifest.at("/tables/sft_packed~1" + split + "/rows").asLong(), rows.size());
      blocks += rows.size();
      for (Row row : rows) {
        int[] ids = ints(row, "input_ids");
        int[] docIds = ints(row, "doc_ids");
        assertEquals(seqLen, ids.length);
        assertEquals(seqLen, docIds.length);
        assertEquals(0, docIds[0]);
        List<int[]> segments = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= seqLen; i++) {
          if (i == seqLen || docIds[i] != docIds[i - 1]) {
            if (i < seqLen) {
              assertEquals(docIds[i - 1] + 1, docIds[i], "document ids count up by one");
              assertEquals(Gpt2Tokenizer.EOS_TOKEN_ID, ids[i - 1], "a document ends with EOS");
            }
            segments.add(Arrays.copyOfRange(ids, from, i));
            from = i;
          }
        }
        // Segments strictly inside a block are whole documents of the reference.
        for (int s = 1; s < segments.size() - 1; s++) {
          assertTrue(docs.contains(Arrays.toString(segments.get(s))), "segment is a whole SFT document");
          wholeDocsSeen++;
        }
      }
    }
    assertTrue(blocks > 20 && wholeDocsSeen > 10, blocks + " blocks, " + wholeDocsSeen + " whole documents");
  }

  @Test
  void pairsAreWellFormedAndSplitsFollowTheHash() {
    EvalSplit split = options.split();
    Map<String, String> splitOf = new HashMap<>();
    for (String s : new String[] {"train", "eval"}) {
      Map<String, Integer> perQuestion = new HashMap<>();
      for (Row r : spark.read().parquet(out.table("preference_pairs/" + s)).collectAsList()) {
        String site = r.getString(r.fieldIndex("site"));
        long qid = r.getLong(r.fieldIndex("qid"));
        int chosen = r.getInt(r.fieldIndex("chosen_score"));
        int rejected = r.getInt(r.fieldIndex("rejected_score"));
        assertTrue(chosen > rejected);
        assertEquals(chosen - rejected, r.getInt(r.fieldIndex("margin")));
        assertEquals(s, split.of(site, qid));
        perQuestion.merge(site + "/" + qid, 1, Integer::sum);
        String prompt = Gpt2Tokenizer.instance().decode(ints(r, "prompt_ids"));
        assertTrue(prompt.startsWith("Question: ") && prompt.endsWith("\n\nAnswer: "), prompt);
      }
      assertTrue(perQuestion.values().stream().allMatch(n -> n <= 10));
      for (Row r : spark.read().parquet(out.table("rl_prompts/" + s)).collectAsList()) {
        String key = r.getString(r.fieldIndex("site")) + "/" + r.getLong(r.fieldIndex("qid"));
        assertEquals(null, splitOf.put(key, s), "a question is in one split only: " + key);
      }
    }
    assertTrue(splitOf.containsValue("eval") && splitOf.containsValue("train"));
  }

  @Test
  void manifestDescribesTheRun() {
    assertEquals(out.generation(), manifest.get("generation").asText());
    assertEquals(512, manifest.get("seq_len").asInt());
    assertEquals("gpt2/r50k_base", manifest.at("/tokenizer/name").asText());
    assertEquals(50256, manifest.at("/tokenizer/eos_token_id").asInt());
    assertEquals(2, manifest.at("/input/files").size());
    assertTrue(manifest.at("/timings_s/total").asDouble() > 0);
    for (String table : List.of("rl_prompts/train", "preference_pairs/eval", "sft_packed/train")) {
      long rows = spark.read().parquet(out.table(table)).count();
      assertEquals(rows, manifest.get("tables").get(table).get("rows").asLong(), table);
    }
  }

  @Test
  void aSecondRunOnTheSameInputWritesTheSameTables() {
    PrepareSettings again = settings.withOutput(dir.resolve("out2").toString());
    new PrepareJob(spark, again, PrepareJob.Hooks.NONE).run();
    PreparedDataset out2 = PreparedDataset.open(dir.resolve("out2").toString(), spark.sparkContext().hadoopConfiguration());
    for (String table : List.of("sft_packed/train", "preference_pairs/train", "rl_prompts/eval")) {
      List<Row> a = spark.read().parquet(out.table(table)).collectAsList();
      List<Row> b = spark.read().parquet(out2.table(table)).collectAsList();
      assertEquals(new HashSet<>(a.stream().map(Row::toString).toList()), new HashSet<>(b.stream().map(Row::toString).toList()), table);
    }
  }
}
