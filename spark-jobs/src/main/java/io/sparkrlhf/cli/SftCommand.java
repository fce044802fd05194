package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.spark.CommandSession;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Supervised fine-tuning (causal LM) on sft_packed, full or LoRA, data-parallel on Spark.")
public final class SftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOptions config;
  @Mixin RunOptions run;

  @Option(names = {"-m", "--model"}, paramLabel = "PATH", description = "Model directory to start from; replaces model.path.")
  String model;

  @Override
  public Integer call() {
    config.overrides.addAll(run.overrides("sft"));
    if (model != null) {
      config.overrides.add("model.path=" + ConfigUtil.quoteString(model));
    }
    Config conf = config.load();
    RunFlags flags = run.flags(); // checked before Spark starts
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      return RunStatus.report("sft", new SftJob(spark, conf, flags).run(), spec.commandLine().getOut());
    }
  }
}
