package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.bestofn.BestOfNJob;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "best-of-n", mixinStandardHelpOptions = true,
    description = "Sample n responses per prompt on the executors, score them with the reward model(s), keep the best "
        + "(Parquet table + summary.json); --then-sft fine-tunes the policy on the best (rejection sampling).")
public final class BestOfNCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BestOfNCommand.class);

  @Mixin ConfigOptions config;

  @Option(names = "--policy", paramLabel = "PATH", description = "SFT output, model or adapter directory; replaces best-of-n.policy.")
  String policy;

  @Option(names = "--reward", paramLabel = "PATH", description = "Reward run or model directory; replaces best-of-n.reward.")
  String reward;

  @Option(names = "--reward-safety", paramLabel = "PATH",
      description = "A safety reward model combined with --reward by Llama 2's rule; replaces best-of-n.reward-safety.")
  String rewardSafety;

  @Option(names = "--prompts", paramLabel = "PATH", description = "Prepared tables (root) with rl_prompts; replaces best-of-n.prompts.")
  String prompts;

  @Option(names = "-n", paramLabel = "N", description = "Samples per prompt; replaces best-of-n.n.")
  Integer n;

  @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Output directory; replaces best-of-n.output.")
  String output;

  @Option(names = "--then-sft", description = "Then fine-tune the policy on the best responses (rejection sampling).")
  boolean thenSft;

  @Override
  public Integer call() {
    override("best-of-n.policy", policy);
    override("best-of-n.reward", reward);
    override("best-of-n.reward-safety", rewardSafety);
    override("best-of-n.prompts", prompts);
    override("best-of-n.output", output);
    if (n != null) {
      config.overrides.add("best-of-n.n=" + n);
    }
    if (thenSft) {
      config.overrides.add("best-of-n.then-sft=true");
    }
    Config conf = config.load();
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      BestOfNJob.Summary summary = new BestOfNJob(spark, conf).run();
      LOG.info("best-of-n: {}", BestOfNJob.describe(summary));
      return ExitCodes.OK;
    }
  }

  private void override(String key, String value) {
    if (value != null) {
      config.overrides.add(key + "=" + ConfigUtil.quoteString(value));
    }
  }
}
