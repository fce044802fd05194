package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.jobs.reward.RandomPairs;
import io.sparkrlhf.jobs.reward.RewardObjective;
import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.spark.ClusterSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine where a cluster runs it: two executor JVMs apart from the driver, values by
 * broadcast, gradients back as task results. AdamW runs with weight decay, clipping and a warmup +
 * cosine schedule, and each step's loss and gradient norm are compared too, so a gradient off by a
 * constant factor (which Adam's update alone would hide) shows.
 */
@ExtendWith(ClusterSpark.class)
class EngineClusterTest {
  private static final double TOLERANCE = 1e-5;
  @TempDir Path tmp;

  private static JavaSparkContext sc() {
    return JavaSparkContext.fromSparkContext(ClusterSpark.session().sparkContext());
  }

  private static TrainerOptions options(long steps, int globalBatch, long checkpointEvery, boolean resume,
      long stopAfter) {
    return options(steps, globalBatch, 1.0, checkpointEvery, resume, stopAfter);
  }

  private static TrainerOptions options(long steps, int globalBatch, double maxGradNorm, long checkpointEvery,
      boolean resume, long stopAfter) {
    return new TrainerOptions(steps, globalBatch, 2, 17, 5e-3, LrSchedule.Kind.COSINE, 2, 0.9, 0.99, 1e-8, 0.01,
        maxGradNorm, 0, checkpointEvery, 2, 1, resume, stopAfter, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);
  }

  /**
   * A clipping threshold that some steps exceed and others do not (the median gradient norm of an
   * unclipped run), so that a gradient off by a factor would be clipped in other steps.
   */
  private static <E> double medianGradNorm(Objective<E> objective, List<E> data) {
    Trainer.Result unclipped = EngineFixtures.inProcess(objective, data, null, options(6, 8, 0.0, 0, false, -1), null);
    double[] norms = unclipped.metrics().stream().mapToDouble(m -> m.path("grad_norm").asDouble()).sorted().toArray();
    return (norms[norms.length / 2 - 1] + norms[norms.length / 2]) / 2;
  }

  private static RewardObjective rewardObjective(boolean lora) {
    LoraSettings adapters = lora ? new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj")) : null;
    return new RewardObjective(ModelSpec.fresh(EngineFixtures.config(), 5, "float32", adapters, 3), 64, 0.5, 0, 9);
  }

  @Test
  void tasksRunInSeparateExecutorJvms() {
    long driver = ProcessHandle.current().pid();
    Set<String> where = new TreeSet<>(sc().parallelize(List.of(1, 2, 3, 4, 5, 6), 6).map(i -> {
      Thread.sleep(300); // long enough that both executors get tasks
      return SparkEnv.get().executorId() + "@" + ProcessHandle.current().pid();
    }).collect());
    assertTrue(where.size() >= 2, "tasks ran in " + where);
    assertTrue(where.stream().noneMatch(w -> w.endsWith("@" + driver)), "a task ran in the driver: " + where);
  }

  @ParameterizedTest(name = "{0} lora={1}")
  @CsvSource({"sft,false", "sft,true", "reward,false", "reward,true"})
  void threePartitionsOnExecutorJvmsEqualOneInProcess(String kind, boolean lora) {
    Trainer.Result single;
    Trainer.Result cluster;
    float[] initial;
    TrainerOptions options;
    if (kind.equals("sft")) {
      List<SftExample> data = EngineFixtures.blocks(30, 3);
      var objective = EngineFixtures.objective(lora);
      options = options(6, 8, medianGradNorm(objective, data), 0, false, -1);
      single = EngineFixtures.inProcess(objective, data, null, options, null);
      cluster = EngineFixtures.onSpark(sc(), objective, data, 3, options, null, null);
      initial = EngineFixtures.inProcess(objective, data, null, options.withMaxSteps(2), null).values();
    } else {
      List<PreferencePair> data = RandomPairs.of(30, EngineFixtures.config().vocabSize(), 4);
      RewardObjective objective = rewardObjective(lora);
      options = options(6, 8, medianGradNorm(objective, data), 0, false, -1);
      single = EngineFixtures.inProcess(objective, data, null, options, null);
      cluster = EngineFixtures.onSpark(sc(), objective, data, 3, options, null, null);
      initial = EngineFixtures.inProcess(objective, data, null, options.withMaxSteps(2), null).values();
    }

    assertTrue(EngineFixtures.relativeDifference(single.values(), initial) > 100 * TOLERANCE,
        "training must move the parameters well beyond the tolerance");
    double d = EngineFixtures.relativeDifference(cluster.values(), single.values());
    assertTrue(d <= TOLERANCE, "3 partitions on executor JVMs differ from the single process by " + d);
    int clipped = 0;
    for (int s = 0; s < 6; s++) {
      JsonNode one = single.metrics().get(s);
      JsonNode many = cluster.metrics().get(s);
      assertEquals(one.path("loss").asDouble(), many.path("loss").asDouble(), 1e-5, "loss of step " + (s + 1));
      double norm = one.path("grad_norm").asDouble();
      assertEquals(norm, many.path("grad_norm").asDouble(), 1e-5 * norm, "gradient norm of step " + (s + 1));
      clipped += norm > options.maxGradNorm() ? 1 : 0;
      assertEquals(2, many.path("executors").asInt(), "step " + (s + 1) + " ran on both executor JVMs");
      assertTrue(many.path("bytes_out").asLong() > 0, "gradients came back as task results");
    }
    assertTrue(clipped > 0 && clipped < 6, clipped + " of 6 steps clipped; the test wants some, not all");
  }

  @Test
  void anExecutorKilledMidStepChangesNoBit() {
    List<SftExample> data = EngineFixtures.blocks(24, 6);
    var objective = EngineFixtures.objective(false);
    TrainerOptions options = options(4, 8, 0, false, -1);
    Trainer.Result clean = EngineFixtures.onSpark(sc(), objective, data, 3, options, null, null);
    ClusterEvents events = ClusterEvents.listen(sc());
    Trainer.Result killed;
    try {
      killed = EngineFixtures.onSpark(sc(), objective, data, 3, options,
          FailureInjection.killExecutor(2, 1, FailureInjection.STEP), null);
    } finally {
      events.stop();
    }
    assertTrue(events.executorsRemoved() >= 1, "an executor JVM was lost: " + events);
    assertTrue(events.jobDescriptions().contains("spark-3 step 2/4"), "the Spark UI names each step's job: "
        + events.jobDescriptions());
    assertEquals(4, killed.step());
    assertArrayEquals(clean.values(), killed.values(), "parameters after an executor was killed mid-step");
  }

  @Test
  void aGradientLostWithItsExecutorAfterTheTaskFinishedChangesNoBit() {
    List<SftExample> data = EngineFixtures.blocks(24, 6);
    var objective = EngineFixtures.objective(false);
    TrainerOptions options = options(4, 8, 0, false, -1);
    Trainer.Result clean = EngineFixtures.onSpark(sc(), objective, data, 3, options, null, null);
    ClusterEvents events = ClusterEvents.listen(sc());
    Trainer.Result lost;
    try {
      lost = EngineFixtures.onSpark(sc(), objective, data, 3, options,
          FailureInjection.loseResult(2, 2, tmp.resolve("lose-result-once")), null);
    } finally {
      events.stop();
    }
    assertTrue(events.executorsRemoved() >= 1, "an executor JVM was lost: " + events);
    // Ran again, at least once; the rerun may itself land on the executor about to die (it is
    // killed a moment after its task returned), and lose a gradient again: StepJob allows 4 runs.
    int runs = events.jobsDescribed("spark-3 step 3/4");
    assertTrue(runs >= 2 && runs <= 4, "step 3's job ran again: " + events.jobDescriptions());
    assertEquals(4, lost.step());
    assertArrayEquals(clean.values(), lost.values(), "parameters after a finished task's gradient was lost");
  }

  @ParameterizedTest(name = "lora={0}")
  @ValueSource(booleans = {false, true})
  void stoppedMidEpochAndResumedIsBitIdentical(boolean lora) {
    List<SftExample> data = EngineFixtures.blocks(20, 8); // 3 steps of 6 per epoch
    var objective = EngineFixtures.objective(lora);
    String output = tmp.resolve("run-" + lora).toString();
    Trainer.Result uninterrupted = EngineFixtures.onSpark(sc(), objective, data, 2, options(7, 6, 0, false, -1), null,
        null);
    Trainer.Result first = EngineFixtures.onSpark(sc(), objective, data, 2, options(7, 6, 2, false, 4), null, output);
    assertFalse(first.finished());
    assertEquals(4, first.step(), "stopped after step 4, one step into the second epoch");
    Trainer.Result resumed = EngineFixtures.onSpark(sc(), objective, data, 2, options(7, 6, 2, true, -1), null, output);
    assertTrue(resumed.finished());
    assertArrayEquals(uninterrupted.values(), resumed.values(), "parameters after stop and resume");
  }
}
