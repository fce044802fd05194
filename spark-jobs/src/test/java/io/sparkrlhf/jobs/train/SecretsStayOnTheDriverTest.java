package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.spark.LogCapture;
import io.sparkrlhf.spark.SharedSpark;
import io.sparkrlhf.spark.WatchingSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * s3a credentials configured on the driver reach no task, output file or log line of {@code sft},
 * {@code reward} and {@code ppo}.
 *
 * <p>How what is shipped is captured: the shared session serialises through {@link WatchingSerializer},
 * a watched {@code spark.serializer}. Every byte Spark sends to a task passes through it: broadcast
 * values (the engine's trainable values, Spark SQL's), and each stage's task binary, the
 * Java-serialised closure and RDD lineage that the scheduler broadcasts; likewise task results,
 * shuffle data and serialised cached blocks. So this sees what Spark really ships, not a guess at
 * which objects a closure holds. The run turns the local handoff off ({@link
 * TrainingRun#LOCAL_HANDOFF}), so that local mode moves trainable values and gradients as a cluster
 * does: as raw float blocks in block managers ({@code FloatBlocks}, which hold only the floats and
 * never pass the serializer), named by handles that travel in closures and task results, which
 * it sees. The secrets are set where Spark puts a user's
 * {@code spark.hadoop.*} settings on the driver (its Hadoop configuration), and they are in the
 * job's own configuration too ({@code rlhf.spark.conf}).
 *
 * <p>One channel is Spark's own and allowed: to read Parquet, Spark SQL gives executors the driver's
 * Hadoop configuration ({@code SerializableConfiguration}), in a broadcast for the scan and in the
 * closures of its own small jobs (reading footers to infer a schema, listing files). A sighting
 * counts as that only if it is such a broadcast written from Spark SQL's datasource code, or a
 * stage's task binary that holds a {@code SerializableConfiguration} and names no class of ours.
 */
@ExtendWith(SharedSpark.class)
class SecretsStayOnTheDriverTest {
  /** What Spark SQL's Parquet reader broadcasts: the Spark way of giving executors a Hadoop configuration. */
  private static final String SPARK_HADOOP_CONF = "org.apache.spark.util.SerializableConfiguration";
  private static final String SPARK_SQL_SOURCES = "org.apache.spark.sql.execution.datasources.";

  private static final Map<String, String> SECRETS = Map.of(
      "fs.s3a.access.key", "AKIAWATCHEDACCESS7Q3Z",
      "fs.s3a.secret.key", "watched/secret+key/9d41c7be20f",
      "fs.s3a.session.token", "watched-session-token-6a0e55",
      "fs.s3a.bucket.models.secret.key", "watched-bucket-secret-31b8");

  @TempDir static Path out;

  @Test
  void noConfiguredSecretInWhatTasksReceiveInTheOutputsOrInTheLogs() throws Exception {
    SparkSession spark = SharedSpark.session();
    String prepared = TrainingFixtures.prepared(); // built before the secrets are set
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    List<WatchingSerializer.Sighting> seen;
    String logs;
    spark.conf().set(TrainingRun.LOCAL_HANDOFF, "false");
    SECRETS.forEach(hadoop::set);
    try (LogCapture log = new LogCapture()) {
      WatchingSerializer.watch(SECRETS.values());
      try {
        runSftRewardAndPpo(spark, prepared);
      } finally {
        seen = WatchingSerializer.stopWatching();
        logs = log.text();
      }
    } finally {
      SECRETS.keySet().forEach(hadoop::unset);
      spark.conf().unset(TrainingRun.LOCAL_HANDOFF);
    }

    List<WatchingSerializer.Sighting> shipped = seen.stream().filter(s -> !sparksOwnHadoopConf(s)).toList();
    assertTrue(shipped.isEmpty(), shipped.size() + " times a secret in what Spark serialised for tasks, e.g.\n"
        + shipped.stream().limit(3).map(String::valueOf).collect(Collectors.joining("\n")));
    for (String job : List.of("sft", "reward", "ppo")) {
      assertTrue(logs.contains(job + ": finished"), "the log capture saw " + job + " run:\n" + logs);
    }
    for (String secret : SECRETS.values()) {
      assertTrue(!logs.contains(secret), "a secret in the log:\n" + logs);
    }
    List<String> files = filesHolding(out, SECRETS.values());
    assertEquals(List.of(), files, "output files holding a secret");
  }

  /**
   * Spark SQL giving executors the driver's Hadoop configuration for a file source: the broadcast
   * its Parquet reader makes, or a stage of Spark's alone (no class of ours in it: reading Parquet
   * footers to infer a schema, listing files) whose closure holds the configuration.
   */
  private static boolean sparksOwnHadoopConf(WatchingSerializer.Sighting s) {
    WatchingSerializer.Root root = s.root();
    if (root.isTaskBinary()) {
      return root.holdsSparkHadoopConf() && !root.namesOurCode();
    }
    return root.className().equals(SPARK_HADOOP_CONF) && s.writtenFrom(SPARK_SQL_SOURCES);
  }

  private static void runSftRewardAndPpo(SparkSession spark, String prepared) {
    Path sft = out.resolve("sft");
    Path reward = out.resolve("reward");
    new SftJob(spark, conf(prepared, "sft.output=\"" + sft + "\"", "sft.max-steps=2", "sft.checkpoint-every=1",
        "sft.global-batch=4", "sft.micro-batch=2", "sft.lora.enabled=true", "sft.lora.dropout=0",
        "sft.eval-max-examples=4"), RunFlags.FRESH).run();
    // Not from SFT's adapter: a full fine-tuning of a merged adapter fails its second backward (a bug of its own).
    new RewardJob(spark, conf(prepared, "reward.model=\"" + sft.resolve(TrainingRun.BASE_MODEL_DIR) + "\"",
        "reward.output=\"" + reward + "\"", "reward.max-steps=2", "reward.global-batch=4", "reward.micro-batch=2",
        "reward.max-length=160", "reward.eval-max-examples=4"), RunFlags.FRESH).run();
    new PpoJob(spark, conf(prepared, "ppo.policy=\"" + sft + "\"", "ppo.reward=\"" + reward + "\"",
        "ppo.prompts=\"" + prepared + "\"", "ppo.output=\"" + out.resolve("ppo") + "\"", "ppo.steps=1",
        "ppo.lora.enabled=true", "ppo.batch-size=4", "ppo.mini-batch-size=4", "ppo.ppo-epochs=1",
        "ppo.micro-batch=2", "ppo.rollout-batch=2", "ppo.generation.min-new-tokens=2",
        "ppo.generation.max-new-tokens=4", "ppo.eval-max-examples=4"), RunFlags.FRESH).run();
  }

  /** The job configuration on the shared tables, with the secrets as a user sets them for Spark. */
  private static com.typesafe.config.Config conf(String prepared, String... overrides) {
    List<String> all = new ArrayList<>(List.of("sft.data=\"" + prepared + "\"", "reward.data=\"" + prepared + "\""));
    SECRETS.forEach((k, v) -> all.add("spark.conf.\"spark.hadoop." + k + "\"=\"" + v + "\""));
    all.addAll(List.of(overrides));
    return RlhfConfig.load(List.of(), all);
  }

  private static List<String> filesHolding(Path root, Iterable<String> secrets) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String text = new String(read(f), StandardCharsets.ISO_8859_1); // byte for byte
        for (String s : secrets) {
          if (text.contains(s)) {
            found.add(root.relativize(f) + " holds " + s);
          }
        }
      }
    }
    return found;
  }

  private static byte[] read(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
