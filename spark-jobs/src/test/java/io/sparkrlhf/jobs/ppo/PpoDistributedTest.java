package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.engine.FailureInjection;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PPO on the engine: a whole iteration (rollouts, rewards, advantages whitened over the global
 * batch, every PPO epoch) is the same on 1 and 2 partitions; a failed rollout task is retried to
 * the same buffer; a run stopped and resumed ends where an uninterrupted one does, KL coefficient
 * included. AdamW runs with weight decay and clipping on, so a gradient off by a factor shows.
 */
@ExtendWith(SharedSpark.class)
class PpoDistributedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double TOLERANCE = 1e-5;
  @TempDir static Path dir;
  private static Path reward;

  @BeforeAll
  static void rewardModel() throws Exception {
    reward = PpoFixtures.rewardModel(dir.resolve("reward"));
  }

  private static JavaSparkContext sc() {
    return JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
  }

  @ParameterizedTest(name = "lora={0}")
  @ValueSource(booleans = {false, true})
  void oneIterationOnTwoPartitionsEqualsOnePartition(boolean lora) {
    PpoSettings s = PpoFixtures.settings();
    PpoObjective objective = PpoFixtures.objective(PpoFixtures.policy(lora), reward, s);
    List<RlPrompt> prompts = PpoFixtures.prompts(16, 3);
    PpoFixtures.Run one = PpoFixtures.run(sc(), objective, s, prompts, null, 1, 1, null, null, false, -1);
    PpoFixtures.Run two = PpoFixtures.run(sc(), objective, s, prompts, null, 2, 1, null, null, false, -1);

    assertEquals(8, one.rollouts().size());
    assertEquals(8, two.rollouts().size());
    for (int i = 0; i < 8; i++) {
      Rollout a = one.rollouts().get(i);
      Rollout b = two.rollouts().get(i);
      assertEquals(a.promptIndex(), b.promptIndex());
      assertArrayEquals(a.response(), b.response(), "slot " + i);
      assertArrayEquals(a.logprobs(), b.logprobs(), 1e-5f);
      assertArrayEquals(a.values(), b.values(), 1e-5f);
      assertEquals(a.score(), b.score(), 1e-5f);
    }
    float[] initial = PpoFixtures.run(sc(), objective, PpoFixtures.settings("ppo.optimizer.lr=1e-12"), prompts, null, 1,
        1, null, null, false, -1).result().values();
    double moved = PpoFixtures.relativeDifference(one.result().values(), initial);
    double d = PpoFixtures.relativeDifference(two.result().values(), one.result().values());
    assertTrue(moved > 100 * TOLERANCE, "training moved the parameters by only " + moved);
    assertTrue(d <= TOLERANCE, "2 partitions differ from 1 by " + d + " (training moved them by " + moved + ")");
    assertEquals(one.klCoef(), two.klCoef(), 1e-12);
    assertEquals(4, one.result().metrics().get(0).path("ppo/minibatches").asInt(), "2 PPO epochs x 2 minibatches");
  }

  @Test
  void aRetriedRolloutTaskGivesTheSameBufferAndParameters() {
    PpoSettings s = PpoFixtures.settings();
    PpoObjective objective = PpoFixtures.objective(PpoFixtures.policy(true), reward, s);
    List<RlPrompt> prompts = PpoFixtures.prompts(16, 4);
    PpoFixtures.Run clean = PpoFixtures.run(sc(), objective, s, prompts, null, 2, 2, null, null, false, -1);
    FailedTasks failed = new FailedTasks();
    sc().sc().addSparkListener(failed);
    PpoFixtures.Run retried;
    try {
      retried = PpoFixtures.run(sc(), objective, s, prompts, null, 2, 2,
          new FailureInjection(1, 1, FailureInjection.ROLLOUT), null, false, -1);
    } finally {
      sc().sc().removeSparkListener(failed);
    }
    assertEquals(1, failed.count.get(), "exactly the injected rollout attempt failed");
    assertEquals(clean.rollouts().size(), retried.rollouts().size());
    for (int i = 0; i < clean.rollouts().size(); i++) {
      assertArrayEquals(clean.rollouts().get(i).response(), retried.rollouts().get(i).response());
      assertArrayEquals(clean.rollouts().get(i).logprobs(), retried.rollouts().get(i).logprobs());
    }
    double d = PpoFixtures.relativeDifference(retried.result().values(), clean.result().values());
    assertTrue(d <= 1e-6, "a retried rollout changed the result by " + d);
  }

  @ParameterizedTest(name = "lora={0}")
  @ValueSource(booleans = {false, true})
  void stoppingAndResumingEqualsAnUninterruptedRun(boolean lora) throws Exception {
    PpoSettings s = PpoFixtures.settings("ppo.kl.horizon=100", "ppo.score.scaling=true", "ppo.score.norm=true");
    PpoObjective objective = PpoFixtures.objective(PpoFixtures.policy(lora), reward, s);
    List<RlPrompt> prompts = PpoFixtures.prompts(24, 5);
    List<RlPrompt> eval = PpoFixtures.prompts(6, 6);
    Path whole = dir.resolve("whole-" + lora);
    Path parts = dir.resolve("parts-" + lora);
    PpoFixtures.Run uninterrupted = PpoFixtures.run(sc(), objective, s, prompts, eval, 2, 3, null, whole.toString(),
        false, -1);
    PpoFixtures.Run first = PpoFixtures.run(sc(), objective, s, prompts, eval, 2, 3, null, parts.toString(), false, 1);
    assertFalse(first.result().finished());
    PpoFixtures.Run rest = PpoFixtures.run(sc(), objective, s, prompts, eval, 2, 3, null, parts.toString(), true, -1);

    // The resumed run never evaluated the starting policy itself: its baseline is made again, the same.
    assertEquals(0, rest.baseline().step());
    for (int i = 0; i < eval.size(); i++) {
      assertArrayEquals(uninterrupted.baseline().rollouts().get(i).response(), rest.baseline().rollouts().get(i).response());
      assertEquals(uninterrupted.baseline().rollouts().get(i).score(), rest.baseline().rollouts().get(i).score(), 1e-6f);
    }
    long sampleLines = Files.readAllLines(parts.resolve("samples.jsonl")).size();
    assertEquals(Files.readAllLines(whole.resolve("samples.jsonl")).size(), sampleLines, "samples.jsonl as uninterrupted");

    assertTrue(rest.result().finished());
    assertEquals(3, rest.result().step());
    assertTrue(uninterrupted.klCoef() != 0.2, "the adaptive controller moved: " + uninterrupted.klCoef());
    assertEquals(uninterrupted.klCoef(), rest.klCoef(), 0.0, "KL coefficient after resume");
    assertArrayEquals(uninterrupted.result().values(), rest.result().values(), "parameters after resume");
    JsonNode state = JSON.readTree(parts.resolve("checkpoints/checkpoint-3/trainer_state.json").toFile());
    assertEquals(rest.klCoef(), state.path("program").path("kl_controller").path("value").asDouble(), 0.0);
    assertTrue(Files.exists(parts.resolve("checkpoints/checkpoint-3/value_head.safetensors")));
    assertTrue(Files.exists(parts.resolve(lora ? "checkpoints/checkpoint-3/adapter_model.safetensors"
        : "checkpoints/checkpoint-3/model.safetensors")));
    long trainLines = Files.readAllLines(parts.resolve("metrics.jsonl")).stream()
        .filter(l -> l.contains("\"split\":\"train\"")).count();
    assertEquals(3, trainLines, "each iteration's metrics once");
  }

  static final class FailedTasks extends SparkListener {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (!end.taskInfo().successful()) {
        count.incrementAndGet();
      }
    }
  }
}
