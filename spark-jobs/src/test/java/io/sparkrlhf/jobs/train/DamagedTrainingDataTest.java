package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.cli.ExitCodes;
import io.sparkrlhf.cli.FailureReport;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.spark.DamagedFiles;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A preference pair whose Parquet bytes changed after prepare wrote them (and no .crc file to
 * notice, as on S3) stops the reward model before it trains, naming the file.
 */
@ExtendWith(SharedSpark.class)
class DamagedTrainingDataTest {
  @TempDir Path dir;

  @Test
  void theRewardModelRefusesAFlippedPreferencePairNamingTheFile() {
    SparkSession spark = SharedSpark.session();
    String dump = dir.resolve("dump").toString();
    SampleDumpGenerator.write(dump, new SampleDumpGenerator.Options(List.of("cooking.stackexchange.com"), 40, 11L,
        SampleDumpGenerator.Compression.NONE, false), spark.sparkContext().hadoopConfiguration());
    Config conf = RlhfConfig.load(List.of(), List.of("prepare.seq-len=128"));
    Path data = dir.resolve("prepared");
    new PrepareJob(spark, PrepareSettings.from(conf.getConfig("rlhf.prepare")).withInput(List.of(dump))
        .withOutput(data.toString()), PrepareJob.Hooks.NONE).run();
    Path pairs = Path.of(PreparedDataset.open(data.toString(), spark.sparkContext().hadoopConfiguration())
        .table("preference_pairs/train").replaceFirst("^file:", ""));
    List<Row> before = unverified(spark, pairs);
    Path part = DamagedFiles.flipBitInDataPage(pairs, "chosen_ids");
    assertNotEquals(before, unverified(spark, pairs), "unchecked, the pair reads with another chosen answer");

    Path out = dir.resolve("reward");
    Exception e = assertThrows(Exception.class, () -> new RewardJob(spark, RlhfConfig.load(List.of(),
        List.of("reward.data=\"" + data + "\"", "reward.model=\"\"", "reward.output=\"" + out + "\"",
            "reward.max-steps=1", "reward.eval-max-examples=4")), RunFlags.FRESH).run());

    FailureReport report = FailureReport.of(e);
    assertEquals(ExitCodes.UNREADABLE_FILE, report.exitCode(), report.message());
    assertTrue(report.message().contains(part.getFileName().toString()) && report.message().contains("checksum"),
        report.message());
    assertFalse(Files.exists(out.resolve("_manifest.json")));
  }

  private static List<Row> unverified(SparkSession spark, Path table) {
    return spark.read().option("parquet.page.verify-checksum.enabled", "false").parquet(table.toString())
        .collectAsList();
  }
}
