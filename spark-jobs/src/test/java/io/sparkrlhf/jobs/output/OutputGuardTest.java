package io.sparkrlhf.jobs.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard's decisions on folders of every kind, including those written before manifests named their kind. */
class OutputGuardTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  private OutputGuard.Action claim(OutputKind kind, Path output, boolean resume, boolean overwrite,
      CommandInput... inputs) {
    return OutputGuard.claim(kind, output.toString(), List.of(inputs), resume, overwrite, conf);
  }

  /** Refused with a message holding every one of {@code expected}, and not one file under {@code output} changed. */
  private void assertRefused(Path output, OutputKind kind, boolean resume, boolean overwrite, String... expected) {
    Map<String, String> before = TestFolders.snapshot(output);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> claim(kind, output, resume, overwrite));
    for (String part : expected) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
    }
    assertTrue(!e.getMessage().contains("\n") && e.getMessage().endsWith("(nothing was changed)"), e.getMessage());
    assertEquals(before, TestFolders.snapshot(output));
  }

  private Path folder(String name, Map<String, String> files) throws IOException {
    Path root = Files.createDirectories(dir.resolve(name));
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.createDirectories(root.resolve(f.getKey()).getParent());
      Files.writeString(root.resolve(f.getKey()), f.getValue());
    }
    return root;
  }

  @Test
  void absentEmptyOrHiddenOnlyFoldersAreFreeForAnyCommand() throws IOException {
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.SFT, dir.resolve("absent"), false, false));
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.PREPARED_DATASET, folder("empty", Map.of()), false, false));
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.PPO, folder("hidden", Map.of(".DS_Store", "x")), true, false));
  }

  @Test
  void aTrainingRunOfTheSameKindIsResumedReplacedOrRefusedWithAdvice() throws IOException {
    Path run = folder("sft", Map.of("_manifest.json",
        "{\"kind\": \"sft\", \"final_checkpoint\": \"checkpoints/step-000000004\"}"));
    assertEquals(OutputGuard.Action.RESUME, claim(OutputKind.SFT, run, true, false));
    assertEquals(OutputGuard.Action.REPLACE, claim(OutputKind.SFT, run, false, true));
    assertRefused(run, OutputKind.SFT, false, false,
        run + " already holds an sft training run (finished, final checkpoint checkpoints/step-000000004)",
        "--resume to continue it", "--overwrite to delete it");
  }

  @Test
  void overwriteNeverReplacesAnotherKind() throws IOException {
    Path reward = folder("reward", Map.of("_run.json", "{\"kind\": \"reward\"}", "metrics.jsonl", "{}\n"));
    assertRefused(reward, OutputKind.SFT, false, true, reward + " holds a reward-model training run (unfinished)",
        "--overwrite never replaces another kind of output");
    Path prepared = folder("prepared", Map.of("_manifest.json", "{\"kind\": \"prepared-dataset\", \"generation\": \"gen-1\"}",
        "gen-1/_manifest.json", "{}"));
    assertRefused(prepared, OutputKind.PPO, false, true, prepared + " holds a prepared dataset (live generation gen-1)");
    assertRefused(reward, OutputKind.PREPARED_DATASET, false, false, "prepare writes only into a new or empty folder or"
        + " a prepared dataset");
  }

  @Test
  void foldersWrittenBeforeManifestsNamedTheirKindAreRecognisedFromTheirContents() throws IOException {
    Path legacyPrepared = folder("legacy-prepared", Map.of("_manifest.json", "{\"generation\": \"gen-1\"}",
        "gen-1/_manifest.json", "{\"generation\": \"gen-1\"}"));
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.PREPARED_DATASET, legacyPrepared, false, false));
    assertRefused(legacyPrepared, OutputKind.SFT, false, true, "holds a prepared dataset (live generation gen-1)");

    Path uncommitted = folder("first-prepare-crashed", Map.of("gen-20260101T000000Z-abc/sft_packed/train/part-0", "x"));
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.PREPARED_DATASET, uncommitted, false, false));
    assertRefused(uncommitted, OutputKind.REWARD, false, true, "holds a prepared dataset with no committed generation");

    Path unfinished = folder("stopped-run", Map.of("checkpoints/step-000000002/checkpoint.json", "{}",
        "metrics.jsonl", "{}\n"));
    assertEquals(OutputGuard.Action.RESUME, claim(OutputKind.SFT, unfinished, true, false));
    assertRefused(unfinished, OutputKind.SFT, false, true, "holds an unfinished training run whose job is not recorded",
        "--overwrite deletes only a run known to be an sft training run", "continue it with the command that started it");
    assertRefused(unfinished, OutputKind.PREPARED_DATASET, false, false, "holds an unfinished training run");
  }

  @Test
  void whatNoCommandWroteIsNeverWrittenIntoOrDeleted() throws IOException {
    Path notes = folder("notes", Map.of("notes.txt", "mine", "data/a.csv", "1,2"));
    for (OutputKind kind : OutputKind.values()) {
      assertRefused(notes, kind, false, true, notes + " holds 2 entries that no rlhf command wrote (data, notes.txt)");
    }
    Path model = folder("model", Map.of("config.json", "{}", "model.safetensors", "x"));
    assertRefused(model, OutputKind.SFT, false, true, "holds a model directory (config.json)");
    Path future = folder("future", Map.of("_manifest.json", "{\"kind\": \"kto\"}"));
    assertRefused(future, OutputKind.SFT, true, false, "holds an output of kind 'kto', which this version does not know");
    Path broken = folder("broken", Map.of("_manifest.json", "{not json"));
    assertRefused(broken, OutputKind.PREPARED_DATASET, false, false, "holds a _manifest.json that is not JSON");
  }

  @Test
  void anOutputEqualToInsideOrAroundAnInputIsRefused() throws IOException {
    Path prep = folder("work/prep", Map.of("_manifest.json", "{\"generation\": \"gen-1\"}"));
    CommandInput data = new CommandInput("data input (-d)", prep.toString());
    IllegalArgumentException same =
        assertThrows(IllegalArgumentException.class, () -> claim(OutputKind.SFT, prep, false, true, data));
    assertTrue(same.getMessage().contains("output " + prep + " is also its data input (-d)"), same.getMessage());
    IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
        () -> claim(OutputKind.SFT, prep.resolve("sft"), false, false, data));
    assertTrue(inside.getMessage().contains("is inside " + prep + ", its data input (-d)"), inside.getMessage());
    IllegalArgumentException around = assertThrows(IllegalArgumentException.class,
        () -> claim(OutputKind.SFT, dir.resolve("work"), false, true, data));
    assertTrue(around.getMessage().contains("output " + dir.resolve("work") + " contains " + prep + ", its data input (-d)"),
        around.getMessage());
    // A sibling whose name merely starts with the input's is apart from it.
    assertEquals(OutputGuard.Action.WRITE, claim(OutputKind.SFT, dir.resolve("work/prep2"), false, false, data));
  }
}
