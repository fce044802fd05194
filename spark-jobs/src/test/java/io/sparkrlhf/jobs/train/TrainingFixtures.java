package io.sparkrlhf.jobs.train;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.spark.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** One prepared sample (128-token blocks) shared by the training job tests, built on first use. */
public final class TrainingFixtures {
  private static Path root;

  private TrainingFixtures() {}

  public static synchronized String prepared() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("rlhf-training-fixture-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      SparkSession spark = SharedSpark.session();
      String dump = root.resolve("dump").toString();
      SampleDumpGenerator.write(dump, new SampleDumpGenerator.Options(SampleDumpGenerator.DEFAULT_SITES, 250, 42L,
          SampleDumpGenerator.Compression.NONE, false), spark.sparkContext().hadoopConfiguration());
      Config conf = RlhfConfig.load(List.of(), List.of("prepare.seq-len=128", "prepare.split.eval-fraction=0.15",
          "prepare.max-prompt-tokens=96", "prepare.max-pair-tokens=192"));
      PrepareSettings s = PrepareSettings.from(conf.getConfig("rlhf.prepare")).withInput(List.of(dump))
          .withOutput(root.resolve("prepared").toString());
      new PrepareJob(spark, s, PrepareJob.Hooks.NONE).run();
    }
    return root.resolve("prepared").toString();
  }

  /** The configuration a test job runs with: the shared tables, the tiny model, and {@code overrides}. */
  public static Config conf(String... overrides) {
    List<String> all = new ArrayList<>(List.of("sft.data=\"" + prepared() + "\"", "reward.data=\"" + prepared() + "\""));
    all.addAll(List.of(overrides));
    return RlhfConfig.load(List.of(), all);
  }
}
