package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.output.TestFolders;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.spark.SharedSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 cases 1 and 3, as a user meets them on the command line: an output folder of another
 * kind, or the command's own input, is refused with exit code 2 and one line, and nothing in it
 * changes, --overwrite included. The commands reuse the tests' running Spark session.
 */
@ExtendWith(SharedSpark.class)
class OutputFoldersCliTest {
  @TempDir Path dir;

  private record Run(int code, String message) {}

  private static Run rlhf(String... args) {
    StringWriter err = new StringWriter();
    int code = RlhfCli.execute(new PrintWriter(err, true), args);
    return new Run(code, err.toString().strip());
  }

  /** Case 1: `sft -d work/prep -o work/prep --overwrite` deleted every generation, following the advice of the first refusal. */
  @Test
  void sftOverwriteIntoItsOwnPreparedDataIsRefusedAndDeletesNothing() {
    Path prep = TestFolders.copy(Path.of(TrainingFixtures.prepared()), dir.resolve("prep"));
    Map<String, String> before = TestFolders.snapshot(prep);

    Run run = rlhf("sft", "-d", prep.toString(), "-o", prep.toString(), "--overwrite");

    assertEquals(2, run.code(), run.message());
    assertOneLine(run.message());
    assertTrue(run.message().contains("output " + prep + " is also its data input (-d)"), run.message());
    assertTrue(run.message().contains("nothing was changed"), run.message());
    assertEquals(before, TestFolders.snapshot(prep), "no file of the prepared data was touched");
    assertAllTablesReadable(prep);
  }

  /** Case 1, the folder of another kind not being an input: --overwrite replaces only an output of its own kind. */
  @Test
  void sftOverwriteOfAPreparedDatasetIsRefusedAndDeletesNothing() {
    Path prep = TestFolders.copy(Path.of(TrainingFixtures.prepared()), dir.resolve("prep"));
    Map<String, String> before = TestFolders.snapshot(prep);

    Run run = rlhf("sft", "-d", TrainingFixtures.prepared(), "-o", prep.toString(), "--overwrite");

    assertEquals(2, run.code(), run.message());
    assertOneLine(run.message());
    assertTrue(run.message().contains(prep + " holds a prepared dataset (live generation gen-"),
        run.message());
    assertTrue(run.message().contains("--overwrite never replaces another kind of output"), run.message());
    assertEquals(before, TestFolders.snapshot(prep), "no file of the prepared data was touched");
    assertAllTablesReadable(prep);
  }

  /** Case 3: `prepare -o <a training run>` replaced the run's _manifest.json (its pointer to the model), exit 0. */
  @Test
  void prepareIntoATrainingRunIsRefusedAndLeavesTheRunAsItWas() throws Exception {
    Path run = TestFolders.copy(TrainingFixtures.sft().output(), dir.resolve("sft-run"));
    Map<String, String> before = TestFolders.snapshot(run);
    String finalCheckpoint = new ObjectMapper().readTree(run.resolve("_manifest.json").toFile())
        .path("final_checkpoint").asText();
    assertTrue(finalCheckpoint.startsWith("checkpoints/checkpoint-"), finalCheckpoint);
    Path dump = Path.of(TrainingFixtures.prepared()).resolveSibling("dump");

    Run result = rlhf("prepare", "-i", dump.toString(), "-o", run.toString());

    assertEquals(2, result.code(), result.message());
    assertOneLine(result.message());
    assertTrue(result.message().contains(run + " holds an sft training run (finished, final checkpoint "
        + finalCheckpoint + ")"), result.message());
    assertTrue(result.message().contains("prepare writes only into a new or empty folder or a prepared dataset"),
        result.message());
    assertEquals(before, TestFolders.snapshot(run), "the run's manifest, checkpoints and metrics are unchanged");
    try (Stream<Path> entries = Files.list(run)) {
      assertFalse(entries.anyMatch(p -> p.getFileName().toString().startsWith("gen-")), "no generation was written");
    }
  }

  private static void assertOneLine(String message) {
    assertTrue(message.startsWith("rlhf: ") && !message.contains("\n"), message);
  }

  /** The live generation opens and each table has the rows its manifest lists. */
  private static void assertAllTablesReadable(Path prepared) {
    SparkSession spark = SharedSpark.session();
    PreparedDataset data = PreparedDataset.open(prepared.toString(), spark.sparkContext().hadoopConfiguration());
    JsonNode tables = data.manifest().path("tables");
    assertTrue(tables.size() >= 7, tables.toString());
    for (Iterator<Map.Entry<String, JsonNode>> it = tables.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> t = it.next();
      assertEquals(t.getValue().path("rows").asLong(), spark.read().parquet(data.table(t.getKey())).count(), t.getKey());
    }
  }
}
