package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.s3.S3ProxyServer;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA SFT run whose output is on s3a:// (a real S3-compatible server on 127.0.0.1): the fresh
 * base model is written there and executors load it from there, checkpoints commit there, and a
 * stopped run resumes from there.
 */
@ExtendWith(SharedSpark.class)
class TrainingS3aTest {
  @TempDir static Path dir;
  static S3ProxyServer s3;
  static SparkSession spark;

  @BeforeAll
  static void startServer() throws Exception {
    spark = SharedSpark.session();
    TrainingFixtures.prepared(); // local tables, built before the s3a settings change
    s3 = S3ProxyServer.start(dir);
    s3.configure(spark.sparkContext().hadoopConfiguration());
    s3.createBucket("train");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void loraSftCheckpointsAndResumesOnS3a() throws Exception {
    String output = "s3a://train/sft";
    String[] conf = {"sft.output=\"" + output + "\"", "sft.max-steps=4", "sft.checkpoint-every=2",
        "sft.lora.enabled=true", "sft.lora.dropout=0", "sft.global-batch=4"};
    Trainer.Result first = new SftJob(spark, TrainingFixtures.conf(conf), new RunFlags(false, false, 2, null)).run();
    assertFalse(first.finished());

    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    FileSystem fs = new org.apache.hadoop.fs.Path(output).getFileSystem(hadoop);
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output + "/base-model/config.json")));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output + "/checkpoints/checkpoint-2/checkpoint.json")));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output + "/checkpoints/checkpoint-2/adapter_model.safetensors")));
    assertFalse(fs.exists(new org.apache.hadoop.fs.Path(output + "/_manifest.json")), "an unfinished run names no model");
    JsonNode started;
    try (var in = fs.open(new org.apache.hadoop.fs.Path(output + "/_run.json"))) {
      started = new ObjectMapper().readTree(in);
    }
    assertEquals("sft", started.path("kind").asText(), "an unfinished run says what it is");

    Trainer.Result resumed = new SftJob(spark, TrainingFixtures.conf(conf), new RunFlags(true, false, -1, null)).run();
    assertTrue(resumed.finished());
    assertEquals(4, resumed.step());
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output + "/_manifest.json")));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output + "/eval.json")));
    assertEquals(4, resumed.metrics().stream().filter(n -> n.path("split").asText().equals("train")).count());
  }
}
