package io.sparkrlhf.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.s3.S3ProxyServer;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole job with input and output on s3a://, against a real S3-compatible server on 127.0.0.1. */
@ExtendWith(SharedSpark.class)
class PrepareS3aTest {
  @TempDir static Path dir;
  static S3ProxyServer s3;
  static SparkSession spark;

  @BeforeAll
  static void startServer() throws Exception {
    spark = SharedSpark.session();
    s3 = S3ProxyServer.start(dir);
    s3.configure(spark.sparkContext().hadoopConfiguration());
    s3.createBucket("rlhf");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void prepareReadsAndCommitsOnS3aAndRefreshesAtomically() throws Exception {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    SampleDumpGenerator.Summary sample =
        PrepareFixtures.sample(spark, "s3a://rlhf/dump", 40, SampleDumpGenerator.Compression.GZIP);
    assertTrue(sample.files().get(0).startsWith("s3a://rlhf/dump/"));

    PrepareSettings s = PrepareFixtures.settings(List.of("s3a://rlhf/dump"), "s3a://rlhf/prepared", "prepare.keep-generations=1");
    JsonNode first = new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run();
    PreparedDataset out = PreparedDataset.open("s3a://rlhf/prepared", hadoop);
    assertEquals(first.get("generation").asText(), out.generation());
    for (String table : List.of("preference_pairs/train", "rl_prompts/train", "sft_packed/train", "bad_records")) {
      long rows = spark.read().parquet(out.table(table)).count();
      assertEquals(first.get("tables").get(table).get("rows").asLong(), rows, table);
      assertTrue(rows > 0, table);
    }
    assertEquals(sample.malformedRows(), first.at("/tables/bad_records/rows").asLong());

    // A refresh commits a new generation; with keep-generations = 1 the old one is pruned.
    Thread.sleep(1100);
    JsonNode second = new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run();
    assertEquals(second.get("generation").asText(), PreparedDataset.open("s3a://rlhf/prepared", hadoop).generation());
    assertEquals(first.get("tables").get("preference_pairs/train"), second.get("tables").get("preference_pairs/train"));
    // Objects left per generation: only the live one keeps any. (s3proxy's filesystem store may
    // still list an emptied prefix; real S3 has no empty directories.)
    FileSystem fs = new org.apache.hadoop.fs.Path("s3a://rlhf/prepared").getFileSystem(hadoop);
    List<String> withObjects = new ArrayList<>();
    for (FileStatus st : fs.listStatus(new org.apache.hadoop.fs.Path("s3a://rlhf/prepared"))) {
      if (st.getPath().getName().startsWith("gen-") && fs.listFiles(st.getPath(), true).hasNext()) {
        withObjects.add(st.getPath().getName());
      }
    }
    assertEquals(List.of(second.get("generation").asText()), withObjects);
  }
}
