package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SFT then the reward model on the sample, as `rlhf pipeline` runs them, with the tiny default model. */
@ExtendWith(SharedSpark.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SftAndRewardJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path out;

  @Test
  @Order(1)
  void sftLowersTheEvalLossAndCommitsTheRun() throws Exception {
    TrainingFixtures.Trained sft = TrainingFixtures.sft();
    Trainer.Result result = sft.result();
    Path out = sft.output().getParent();

    assertTrue(result.finished());
    assertEquals(0, result.skippedSteps());
    JsonNode eval = JSON.readTree(out.resolve("sft/eval.json").toFile());
    double before = eval.path("history").get(0).path("loss").asDouble();
    double after = eval.path("loss").asDouble();
    assertEquals(0, eval.path("history").get(0).path("step").asInt());
    assertEquals(12, eval.path("step").asInt());
    assertTrue(after < before - 1.0, "eval loss " + before + " -> " + after);
    assertEquals(Math.exp(after), eval.path("perplexity").asDouble(), 1e-6 * Math.exp(after));
    JsonNode manifest = JSON.readTree(out.resolve("sft/_manifest.json").toFile());
    assertEquals("checkpoints/checkpoint-12", manifest.path("final_checkpoint").asText());
    assertTrue(Files.exists(out.resolve("sft/checkpoints/checkpoint-12/model.safetensors")));
    assertEquals(12, Files.readAllLines(out.resolve("sft/metrics.jsonl")).stream()
        .filter(l -> l.contains("\"split\":\"train\"")).count());
    assertTrue(Files.size(out.resolve("sft/plots/loss.png")) > 1000);
  }

  @Test
  @Order(2)
  void theRewardModelLearnsThePlantedPreference() throws Exception {
    TrainingFixtures.Trained reward = TrainingFixtures.reward();
    Trainer.Result result = reward.result();
    Path out = reward.output().getParent();

    assertTrue(result.finished());
    JsonNode eval = JSON.readTree(out.resolve("reward/eval.json").toFile());
    double accuracy = eval.path("accuracy").asDouble();
    assertTrue(eval.path("pairs").asInt() >= 300, eval.toString());
    // the sample's preference is whether the answer is about the question's topic: neither the longer
    // answer nor any answer's words give it away, and only a model that reads both learns it
    double length = eval.path("length_baseline_accuracy").asDouble();
    double bagOfWords = eval.path("bow_baseline_accuracy").asDouble();
    assertTrue(length <= 0.6 && bagOfWords <= 0.6, "trivial baselines: length " + length + ", bag of words " + bagOfWords);
    assertTrue(accuracy >= 0.85 && accuracy >= Math.max(length, bagOfWords) + 0.25,
        "held-out pairwise accuracy " + accuracy + " against length " + length + " and bag of words " + bagOfWords);
    assertTrue(eval.path("history").get(0).path("accuracy").asDouble() < 0.65, "it was learnt, not there from the start: "
        + eval.path("history").get(0));
    JsonNode config = JSON.readTree(out.resolve("reward/checkpoints/checkpoint-300/config.json").toFile());
    assertEquals("GPT2ForSequenceClassification", config.path("architectures").get(0).asText());
    assertTrue(config.path("pad_token_id").isInt(), "transformers needs pad_token_id to score a batch: " + config);
  }

  @Test
  @Order(3)
  void anEarlierRunIsNeitherOverwrittenNorMixedInWithoutBeingAsked() {
    Path out = TrainingFixtures.sft().output().getParent();
    String output = out.resolve("sft").toString();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SftJob(SharedSpark.session(),
        TrainingFixtures.conf("sft.output=\"" + output + "\"", "sft.max-steps=2"), RunFlags.FRESH).run());
    assertTrue(e.getMessage().contains("--resume") && e.getMessage().contains("--overwrite"), e.getMessage());
    assertTrue(Files.exists(out.resolve("sft/checkpoints/checkpoint-12/checkpoint.json")), "the earlier run is intact");
  }

  @Test
  @Order(4)
  void missingTablesOrATooShortModelFailBeforeWritingAnything() {
    String output = out.resolve("never").toString();
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new SftJob(
        SharedSpark.session(), TrainingFixtures.conf("sft.data=\"" + out.resolve("nowhere") + "\"",
        "sft.output=\"" + output + "\""), RunFlags.FRESH).run());
    assertTrue(missing.getMessage().contains("no committed prepare output"), missing.getMessage());
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> new SftJob(
        SharedSpark.session(), TrainingFixtures.conf("sft.output=\"" + output + "\"", "model.fresh.max-positions=64"),
        RunFlags.FRESH).run());
    assertTrue(tooLong.getMessage().contains("max_position_embeddings 64"), tooLong.getMessage());
    assertFalse(Files.exists(out.resolve("never")));
  }
}
