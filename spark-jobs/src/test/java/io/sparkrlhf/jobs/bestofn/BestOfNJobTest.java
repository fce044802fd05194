package io.sparkrlhf.jobs.bestofn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.TinyModels;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * best-of-n on the shared sample, SFT policy and reward model: the best of 8 scores above the first
 * sample, samples do not depend on the partitioning, two reward models give whitened combined scores,
 * and bad input fails before anything is written.
 */
@ExtendWith(SharedSpark.class)
class BestOfNJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path out;

  static Config conf(Path output, String... overrides) {
    List<String> all = new ArrayList<>(List.of(
        "best-of-n.policy=\"" + TrainingFixtures.sft().output() + "\"",
        "best-of-n.reward=\"" + TrainingFixtures.reward().output() + "\"",
        "best-of-n.prompts=\"" + TrainingFixtures.prepared() + "\"",
        "best-of-n.output=\"" + output + "\"", "best-of-n.max-prompts=8", "best-of-n.rollout-batch=4",
        "best-of-n.generation.min-new-tokens=4", "best-of-n.generation.max-new-tokens=12", "best-of-n.samples-to-log=3"));
    all.addAll(List.of(overrides));
    return RlhfConfig.load(List.of(), all);
  }

  private static Map<Long, List<Object>> responsesByQid(Path output) {
    Map<Long, List<Object>> out = new TreeMap<>();
    for (Row r : SharedSpark.session().read().parquet(output.resolve(BestOfNTable.NAME).toString()).collectAsList()) {
      out.put(r.getLong(r.fieldIndex("qid")), List.of(r.getList(r.fieldIndex("response_ids")).toString(),
          r.getList(r.fieldIndex("scores")).toString()));
    }
    return out;
  }

  @Test
  void bestOfEightScoresAboveTheFirstSampleAndSamplesDoNotDependOnPartitions() throws Exception {
    Path a = out.resolve("bon-2");
    BestOfNJob.Summary s = new BestOfNJob(SharedSpark.session(), conf(a, "best-of-n.partitions=2")).run();
    System.out.println("BestOfNJobTest: " + BestOfNJob.describe(s));
    assertEquals(8, s.prompts());
    assertTrue(s.bestMean() > s.firstMean(), BestOfNJob.describe(s));
    assertTrue(s.bestMean() > s.meanOfAll(), BestOfNJob.describe(s));

    List<Row> rows = SharedSpark.session().read().parquet(a.resolve(BestOfNTable.NAME).toString()).collectAsList();
    assertEquals(8, rows.size());
    for (Row r : rows) {
      List<Float> scores = r.getList(r.fieldIndex("scores"));
      assertEquals(8, scores.size());
      assertEquals(8, r.getList(r.fieldIndex("response_ids")).size());
      float max = scores.stream().reduce(Float.NEGATIVE_INFINITY, Math::max);
      assertEquals(max, scores.get(r.getInt(r.fieldIndex("best"))), 0f);
    }
    JsonNode summary = JSON.readTree(a.resolve("summary.json").toFile());
    assertEquals(s.bestMean(), summary.path("best_of_n_score_mean").asDouble(), 1e-9);
    assertEquals(s.firstMean(), summary.path("first_sample_score_mean").asDouble(), 1e-9);
    assertEquals("best-of-n", JSON.readTree(a.resolve("_manifest.json").toFile()).path("kind").asText());
    List<String> samples = Files.readAllLines(a.resolve("samples.jsonl"));
    assertEquals(3, samples.size());
    JsonNode sample = JSON.readTree(samples.get(0));
    assertTrue(sample.path("prompt").asText().startsWith("Question:"), sample.toString());
    assertEquals(8, sample.path("responses").size());

    // Blocks of 4 prompts in 2 partitions or 1: the same generation batches, so the same samples.
    Path b = out.resolve("bon-1");
    new BestOfNJob(SharedSpark.session(), conf(b, "best-of-n.partitions=1")).run();
    assertEquals(responsesByQid(a), responsesByQid(b));
  }

  @Test
  void twoRewardModelsGiveWhitenedCombinedScores() throws Exception {
    Path a = out.resolve("bon-two");
    String rm = TrainingFixtures.reward().output().toString();
    BestOfNJob.Summary s = new BestOfNJob(SharedSpark.session(), conf(a, "best-of-n.reward-safety=\"" + rm + "\"",
        "best-of-n.n=4", "best-of-n.max-prompts=6", "best-of-n.partitions=2")).run();
    double sum = 0;
    double squares = 0;
    int count = 0;
    for (Row r : SharedSpark.session().read().parquet(a.resolve(BestOfNTable.NAME).toString()).collectAsList()) {
      for (Object x : r.getList(r.fieldIndex("scores"))) {
        sum += (Float) x;
        squares += (Float) x * (double) (Float) x;
        count++;
      }
    }
    assertEquals(24, count);
    assertEquals(0, sum / count, 1e-5, "whitened: mean 0");
    assertEquals(1, Math.sqrt(squares / count - (sum / count) * (sum / count)), 1e-3, "whitened: sd 1");
    JsonNode summary = JSON.readTree(a.resolve("summary.json").toFile());
    assertEquals("llama2-combined-whitened", summary.path("scores").asText());
    assertTrue(summary.path("whiten_sd").asDouble() > 0);
    assertTrue(s.bestMean() > s.firstMean());
  }

  @Test
  void badInputFailsNamingItBeforeAnythingIsWritten() throws Exception {
    Path o = out.resolve("bon-bad");
    IllegalArgumentException n0 = assertThrows(IllegalArgumentException.class,
        () -> new BestOfNJob(SharedSpark.session(), conf(o, "best-of-n.n=0")).run());
    assertTrue(n0.getMessage().contains("n (-n) must be >= 1, found 0"), n0.getMessage());

    Path missing = out.resolve("no-such-prepared");
    IllegalArgumentException noTables = assertThrows(IllegalArgumentException.class, () -> new BestOfNJob(
        SharedSpark.session(), conf(o, "best-of-n.prompts=\"" + missing + "\"")).run());
    assertTrue(noTables.getMessage().contains(missing.toString()), noTables.getMessage());

    Path tiny = tinyRewardModel(out.resolve("tiny-rm"));
    IllegalArgumentException tokenizer = assertThrows(IllegalArgumentException.class, () -> new BestOfNJob(
        SharedSpark.session(), conf(o, "best-of-n.reward-safety=\"" + tiny + "\"")).run());
    assertTrue(tokenizer.getMessage().contains("safety reward model") && tokenizer.getMessage().contains(tiny.toString())
        && tokenizer.getMessage().contains("share one tokenizer"), tokenizer.getMessage());
    assertFalse(Files.exists(o), "nothing written");
  }

  /** A reward model directory of another vocabulary: the tiny llama (37 tokens) with a score head. */
  private static Path tinyRewardModel(Path dir) throws Exception {
    Files.createDirectories(dir);
    ModelConfig config = TinyModels.llama();
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config, m, DataType.FLOAT32, 99);
      List<SafetensorsWriter.Tensor> tensors = new ArrayList<>(HfWeights.tensors(model, DType.F32));
      tensors.add(new SafetensorsWriter.Tensor("score.weight", DType.F32, new long[] {1, config.hiddenSize()},
          new float[config.hiddenSize()]));
      CheckpointWriter.write(dir, "model", tensors, Long.MAX_VALUE, Map.of("format", "pt"));
    }
    Files.write(dir.resolve("config.json"), config.toHfJson());
    return dir;
  }
}
