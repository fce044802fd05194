package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA SFT result fine-tuned in full: its adapter is merged into the base on the replica thread,
 * and the merged weights must train like any others, step after step.
 */
@ExtendWith(SharedSpark.class)
class FullFineTuningFromLoraTest {
  @TempDir static Path out;

  @Test
  void sftRewardAndPpoTrainInFullFromALoraSftOutput() {
    SparkSession spark = SharedSpark.session();
    String prepared = TrainingFixtures.prepared();
    Path sft = out.resolve("sft");
    new SftJob(spark, TrainingFixtures.conf("sft.output=\"" + sft + "\"", "sft.max-steps=1", "sft.global-batch=2",
        "sft.micro-batch=1", "sft.lora.enabled=true", "sft.lora.dropout=0", "sft.eval-max-examples=2"),
        RunFlags.FRESH).run();

    Trainer.Result sftRun = new SftJob(spark, TrainingFixtures.conf("model.path=\"" + sft + "\"",
        "sft.output=\"" + out.resolve("sft-full") + "\"", "sft.max-steps=2", "sft.global-batch=2", "sft.micro-batch=1",
        "sft.eval-max-examples=2"), RunFlags.FRESH).run();
    assertStepsTrained(sftRun, 2);

    Path reward = out.resolve("reward");
    Trainer.Result rewardRun = new RewardJob(spark, TrainingFixtures.conf("reward.model=\"" + sft + "\"",
        "reward.output=\"" + reward + "\"", "reward.max-steps=2", "reward.global-batch=4", "reward.micro-batch=2",
        "reward.max-length=160", "reward.eval-max-examples=4"), RunFlags.FRESH).run();
    assertStepsTrained(rewardRun, 2);

    // The policy merged and trained in full, the reference a frozen copy of the merged model.
    Trainer.Result ppoRun = new PpoJob(spark, TrainingFixtures.conf("ppo.policy=\"" + sft + "\"",
        "ppo.reward=\"" + reward + "\"", "ppo.prompts=\"" + prepared + "\"", "ppo.output=\"" + out.resolve("ppo") + "\"",
        "ppo.steps=1", "ppo.batch-size=4", "ppo.mini-batch-size=2", "ppo.ppo-epochs=1", "ppo.micro-batch=2",
        "ppo.rollout-batch=2", "ppo.generation.min-new-tokens=2", "ppo.generation.max-new-tokens=4",
        "ppo.eval-max-examples=2"), RunFlags.FRESH).run().result();
    assertTrue(ppoRun.finished());
    JsonNode iteration = trainLines(ppoRun).get(0);
    assertEquals(2, iteration.path("ppo/minibatches").asInt(), "two updates, two backward passes: " + iteration);
    assertEquals(0, iteration.path("ppo/skipped_minibatches").asInt(), iteration.toString());
    assertTrue(iteration.path("grad_norm").asDouble() > 0, iteration.toString());
  }

  private static void assertStepsTrained(Trainer.Result run, int steps) {
    assertTrue(run.finished());
    assertEquals(0, run.skippedSteps());
    List<JsonNode> lines = trainLines(run);
    assertEquals(steps, lines.size(), lines.toString());
    lines.forEach(step -> assertTrue(step.path("grad_norm").asDouble() > 0, step.toString()));
  }

  private static List<JsonNode> trainLines(Trainer.Result run) {
    return run.metrics().stream().filter(n -> n.path("split").asText().equals("train")).map(n -> (JsonNode) n).toList();
  }
}
