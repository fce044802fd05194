package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class TrainerCheckpointTest {
  @TempDir Path tmp;
  private final List<SftExample> data = EngineFixtures.blocks(20, 5);

  /** Warmup and cosine decay, weight decay and clipping: everything a resume must restore. */
  private static TrainerOptions options(long checkpointEvery, boolean resume, long stopAfter) {
    return new TrainerOptions(7, 6, 3, 21, 5e-3, LrSchedule.Kind.COSINE, 2, 0.9, 0.99, 1e-8, 0.01, 1.0, 0,
        checkpointEvery, 2, 1, resume, stopAfter, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);
  }

  @Test
  void resumingFromACheckpointEqualsAnUninterruptedRun() throws Exception {
    SftObjective objective = EngineFixtures.objective(false);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    String output = tmp.resolve("run").toString();

    Trainer.Result uninterrupted = EngineFixtures.onSpark(sc, objective, data, 2, options(0, false, -1), null, null);
    Trainer.Result first = EngineFixtures.onSpark(sc, objective, data, 2, options(2, false, 3), null, output);
    assertFalse(first.finished());
    assertEquals(3, first.lastCheckpoint().orElseThrow().step());
    Path checkpoints = tmp.resolve("run/checkpoints");
    assertTrue(Files.isDirectory(checkpoints.resolve("checkpoint-3")), "named as transformers' Trainer names them");
    // Step 3 as versions before that named it: the resume must still find it, and find it the newest.
    Files.move(checkpoints.resolve("checkpoint-3"), checkpoints.resolve("step-000000003"));
    // A crash while writing step 5's checkpoint left files but no manifest: it must be ignored.
    Path torn = tmp.resolve("run/checkpoints/" + CheckpointStore.name(5));
    Files.createDirectories(torn);
    Files.writeString(torn.resolve("trainer_state.json"), "{\"step\": 5");

    Trainer.Result resumed = EngineFixtures.onSpark(sc, objective, data, 2, options(2, true, -1), null, output);

    assertTrue(resumed.finished());
    assertEquals(7, resumed.step());
    assertArrayEquals(uninterrupted.values(), resumed.values(), "resumed parameters equal the uninterrupted run's");
    List<CheckpointStore.Committed> kept = new CheckpointStore(output, new Configuration(), 2).committed();
    assertEquals(List.of(6L, 7L), kept.stream().map(CheckpointStore.Committed::step).toList(), "the newest 2 are kept");
    assertFalse(Files.exists(torn), "the torn checkpoint was pruned");
    try (var names = Files.list(checkpoints)) {
      assertEquals(List.of("checkpoint-6", "checkpoint-7"), names.map(f -> f.getFileName().toString()).sorted().toList(),
          "the older-named checkpoint was pruned like the others");
    }
    List<String> metricSteps = Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
    assertEquals(7, metricSteps.size(), "one line per step, the resumed steps not repeated: " + metricSteps);
    assertTrue(Files.exists(tmp.resolve("run/plots/loss.png")));
  }

  @Test
  void resumeRefusesACheckpointOfADifferentDataPlan() {
    SftObjective objective = EngineFixtures.objective(false);
    String output = tmp.resolve("plan").toString();
    EngineFixtures.inProcess(objective, data, null, options(2, false, 2), output);
    TrainerOptions otherBatch = new TrainerOptions(7, 4, 2, 21, 5e-3, LrSchedule.Kind.COSINE, 2, 0.9, 0.99, 1e-8, 0.01,
        1.0, 0, 2, 2, 1, true, -1, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EngineFixtures.inProcess(objective, data, null, otherBatch, output));
    assertTrue(e.getMessage().contains("global batch 6"), e.getMessage());
  }
}
