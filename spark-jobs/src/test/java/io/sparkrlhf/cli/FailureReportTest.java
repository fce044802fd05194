package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.spark.DamagedFiles;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Failures raised inside real Spark tasks, reported as their cause in one or two lines with the right exit code. */
@ExtendWith(SharedSpark.class)
class FailureReportTest {
  @TempDir Path dir;

  private static Exception failInTask(int failingValue, RuntimeException error) {
    SparkSession spark = SharedSpark.session();
    return assertThrows(Exception.class, () -> spark.createDataset(List.of(1, 2, 3, 4), Encoders.INT())
        .repartition(2).map((org.apache.spark.api.java.function.MapFunction<Integer, Integer>) v -> {
          if (v == failingValue) {
            throw error;
          }
          return v;
        }, Encoders.INT()).collectAsList());
  }

  @Test
  void anArgumentErrorInATaskIsRefusedWithItsOwnMessage() {
    String message = "row 3 of pairs.parquet: token id 70000 is outside the model's vocabulary of 50257";
    Exception thrown = failInTask(3, new IllegalArgumentException(message));
    assertInstanceOf(SparkException.class, thrown, "Spark wraps it");
    assertTrue(thrown.getMessage().lines().count() > 5, "with the task's trace in its message");

    FailureReport report = FailureReport.of(thrown);
    assertEquals(ExitCodes.REFUSED, report.exitCode());
    assertEquals(message, report.message());
  }

  @Test
  void anUnforeseenErrorInATaskIsOneLineWithItsClass() {
    FailureReport report = FailureReport.of(failInTask(2, new ArithmeticException("/ by zero")));
    assertEquals(ExitCodes.FAILED, report.exitCode());
    assertEquals("ArithmeticException: / by zero", report.message());
  }

  @Test
  void aParquetPageWhoseBytesChangedNamesTheFile() {
    SparkSession spark = SharedSpark.session();
    Path table = dir.resolve("ids");
    Dataset<Row> rows = spark.range(2000).select(functions.col("id").multiply(7919).mod(50257).as("token"));
    ParquetChecksums.writer(rows.coalesce(1)).parquet(table.toString());
    Path part = DamagedFiles.flipBitInDataPage(table, "token");

    Exception thrown = assertThrows(Exception.class,
        () -> ParquetChecksums.reader(spark).parquet(table.toString()).collectAsList());
    FailureReport report = FailureReport.of(thrown);
    assertEquals(ExitCodes.UNREADABLE_FILE, report.exitCode());
    List<String> lines = report.message().lines().toList();
    assertEquals(2, lines.size(), report.message());
    assertTrue(lines.get(0).startsWith("cannot read ") && lines.get(0).contains(part.getFileName().toString())
        && lines.get(0).contains("CRC checksum verification failed"), report.message());
  }
}
