package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.spark.LogCapture;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run does when things go wrong: non-finite training or weights fail the run without
 * committing them; a resume keeps the earlier evaluations and metrics rows, skips a checkpoint it
 * cannot read, and the temp directory does not fill up with dead runs' staging copies.
 */
class TrainerRecoveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private final List<SftExample> data = EngineFixtures.blocks(20, 5);
  private final List<SftExample> eval = EngineFixtures.blocks(4, 6);
  private final SftObjective objective = EngineFixtures.objective(false);

  /** 7 steps, warmup and cosine decay, weight decay and clipping on: what a resume must restore. */
  private static TrainerOptions options(long evalEvery, long checkpointEvery, boolean resume, long stopAfter) {
    return new TrainerOptions(7, 6, 3, 21, 5e-3, LrSchedule.Kind.COSINE, 2, 0.9, 0.99, 1e-8, 0.01, 1.0, evalEvery,
        checkpointEvery, 2, 1, resume, stopAfter, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);
  }

  /** Whether a warning naming all of {@code parts} was logged. */
  private static boolean warned(LogCapture log, String... parts) {
    return log.text().lines().anyMatch(l -> l.startsWith("WARN") && List.of(parts).stream().allMatch(l::contains));
  }

  private List<Long> committedSteps(String output) {
    return new CheckpointStore(output, new Configuration(), 2).committed().stream().map(CheckpointStore.Committed::step)
        .toList();
  }

  private List<String> checkpointDirs(String output) throws Exception {
    Path root = Path.of(output, CheckpointStore.DIR);
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (var list = Files.list(root)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aResumeFromNonFiniteWeightsFailsAndCommitsNothing() throws Exception {
    String output = tmp.resolve("nan").toString();
    Trainer.Result first = EngineFixtures.inProcess(objective, data, null, options(0, 2, false, 3), output);
    // Step 3's weights turn NaN in one tensor, in a checkpoint committed as such (sizes and manifest agree).
    CheckpointStore store = new CheckpointStore(output, new Configuration(), 2);
    Path local = store.fetch(store.latest().orElseThrow(), tmp.resolve("staged"));
    float[] values = TrainerState.readValues(local, first.layout());
    int poisoned = first.layout().count(0);
    for (int i = 0; i < poisoned; i++) {
      values[i] = Float.NaN;
    }
    objective.writeModel(local, first.layout(), values);
    Files.delete(local.resolve(CheckpointStore.MANIFEST));
    store.commit(3, local);
    List<String> before = checkpointDirs(output);

    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> EngineFixtures.inProcess(objective, data, null, options(0, 2, true, -1), output));

    assertTrue(e.getMessage().contains(CheckpointStore.name(3)) && e.getMessage().contains(first.layout().names().get(0))
        && e.getMessage().contains("not finite"), e.getMessage());
    assertEquals(before, checkpointDirs(output), "no checkpoint was committed or removed");
    assertEquals(List.of(2L, 3L), committedSteps(output));
  }

  @Test
  void moreSkippedStepsInARowThanAllowedFailTheRun() throws Exception {
    String output = tmp.resolve("skips").toString();
    FaultyObjective faulty = new FaultyObjective(objective, true, false);
    TrainerOptions atMostFive = new TrainerOptions(12, 6, 3, 21, 5e-3, LrSchedule.Kind.CONSTANT, 0, 0.9, 0.99, 1e-8,
        0.01, 1.0, 0, 2, 2, 1, false, -1, 5, null);

    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> EngineFixtures.inProcess(faulty, data, null, atMostFive, output));

    assertTrue(e.getMessage().contains("max-skipped-steps = 5") && e.getMessage().contains("6 steps in a row")
        && e.getMessage().contains(CheckpointStore.name(4)), e.getMessage());
    assertEquals(List.of(2L, 4L), committedSteps(output), "the periodic checkpoints before, no later one");
  }

  @Test
  void aNonFiniteEvaluationFailsTheRun() throws Exception {
    String output = tmp.resolve("eval").toString();
    FaultyObjective faulty = new FaultyObjective(objective, false, true);

    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> EngineFixtures.inProcess(faulty, data, eval, options(2, 2, false, -1), output));

    assertTrue(e.getMessage().contains("evaluation after step 0") && e.getMessage().contains("not finite"),
        e.getMessage());
    assertEquals(List.of(), checkpointDirs(output), "nothing was committed");
  }

  @Test
  void parametersThatOverflowAreNeverCommitted() throws Exception {
    String output = tmp.resolve("overflow").toString();
    // An update of 1e39 does not fit in a float: the values become infinite after step 1.
    TrainerOptions huge = new TrainerOptions(4, 6, 3, 21, 1e39, LrSchedule.Kind.CONSTANT, 0, 0.9, 0.99, 1e-8, 0.0,
        0.0, 0, 1, 2, 1, false, -1, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);

    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> EngineFixtures.inProcess(objective, data, null, huge, output));

    assertTrue(e.getMessage().contains("after step 1") && e.getMessage().contains("not finite"), e.getMessage());
    assertEquals(List.of(), checkpointDirs(output), "no checkpoint holds the infinite values");
  }

  @Test
  void aResumedRunKeepsTheEvaluationsOfTheEarlierOne() throws Exception {
    String output = tmp.resolve("evals").toString();
    Trainer.Result uninterrupted = EngineFixtures.inProcess(objective, data, eval, options(2, 0, false, -1), null);
    EngineFixtures.inProcess(objective, data, eval, options(2, 2, false, 3), output);

    Trainer.Result resumed = EngineFixtures.inProcess(objective, data, eval, options(2, 2, true, -1), output);

    assertEquals(List.of(0L, 2L, 4L, 6L, 7L), resumed.evaluations().stream().map(Trainer.Evaluation::step).toList());
    assertEquals(uninterrupted.evaluations().size(), resumed.evaluations().size());
    for (int i = 0; i < resumed.evaluations().size(); i++) {
      Trainer.Evaluation expected = uninterrupted.evaluations().get(i);
      Trainer.Evaluation found = resumed.evaluations().get(i);
      assertEquals(expected.step(), found.step());
      assertEquals(expected.stats().lossSum(), found.stats().lossSum(), "eval loss sum at step " + found.step());
      assertEquals(expected.stats().weight(), found.stats().weight(), "eval weight at step " + found.step());
      assertEquals(expected.stats().examples(), found.stats().examples(), "eval examples at step " + found.step());
      assertEquals(expected.stats().tokens(), found.stats().tokens(), "eval tokens at step " + found.step());
    }
  }

  @Test
  void metricsRowsSurviveACrashBetweenACheckpointCommitAndTheMetricsFlush() throws Exception {
    String output = tmp.resolve("crash").toString();
    Trainer.Hooks crashAfterStep4 = step -> {
      if (step == 4) {
        throw new IllegalStateException("crash after the commit of step 4");
      }
    };
    assertThrows(IllegalStateException.class,
        () -> EngineFixtures.inProcess(objective, data, eval, options(3, 2, false, -1), output, crashAfterStep4));

    EngineFixtures.inProcess(objective, data, eval, options(3, 2, true, -1), output);

    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(output, MetricsLog.FILE))) {
      JsonNode n = JSON.readTree(line);
      rows.add(n.path("split").asText() + " " + n.path("step").asLong());
    }
    assertEquals(List.of("eval 0", "train 1", "train 2", "train 3", "eval 3", "train 4", "train 5", "train 6",
        "eval 6", "train 7", "eval 7"), rows, "every step once, in order");
  }

  @Test
  void aCorruptCheckpointManifestFallsBackToThePreviousCheckpoint() throws Exception {
    String output = tmp.resolve("manifest").toString();
    Trainer.Result uninterrupted = EngineFixtures.inProcess(objective, data, null, options(0, 0, false, -1), null);
    EngineFixtures.inProcess(objective, data, null, options(0, 2, false, 4), output);
    Path manifest = Path.of(output, CheckpointStore.DIR, CheckpointStore.name(4), CheckpointStore.MANIFEST);
    Files.writeString(manifest, "{\"step\": 4, \"files\": {\"model.safe");
    Files.deleteIfExists(manifest.resolveSibling("." + CheckpointStore.MANIFEST + ".crc")); // as on S3: no .crc files

    Trainer.Result resumed;
    try (LogCapture log = new LogCapture()) {
      resumed = EngineFixtures.inProcess(objective, data, null, options(0, 2, true, -1), output);
      assertTrue(warned(log, CheckpointStore.name(4), CheckpointStore.MANIFEST), log.text());
    }

    assertEquals(7, resumed.step());
    assertArrayEquals(uninterrupted.values(), resumed.values(), "resumed from step 2, equal to the uninterrupted run");
  }

  @Test
  void aCheckpointWithCorruptFilesFallsBackToThePreviousCheckpoint() throws Exception {
    String output = tmp.resolve("flipped").toString();
    Trainer.Result uninterrupted = EngineFixtures.inProcess(objective, data, null, options(0, 0, false, -1), null);
    EngineFixtures.inProcess(objective, data, null, options(0, 2, false, 4), output);
    Path weights = Path.of(output, CheckpointStore.DIR, CheckpointStore.name(4), "model.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) { // same size, other bytes
      long at = f.length() - 1001;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
    Files.deleteIfExists(weights.resolveSibling(".model.safetensors.crc")); // as on S3: no .crc files

    Trainer.Result resumed;
    try (LogCapture log = new LogCapture()) {
      resumed = EngineFixtures.inProcess(objective, data, null, options(0, 2, true, -1), output);
      assertTrue(warned(log, CheckpointStore.name(4), "model.safetensors"), log.text());
    }

    assertArrayEquals(uninterrupted.values(), resumed.values(), "resumed from step 2, equal to the uninterrupted run");
  }

  @Test
  void staleStagingCopiesAreRemovedAtStart() throws Exception {
    Path temp = Path.of(System.getProperty("java.io.tmpdir"));
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    Path dead = Files.createDirectories(temp.resolve("rlhf-checkpoint-" + exited.pid() + "-" + System.nanoTime()));
    Files.writeString(dead.resolve("model.safetensors"), "left by a killed run");
    Path legacy = Files.createTempDirectory("rlhf-checkpoint-"); // as earlier versions named them
    Files.writeString(legacy.resolve("model.safetensors"), "left by a killed run of an earlier version");
    Files.setLastModifiedTime(legacy, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
    Path live = Files.createDirectories(temp.resolve("rlhf-checkpoint-" + ProcessHandle.current().pid() + "-"
        + System.nanoTime()));
    try {
      EngineFixtures.inProcess(objective, data, null, options(0, 0, false, -1).withMaxSteps(2),
          tmp.resolve("staging").toString());

      assertFalse(Files.exists(dead), "the staging copy of a process that is gone was removed");
      assertFalse(Files.exists(legacy), "an old staging copy of an earlier version was removed");
      assertTrue(Files.exists(live), "this process's own staging directories are left alone");
    } finally {
      Trainer.deleteQuietly(dead);
      Trainer.deleteQuietly(legacy);
      Trainer.deleteQuietly(live);
    }
  }
}
