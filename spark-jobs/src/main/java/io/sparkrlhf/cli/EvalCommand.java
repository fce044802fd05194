package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.eval.EvalJob;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Generate for the eval prompts with the policy (and a baseline), score with the reward model(s): "
        + "reward mean/SD, KL, response length, win rate; report.json, samples.jsonl and report.html.")
public final class EvalCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(EvalCommand.class);

  @Mixin ConfigOptions config;

  @Option(names = "--policy", paramLabel = "PATH", description = "The policy to evaluate (SFT or PPO output, model or adapter); replaces eval.policy.")
  String policy;

  @Option(names = "--baseline", paramLabel = "PATH", description = "A policy to compare with; replaces eval.baseline.")
  String baseline;

  @Option(names = "--reference", paramLabel = "PATH", description = "The KL reference (default: the baseline); replaces eval.reference.")
  String reference;

  @Option(names = "--reward", paramLabel = "PATH", description = "Reward run or model directory; replaces eval.reward.")
  String reward;

  @Option(names = "--reward-safety", paramLabel = "PATH",
      description = "A safety reward model combined with --reward by Llama 2's rule; replaces eval.reward-safety.")
  String rewardSafety;

  @Option(names = "--prompts", paramLabel = "PATH", description = "Prepared tables (root) with rl_prompts; replaces eval.prompts.")
  String prompts;

  @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Output directory; replaces eval.output.")
  String output;

  @Override
  public Integer call() {
    override("eval.policy", policy);
    override("eval.baseline", baseline);
    override("eval.reference", reference);
    override("eval.reward", reward);
    override("eval.reward-safety", rewardSafety);
    override("eval.prompts", prompts);
    override("eval.output", output);
    Config conf = config.load();
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      EvalJob.Result result = new EvalJob(spark, conf).run();
      LOG.info("eval: {} (report: {}/{})", EvalJob.describe(result), conf.getString("rlhf.eval.output"),
          EvalJob.REPORT_HTML);
      return ExitCodes.OK;
    }
  }

  private void override(String key, String value) {
    if (value != null) {
      config.overrides.add(key + "=" + ConfigUtil.quoteString(value));
    }
  }
}
