package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ppo", mixinStandardHelpOptions = true,
    description = "PPO with a KL penalty (StackLLaMA / TRL): rollouts on executors, reward-model scores, clipped "
        + "policy and value losses, updates all-reduced on the driver.")
public final class PpoCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PpoCommand.class);

  @Spec CommandSpec spec;
  @Mixin ConfigOptions config;

  @Option(names = "--policy", paramLabel = "PATH", description = "SFT output, model or adapter directory; replaces ppo.policy.")
  String policy;

  @Option(names = "--reward", paramLabel = "PATH", description = "Reward run or model directory; replaces ppo.reward.")
  String reward;

  @Option(names = "--reward-safety", paramLabel = "PATH",
      description = "A safety reward model combined with --reward by Llama 2's rule; replaces ppo.reward-safety.")
  String rewardSafety;

  @Option(names = "--prompts", paramLabel = "PATH", description = "Prepared tables (root) with rl_prompts; replaces ppo.prompts.")
  String prompts;

  @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Run directory; replaces ppo.output.")
  String output;

  @Option(names = "--resume", description = "Continue from the newest committed checkpoint in the output directory.")
  boolean resume;

  @Option(names = "--overwrite", description = "Delete an earlier run in the output directory first.")
  boolean overwrite;

  @Option(names = "--stop-after", paramLabel = "ITERATIONS", defaultValue = "-1",
      description = "Checkpoint and stop after this many iterations (-1: run to the end). A success (exit 0) printing "
          + "status=stopped; continue later with --resume.")
  long stopAfter;

  @Override
  public Integer call() {
    override("ppo.policy", policy);
    override("ppo.reward", reward);
    override("ppo.reward-safety", rewardSafety);
    override("ppo.prompts", prompts);
    override("ppo.output", output);
    Config conf = config.load();
    RunFlags flags = new RunFlags(resume, overwrite, stopAfter, null);
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      PpoJob.Summary summary = new PpoJob(spark, conf, flags).run();
      if (summary.result().finished()) {
        LOG.info("ppo: {}", PpoJob.describe(summary));
      }
      return RunStatus.report("ppo", summary.result(), spec.commandLine().getOut());
    }
  }

  private void override(String key, String value) {
    if (value != null) {
      config.overrides.add(key + "=" + ConfigUtil.quoteString(value));
    }
  }
}
