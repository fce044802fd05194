package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "reward", mixinStandardHelpOptions = true,
    description = "Reward model on preference_pairs (-log sigmoid(r_chosen - r_rejected - margin)); held-out accuracy in eval.json.")
public final class RewardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOptions config;
  @Mixin RunOptions run;

  @Option(names = {"-m", "--model"}, paramLabel = "PATH",
      description = "SFT output, model or adapter directory to start from; replaces reward.model.")
  String model;

  @Override
  public Integer call() {
    config.overrides.addAll(run.overrides("reward"));
    if (model != null) {
      config.overrides.add("reward.model=" + ConfigUtil.quoteString(model));
    }
    Config conf = config.load();
    RunFlags flags = run.flags(); // checked before Spark starts
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      return RunStatus.report("reward", new RewardJob(spark, conf, flags).run(), spec.commandLine().getOut());
    }
  }
}
