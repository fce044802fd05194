package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkrlhf.conf.RlhfConfig;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
  @Test
  void hadoopSettingsReachSparkAsSparkHadoopSettings() {
    SparkConf conf = SparkSessions.sparkConf(RlhfConfig.load(List.of(), List.of(
        "spark.conf.\"fs.s3a.endpoint\"=\"http://127.0.0.1:9000\"",
        "spark.conf.\"spark.hadoop.fs.s3a.path.style.access\"=true",
        "spark.conf.\"spark.sql.shuffle.partitions\"=7")).getConfig("rlhf.spark"));
    assertEquals("http://127.0.0.1:9000", conf.get("spark.hadoop.fs.s3a.endpoint"));
    assertFalse(conf.contains("fs.s3a.endpoint"), "Spark would ignore it");
    assertEquals("true", conf.get("spark.hadoop.fs.s3a.path.style.access"));
    assertEquals("7", conf.get("spark.sql.shuffle.partitions"));
  }
}
