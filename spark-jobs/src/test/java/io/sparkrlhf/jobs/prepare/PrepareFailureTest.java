package io.sparkrlhf.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A failure mid-write keeps the old output; bad input fails before anything is written. */
@ExtendWith(SharedSpark.class)
class PrepareFailureTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void sample() {
    spark = SharedSpark.session();
    PrepareFixtures.sample(spark, dir.resolve("dump").toString(), 40, SampleDumpGenerator.Compression.NONE);
  }

  private static PrepareSettings settings(String output) {
    return PrepareFixtures.settings(List.of(dir.resolve("dump").toString()), dir.resolve(output).toString());
  }

  @Test
  void failureMidWriteLeavesThePreviousOutputIntactAndReadable() throws Exception {
    PrepareSettings s = settings("out");
    new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run();
    Path root = dir.resolve("out");
    String manifestBefore = Files.readString(root.resolve("_manifest.json"));
    PreparedDataset before = PreparedDataset.open(root.toString(), spark.sparkContext().hadoopConfiguration());
    long pairsBefore = spark.read().parquet(before.table("preference_pairs/train")).count();

    RuntimeException crash = new IllegalStateException("executor lost (injected)");
    PrepareJob.Hooks failAfterPairs = table -> {
      if (table.equals("preference_pairs/train")) {
        throw crash;
      }
    };
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> new PrepareJob(spark, s, failAfterPairs).run());
    assertEquals(crash, thrown);

    assertEquals(manifestBefore, Files.readString(root.resolve("_manifest.json")));
    try (Stream<Path> gens = Files.list(root)) {
      assertEquals(List.of(before.generation()),
          gens.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gen-")).toList(),
          "the half-written generation is removed");
    }
    PreparedDataset after = PreparedDataset.open(root.toString(), spark.sparkContext().hadoopConfiguration());
    assertEquals(pairsBefore, spark.read().parquet(after.table("preference_pairs/train")).count());
  }

  @Test
  void missingInputPathIsAClearErrorAndWritesNothing() {
    PrepareSettings s = PrepareFixtures.settings(List.of(dir.resolve("no-such-dump").toString()), dir.resolve("out-missing").toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run());
    assertTrue(e.getMessage().contains("input path does not exist") && e.getMessage().contains("no-such-dump"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out-missing")));
  }

  @Test
  void directoryWithoutPostsFilesIsAClearError() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty-dump/site"));
    Files.writeString(empty.resolve("Comments.xml"), "<comments/>");
    PrepareSettings s = PrepareFixtures.settings(List.of(dir.resolve("empty-dump").toString()), dir.resolve("out-empty").toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run());
    assertTrue(e.getMessage().contains("no Posts.xml"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out-empty")));
  }

  @Test
  void outputInsideTheInputIsRefused() {
    PrepareSettings s = PrepareFixtures.settings(List.of(dir.resolve("dump").toString()), dir.resolve("dump/prepared").toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run());
    assertTrue(e.getMessage().contains("is inside " + dir.resolve("dump") + ", its input (-i)"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("dump/prepared")));
  }

  @Test
  void missingTokenizerFileIsAClearError() {
    PrepareSettings s = PrepareFixtures.settings(List.of(dir.resolve("dump").toString()), dir.resolve("out-tok").toString(),
        "prepare.tokenizer.kind=hf", "prepare.tokenizer.path=\"" + dir.resolve("nope") + "\"");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run());
    assertTrue(e.getMessage().contains("tokenizer path does not exist"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out-tok")));
  }
}
