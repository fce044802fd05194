package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * `rlhf ppo` on the sample, from the SFT and reward runs the other job tests train: the whole job
 * (prompts from the prepared tables, resident models, evaluation before and after, checkpoints with
 * the value head, metrics with TRL's names, samples as text, plots, eval.json, the manifest); bad
 * input fails before any work. Learning itself is shown by {@link PpoLearningTest}: on this sample
 * the 12-step SFT policy samples near-uniformly from 50257 tokens, and its reward-model scores hardly
 * vary (README: what was measured).
 */
@ExtendWith(SharedSpark.class)
class PpoJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path out;

  /** The job's configuration on the shared sample and trained models, and {@code overrides}. */
  static Config conf(String output, String... overrides) {
    List<String> all = new ArrayList<>(List.of(
        "ppo.policy=\"" + TrainingFixtures.sft().output() + "\"",
        "ppo.reward=\"" + TrainingFixtures.reward().output() + "\"",
        "ppo.prompts=\"" + TrainingFixtures.prepared() + "\"",
        "ppo.output=\"" + output + "\""));
    all.addAll(List.of(overrides));
    return RlhfConfig.load(List.of(), all);
  }

  @Test
  void ppoRunsOnTheSampleAndWritesWhatAUserLooksAt() throws Exception {
    Path output = out.resolve("ppo");
    PpoJob.Summary s = new PpoJob(SharedSpark.session(), conf(output.toString(), LEARNING), RunFlags.FRESH).run();

    assertTrue(s.result().finished());
    PpoProgram.Evaluation sft = s.before();
    PpoProgram.Evaluation ppo = s.after();
    String report = PpoJob.describe(s);
    System.out.println("PpoJobTest: " + report);
    assertEquals(0, sft.step());
    assertEquals(4, ppo.step());
    assertEquals(sft.rollouts().size(), ppo.rollouts().size(), "the same eval prompts before and after");
    assertTrue(Math.abs(sft.meanKl()) < 1e-4, "the SFT policy is its own reference: " + report);
    assertTrue(ppo.meanKl() <= 6.0, "mean KL above the target: " + report);
    assertTrue(Double.isFinite(s.lengthMatchedBaseline()), report);

    JsonNode eval = JSON.readTree(output.resolve("eval.json").toFile());
    assertEquals(ppo.meanScore(), eval.path("ppo").path("reward_mean").asDouble(), 1e-6);
    JsonNode manifest = JSON.readTree(output.resolve("_manifest.json").toFile());
    String last = manifest.path("final_checkpoint").asText();
    assertTrue(Files.exists(output.resolve(last).resolve("model.safetensors")));
    assertTrue(Files.exists(output.resolve(last).resolve("value_head.safetensors")));
    List<String> samples = Files.readAllLines(output.resolve("samples.jsonl"));
    assertFalse(samples.isEmpty());
    JsonNode sample = JSON.readTree(samples.get(0));
    assertTrue(sample.has("prompt") && sample.path("prompt").asText().startsWith("Question:"), sample.toString());
    assertTrue(sample.has("response") && sample.has("score") && sample.has("kl"));
    List<String> metrics = Files.readAllLines(output.resolve("metrics.jsonl"));
    JsonNode first = JSON.readTree(metrics.stream().filter(l -> l.contains("\"train\"")).findFirst().orElseThrow());
    for (String name : List.of("objective/kl", "objective/kl_coef", "objective/entropy", "env/reward_mean",
        "env/reward_std", "ppo/loss/policy", "ppo/loss/value", "ppo/policy/approxkl", "ppo/policy/policykl",
        "ppo/policy/clipfrac", "ppo/val/error", "ppo/val/clipfrac", "ppo/returns/mean", "tokens/responses_len_mean",
        "ppo/skipped_minibatches", "time/ppo/rollout", "time/ppo/scoring", "time/ppo/optimize_step")) {
      assertTrue(first.has(name), "metrics.jsonl lacks " + name);
    }
    try (Stream<Path> plots = Files.list(output.resolve("plots"))) {
      assertTrue(plots.anyMatch(p -> p.getFileName().toString().equals("reward.png")));
    }
  }

  /** The run's settings (the reference defaults, fewer iterations and eval prompts). */
  static final String[] LEARNING = {"ppo.steps=4", "ppo.eval-max-examples=24"};

  @Test
  void badInputFailsBeforeAnyWork() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path never = out.resolve("never");
    // A reward model of another vocabulary.
    Path tiny = PpoFixtures.rewardModel(out.resolve("tiny-reward"));
    IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class, () -> new PpoJob(spark,
        conf(never.toString(), "ppo.reward=\"" + tiny + "\""), RunFlags.FRESH).run());
    assertTrue(vocab.getMessage().contains("vocabulary of 37 tokens") && vocab.getMessage().contains("50257"),
        vocab.getMessage());
    // No prepared tables.
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new PpoJob(spark,
        conf(never.toString(), "ppo.prompts=\"" + out.resolve("nowhere") + "\""), RunFlags.FRESH).run());
    assertTrue(missing.getMessage().contains("no committed prepare output"), missing.getMessage());
    // An empty prompt table.
    Path empty = copyWithEmptyPrompts(spark, out.resolve("empty-prompts"));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> new PpoJob(spark,
        conf(never.toString(), "ppo.prompts=\"" + empty + "\""), RunFlags.FRESH).run());
    assertTrue(none.getMessage().contains("rl_prompts/train") && none.getMessage().contains("is empty"),
        none.getMessage());
    // An unknown key under ppo.
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> RlhfConfig.load(List.of(),
        List.of("ppo.clip-range=0.3")));
    assertTrue(key.getMessage().contains("ppo.clip-range"), key.getMessage());
    assertFalse(Files.exists(never), "nothing was written");
  }

  @Test
  void promptsTooLongForTheContextAreDroppedAndCounted() throws Exception {
    Path output = out.resolve("long-prompts");
    // 1024 positions - 964 new tokens leaves 60 for a prompt: the sample's prompts run from ~20 to 96 tokens.
    PpoJob.Summary s = new PpoJob(SharedSpark.session(), conf(output.toString(), "ppo.steps=1", "ppo.batch-size=4",
        "ppo.mini-batch-size=4", "ppo.ppo-epochs=1", "ppo.generation.min-new-tokens=1",
        "ppo.generation.max-new-tokens=964", "ppo.eval-max-examples=4"), RunFlags.FRESH).run();
    assertTrue(s.droppedPrompts() > 0, "prompts over the limit are counted");
    assertTrue(s.result().finished());
    JsonNode manifest = JSON.readTree(output.resolve("_manifest.json").toFile());
    assertEquals(s.droppedPrompts(), manifest.path("prompts_dropped_too_long").asLong());
    // Nothing left to train on: a clear error, before any work.
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> new PpoJob(SharedSpark.session(),
        conf(out.resolve("never-long").toString(), "ppo.generation.max-new-tokens=1020"), RunFlags.FRESH).run());
    assertTrue(none.getMessage().contains("every prompt of rl_prompts/train is longer than 4 tokens"), none.getMessage());
  }

  /** The prepared root with its rl_prompts/train replaced by an empty table. */
  private static Path copyWithEmptyPrompts(SparkSession spark, Path target) throws Exception {
    Path source = Path.of(TrainingFixtures.prepared());
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : walk.toList()) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    JsonNode manifest = JSON.readTree(target.resolve("_manifest.json").toFile());
    String train = target.resolve(manifest.path("generation").asText()).resolve("rl_prompts/train").toString();
    spark.createDataFrame(List.<Row>of(), RlPromptsTable.SCHEMA).write().mode("overwrite").parquet(train);
    return target;
  }
}
