package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.dpo.DpoJob;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dpo", mixinStandardHelpOptions = true,
    description = "Direct Preference Optimization (TRL's DPOTrainer) of a policy on preference_pairs, no reward model; "
        + "held-out implicit-reward accuracy beside the length-only baseline in eval.json.")
public final class DpoCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions config;
  @Mixin RunOptions run;

  @Option(names = "--policy", paramLabel = "PATH", description = "SFT output, model or adapter directory; replaces dpo.policy.")
  String policy;

  @Option(names = "--pairs", paramLabel = "PATH",
      description = "Prepared tables (root) with preference_pairs; replaces dpo.data (same as -d).")
  String pairs;

  @Override
  public Integer call() {
    config.overrides.addAll(run.overrides("dpo"));
    if (pairs != null) {
      config.overrides.add("dpo.data=" + ConfigUtil.quoteString(pairs));
    }
    if (policy != null) {
      config.overrides.add("dpo.policy=" + ConfigUtil.quoteString(policy));
    }
    Config conf = config.load();
    RunFlags flags = run.flags(); // checked before Spark starts
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      return RunStatus.report("dpo", new DpoJob(spark, conf, flags).run().result(), spec.commandLine().getOut());
    }
  }
}
