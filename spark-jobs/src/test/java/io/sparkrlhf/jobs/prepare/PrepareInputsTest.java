package io.sparkrlhf.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.model.tokenizer.TinyTokenizerJson;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Compressed dumps, split bzip2, paired tables and a tokenizer.json all reach the same tables. */
@ExtendWith(SharedSpark.class)
class PrepareInputsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Set<String> plainPairs;

  @BeforeAll
  static void plainBaseline() {
    spark = SharedSpark.session();
    PrepareFixtures.sample(spark, dir.resolve("plain").toString(), 60, SampleDumpGenerator.Compression.NONE);
    plainPairs = PrepareFixtures.pairKeys(spark, prepare(dir.resolve("plain"), "out-plain"));
    assertTrue(plainPairs.size() > 50);
  }

  private static PreparedDataset prepare(Path input, String output, String... overrides) {
    new PrepareJob(spark, PrepareFixtures.settings(List.of(input.toString()), dir.resolve(output).toString(), overrides),
        PrepareJob.Hooks.NONE).run();
    return PreparedDataset.open(dir.resolve(output).toString(), spark.sparkContext().hadoopConfiguration());
  }

  @Test
  void gzipDumpGivesTheSamePairs() {
    PrepareFixtures.sample(spark, dir.resolve("gz").toString(), 60, SampleDumpGenerator.Compression.GZIP);
    PrepareFixtures.assertSameKeys(plainPairs, PrepareFixtures.pairKeys(spark, prepare(dir.resolve("gz"), "out-gz")));
  }

  @Test
  void bzip2DumpSplitAcrossTasksGivesTheSamePairs() {
    PrepareFixtures.sample(spark, dir.resolve("bz").toString(), 60, SampleDumpGenerator.Compression.BZIP2);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String key = "mapreduce.input.fileinputformat.split.maxsize";
    hadoop.setLong(key, 2 * 1024);
    try {
      String file = dir.resolve("bz/cooking.stackexchange.com/Posts.xml.bz2").toString();
      int splits = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .newAPIHadoopFile(file, TextInputFormat.class, LongWritable.class, Text.class, hadoop).getNumPartitions();
      assertTrue(splits > 1, "bzip2 must split; got " + splits + " split(s)");
      PrepareFixtures.assertSameKeys(plainPairs, PrepareFixtures.pairKeys(spark, prepare(dir.resolve("bz"), "out-bz")));
    } finally {
      hadoop.unset(key);
    }
  }

  @Test
  void pairedTablesInJsonLinesJsonArrayAndParquet() throws Exception {
    String rows =
        "{\"qid\": 1, \"question\": \"How?\", \"date\": \"2020\", \"metadata\": [\"https://superuser.com/questions/1\"], \"response_j\": \"Good answer\", \"response_k\": \"Bad\"}\n"
            + "{\"qid\": 1, \"question\": \"How?\", \"date\": \"2020\", \"metadata\": [\"https://superuser.com/questions/1\"], \"response_j\": \"Good answer\", \"response_k\": \"Worse\"}\n"
            + "{\"qid\": 2, \"question\": \"Why?\", \"date\": \"2021\", \"metadata\": [], \"response_j\": \"Because\", \"response_k\": \"No\"}\n"
            + "{\"qid\": \"not-a-number\", \"question\": \"Q\", \"date\": \"2021\", \"metadata\": [], \"response_j\": \"a\", \"response_k\": \"b\"}\n"
            + "{\"qid\": 3, \"question\": \"  \", \"date\": \"2021\", \"metadata\": [], \"response_j\": \"a\", \"response_k\": \"b\"}\n";
    Path jsonl = Files.writeString(dir.resolve("paired.jsonl"), rows);
    Path jsonArray = Files.writeString(dir.resolve("paired.json"),
        "[\n" + String.join(",\n", rows.strip().split("\n")) + "\n]\n");
    Path parquet = dir.resolve("paired-parquet");
    spark.read().json(jsonl.toString()).write().parquet(parquet.toString());

    for (Path input : List.of(jsonl, jsonArray, parquet)) {
      // Two of the five rows are bad on purpose, and two short documents fill only a small block.
      PreparedDataset out = prepare(input, "out-" + input.getFileName(), "prepare.input.format=paired",
          "prepare.split.eval-fraction=0", "prepare.max-bad-fraction=0.5", "prepare.seq-len=8");
      List<Row> pairs = spark.read().parquet(out.table("preference_pairs/train")).collectAsList();
      assertEquals(3, pairs.size(), input.toString());
      for (Row r : pairs) {
        assertTrue(r.isNullAt(r.fieldIndex("chosen_score")) && r.isNullAt(r.fieldIndex("margin")));
        String site = r.getString(r.fieldIndex("site"));
        assertEquals(r.getLong(r.fieldIndex("qid")) == 1 ? "superuser.com" : "paired", site);
      }
      List<Row> bad = spark.read().parquet(out.table("bad_records")).collectAsList();
      assertEquals(Set.of("invalid_qid", "empty_question"),
          Set.copyOf(bad.stream().map(r -> r.getString(r.fieldIndex("reason"))).toList()), input.toString());
      assertEquals(2, spark.read().parquet(out.table("rl_prompts/train")).count());
      JsonNode m = out.manifest();
      assertEquals(2, m.at("/tables/sft_packed~1train/documents").asLong(), "one document per distinct preferred answer");
    }
  }

  @Test
  void pairedTableWithoutQidGetsAnIdFromTheQuestionTextStableAcrossPartitionings() throws Exception {
    String how = "How do I mount a drive?";
    String why = "Why is the sky blue?\nIt is.";
    String rows =
        "{\"question\": \"" + how + "\", \"response_j\": \"Use mount\", \"response_k\": \"No idea\"}\n"
            + "{\"question\": \"" + how + "\", \"response_j\": \"Use mount\", \"response_k\": \"Reboot\"}\n"
            + "{\"question\": \"" + why.replace("\n", "\\n") + "\", \"response_j\": \"Rayleigh\", \"response_k\": \"Magic\"}\n"
            + "{\"question\": \" \", \"response_j\": \"a\", \"response_k\": \"b\"}\n";
    Path jsonl = Files.writeString(dir.resolve("paired-noqid.jsonl"), rows);
    Path parquet = dir.resolve("paired-noqid-parquet");
    spark.read().json(jsonl.toString()).repartition(3).write().parquet(parquet.toString());
    // The documented rule, computed here with the JDK's SHA-256 rather than Spark's sha2/conv.
    java.util.Map<String, Long> expected = java.util.Map.of(how, documentedQid(how), why, documentedQid(why));
    assertTrue(expected.get(how) != expected.get(why).longValue());
    for (Path input : List.of(jsonl, parquet)) {
      for (int partitions : new int[] {1, 4}) {
        io.sparkrlhf.datasets.paired.PairedTable.Input in =
            io.sparkrlhf.datasets.paired.PairedTable.read(spark, List.of(input.toString()));
        java.util.Map<String, Long> seen = new java.util.HashMap<>();
        for (Row r : in.rows().repartition(partitions).collectAsList()) {
          Long before = seen.put(r.getString(r.fieldIndex("question")), r.getLong(r.fieldIndex("qid")));
          assertTrue(before == null || before == r.getLong(r.fieldIndex("qid")), "one id per question");
        }
        assertEquals(expected, seen, input + " in " + partitions + " partitions");
        assertEquals(List.of("empty_question"),
            in.bad().collectAsList().stream().map(r -> r.getString(r.fieldIndex("reason"))).toList());
      }
    }
    PreparedDataset out = prepare(jsonl, "out-noqid", "prepare.input.format=paired", "prepare.split.eval-fraction=0",
        "prepare.max-bad-fraction=0.5", "prepare.seq-len=8");
    assertEquals(Set.copyOf(expected.values()), Set.copyOf(spark.read().parquet(out.table("rl_prompts/train"))
        .collectAsList().stream().map(r -> r.getLong(r.fieldIndex("qid"))).toList()));
  }

  /** int(hashlib.sha256(q.encode()).hexdigest()[:15], 16): the top 60 bits of the digest. */
  private static long documentedQid(String question) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(question.getBytes(StandardCharsets.UTF_8));
    long top64 = java.nio.ByteBuffer.wrap(d, 0, 8).getLong();
    return top64 >>> 4;
  }

  @Test
  void pairedTableWithoutRequiredColumnsIsRejectedBeforeWriting() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"qid\": 1, \"question\": \"Q\", \"chosen\": \"a\"}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> prepare(bad, "out-missing-columns", "prepare.input.format=paired"));
    assertTrue(e.getMessage().contains("response_j") && e.getMessage().contains("bad.jsonl"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("out-missing-columns")));
  }

  @Test
  void huggingFaceTokenizerJsonWithEosFromTokenizerConfig() throws Exception {
    Path tok = Files.createDirectories(dir.resolve("tokenizer"));
    Files.write(tok.resolve("tokenizer.json"), TinyTokenizerJson.json());
    Files.writeString(tok.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"</s>\"}}");
    // About one token per byte with this tiny vocabulary: the length limits scale with it.
    PreparedDataset out = prepare(dir.resolve("plain"), "out-hf", "prepare.tokenizer.kind=hf",
        "prepare.tokenizer.path=\"" + tok + "\"", "prepare.max-prompt-tokens=5000", "prepare.max-pair-tokens=10000");
    int eos = TinyTokenizerJson.vocab().get(TinyTokenizerJson.EOS);
    assertEquals(eos, out.manifest().at("/tokenizer/eos_token_id").asInt());
    assertTrue(out.manifest().at("/tokenizer/name").asText().startsWith("hf/"));
    // Byte-level ids: every token is < vocab size, and EOS appears in the packed stream.
    List<Row> blocks = spark.read().parquet(out.table("sft_packed/train")).collectAsList();
    boolean sawEos = false;
    for (Row b : blocks) {
      for (int id : PrepareFixtures.ints(b, "input_ids")) {
        assertTrue(id >= 0 && id <= eos);
        sawEos |= id == eos;
      }
    }
    assertTrue(sawEos && !blocks.isEmpty());
    PrepareFixtures.assertSameKeys(plainPairs, PrepareFixtures.pairKeys(spark, out));
  }

  /** An Instruct model's tokenizer directory: prompts in rl_prompts are the chat template's user turn. */
  @Test
  void chatTemplatePromptsForAnInstructModel() throws Exception {
    Path tok = Files.createDirectories(dir.resolve("qwen-instruct"));
    Files.write(tok.resolve("tokenizer.json"), io.sparkrlhf.model.tokenizer.ModernTokenizerJson.qwen2());
    try (var in = getClass().getResourceAsStream("/chat-templates/qwen2.5-instruct.tokenizer_config.json")) {
      Files.write(tok.resolve("tokenizer_config.json"), in.readAllBytes());
    }
    PreparedDataset out = prepare(dir.resolve("plain"), "out-chat", "prepare.tokenizer.kind=hf",
        "prepare.tokenizer.path=\"" + tok + "\"", "prepare.max-prompt-tokens=5000", "prepare.max-pair-tokens=10000",
        "prepare.prompt.format=chat-template", "prepare.prompt.system=\"Be terse.\"");
    assertEquals("chat-template", out.manifest().at("/prompt_format").asText());
    var tokenizer = io.sparkrlhf.model.tokenizer.TokenizerSpec.huggingFaceJson(
        io.sparkrlhf.model.tokenizer.ModernTokenizerJson.qwen2(), "<|im_end|>", "q").load();
    List<Row> prompts = spark.read().parquet(out.table("rl_prompts/train")).collectAsList();
    assertTrue(!prompts.isEmpty());
    String head = "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\n";
    String tail = "<|im_end|>\n<|im_start|>assistant\n";
    for (Row p : prompts) {
      int[] ids = PrepareFixtures.ints(p, "prompt_ids");
      assertEquals(151644, ids[0], "<|im_start|> is one special token");
      String text = tokenizer.decode(ids);
      assertTrue(text.startsWith(head) && text.endsWith(tail) && !text.contains("Question:"), text);
    }
    // SFT documents end with the Instruct model's end of turn: inside packed blocks, where one document
    // ends and the next begins, <|im_end|> is followed by the next prompt's <|im_start|>system.
    int boundaries = 0;
    for (Row b : spark.read().parquet(out.table("sft_packed/train")).collectAsList()) {
      int[] ids = PrepareFixtures.ints(b, "input_ids");
      int[] docs = PrepareFixtures.ints(b, "doc_ids");
      for (int i = 1; i < ids.length; i++) {
        if (docs[i] != docs[i - 1]) {
          assertEquals(151645, ids[i - 1], "a document ends with <|im_end|>");
          assertEquals(151644, ids[i], "a document starts with <|im_start|>");
          boundaries++;
        }
      }
    }
    assertTrue(boundaries > 0);
  }

  @Test
  void chatTemplateNeedsATokenizerThatHasOne() throws Exception {
    Path tok = Files.createDirectories(dir.resolve("base-model"));
    Files.write(tok.resolve("tokenizer.json"), TinyTokenizerJson.json());
    Files.writeString(tok.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> prepare(dir.resolve("plain"),
        "out-no-template", "prepare.tokenizer.kind=hf", "prepare.tokenizer.path=\"" + tok + "\"",
        "prepare.prompt.format=chat-template"));
    assertTrue(e.getMessage().contains("chat_template"), e.getMessage());
    IllegalArgumentException gpt2 = assertThrows(IllegalArgumentException.class, () -> prepare(dir.resolve("plain"),
        "out-gpt2-chat", "prepare.prompt.format=chat-template"));
    assertTrue(gpt2.getMessage().contains("tokenizer.kind"), gpt2.getMessage());
  }
}
