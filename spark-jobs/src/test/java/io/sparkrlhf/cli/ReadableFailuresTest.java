package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.spark.DamagedFiles;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged input file, found inside a Spark task, is reported as a person needs it: the exit code
 * for an unreadable file and one or two lines naming the file, with the stack trace in the log
 * file rather than on the terminal. The {@code rlhf} command runs in its own JVM, as from bin/rlhf.
 */
@ExtendWith(SharedSpark.class)
class ReadableFailuresTest {
  @TempDir Path dir;

  @Test
  void aCorruptBzip2DumpIsNamedInOneOrTwoLines() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path dump = dir.resolve("dump");
    SampleDumpGenerator.write(dump.toString(), new SampleDumpGenerator.Options(List.of("cooking.stackexchange.com"), 40,
        11L, SampleDumpGenerator.Compression.BZIP2, false), spark.sparkContext().hadoopConfiguration());
    Path posts = dump.resolve("cooking.stackexchange.com/Posts.xml.bz2");
    DamagedFiles.corruptMiddle(posts);

    Path out = dir.resolve("prepared");
    RlhfProcess.Result run = RlhfProcess.run(dir.resolve("run"), "prepare", "-i", dump.toString(), "-o", out.toString());

    assertEquals(ExitCodes.UNREADABLE_FILE, run.exitCode(), run.describe());
    assertShortReportNaming(run, posts.toString());
    assertFalse(Files.exists(out.resolve("_manifest.json")), "nothing is committed");
  }

  @Test
  void flippedParquetBytesStopSftNamingTheFileInsteadOfTrainingOnThem() throws Exception {
    SparkSession spark = SharedSpark.session();
    Path dump = dir.resolve("dump");
    SampleDumpGenerator.write(dump.toString(), new SampleDumpGenerator.Options(List.of("cooking.stackexchange.com"), 40,
        11L, SampleDumpGenerator.Compression.NONE, false), spark.sparkContext().hadoopConfiguration());
    Config conf = RlhfConfig.load(List.of(), List.of("prepare.seq-len=128"));
    Path data = dir.resolve("prepared");
    new PrepareJob(spark, PrepareSettings.from(conf.getConfig("rlhf.prepare")).withInput(List.of(dump.toString()))
        .withOutput(data.toString()), PrepareJob.Hooks.NONE).run();
    Path table = Path.of(PreparedDataset.open(data.toString(), spark.sparkContext().hadoopConfiguration())
        .table("sft_packed/train").replaceFirst("^file:", ""));
    List<Row> before = unverified(spark, table);

    Path part = DamagedFiles.flipBitInDataPage(table, "input_ids");
    assertNotEquals(before, unverified(spark, table), "the flipped bit reads as other token ids when nothing checks");

    Path out = dir.resolve("sft");
    RlhfProcess.Result run = RlhfProcess.run(dir.resolve("run"), "sft", "-d", data.toString(), "-o", out.toString(),
        "--set", "sft.max-steps=1", "--set", "sft.eval-max-examples=4");

    assertEquals(ExitCodes.UNREADABLE_FILE, run.exitCode(), run.describe());
    assertShortReportNaming(run, part.getFileName().toString());
    assertTrue(run.commandLines().get(0).contains("checksum"), run.describe());
    try (Stream<Path> written = Files.exists(out) ? Files.walk(out) : Stream.empty()) {
      assertTrue(written.noneMatch(p -> p.getFileName().toString().equals("model.safetensors")), "no checkpoint");
    }
  }

  /** The command's own lines: at most two, the first naming {@code file}; the trace only in the log. */
  private static void assertShortReportNaming(RlhfProcess.Result run, String file) {
    List<String> lines = run.commandLines();
    assertTrue(!lines.isEmpty() && lines.size() <= 2, "one or two lines, found:\n" + run.describe());
    assertTrue(lines.get(0).startsWith("rlhf: cannot read ") && lines.get(0).contains(file), run.describe());
    assertFalse(run.terminal().contains("\tat "), "no stack trace on the terminal:\n" + run.terminal());
    assertTrue(run.terminal().lines().count() <= 20, "a short terminal (some progress lines, then the report):\n"
        + run.terminal());
    assertTrue(run.log().contains("\tat ") && run.log().contains("RlhfCli"), "the trace is in the log:\n" + run.log());
  }

  private static List<Row> unverified(SparkSession spark, Path table) {
    return spark.read().option("parquet.page.verify-checksum.enabled", "false").parquet(table.toString())
        .collectAsList();
  }
}
