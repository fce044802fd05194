package io.sparkrlhf.jobs.train;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
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

/**
 * One prepared sample (128-token blocks) shared by the training job tests, built on first use; and
 * the SFT and reward runs on it that the reward and PPO tests start from, each trained once.
 */
public final class TrainingFixtures {
  private static Path root;
  private static Trained sft;
  private static Trained reward;

  /** A finished training run: its result and output directory. */
  public record Trained(Trainer.Result result, Path output) {}

  /** SFT on the sample: 12 steps, eval every 6. */
  public static synchronized Trained sft() {
    if (sft == null) {
      prepared();
      Path output = root.resolve("sft");
      Trainer.Result result = new SftJob(SharedSpark.session(), conf("sft.output=\"" + output + "\"", "sft.max-steps=12",
          "sft.eval-every=6", "sft.optimizer.lr=3e-3", "sft.optimizer.warmup-steps=2"), RunFlags.FRESH).run();
      sft = new Trained(result, output);
    }
    return sft;
  }

  /**
   * The reward model from {@link #sft()}: 300 steps at a constant learning rate (about 0.7 passes over
   * the training pairs: the planted preference needs that many examples to be learnt rather than
   * memorised), eval every 150.
   */
  public static synchronized Trained reward() {
    if (reward == null) {
      Path output = sft().output().resolveSibling("reward");
      Trainer.Result result = new RewardJob(SharedSpark.session(), conf("reward.model=\"" + sft().output() + "\"",
          "reward.output=\"" + output + "\"", "reward.max-steps=300", "reward.optimizer.lr=3e-3", "reward.optimizer.schedule=constant",
          "reward.eval-every=150",
          "reward.max-length=160"), RunFlags.FRESH).run();
      reward = new Trained(result, output);
    }
    return reward;
  }

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
      SampleDumpGenerator.write(dump, new SampleDumpGenerator.Options(SampleDumpGenerator.DEFAULT_SITES, 3000, 42L,
          SampleDumpGenerator.Compression.NONE, false), spark.sparkContext().hadoopConfiguration());
      Config conf = RlhfConfig.load(List.of(), List.of("prepare.seq-len=128", "prepare.split.eval-fraction=0.05",
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
