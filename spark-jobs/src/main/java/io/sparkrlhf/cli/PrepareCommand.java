package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.Secrets;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.spark.CommandSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = "StackExchange dump (or paired table) -> sft_packed, preference_pairs, rl_prompts, bad_records.")
public final class PrepareCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = {"-i", "--input"}, paramLabel = "PATH", description = "Input path(s); replaces rlhf.prepare.input.paths.")
  List<String> inputs = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Output root; replaces rlhf.prepare.output.")
  String output;

  @Override
  public Integer call() {
    Config conf = config.load();
    PrepareSettings settings = settings(conf, inputs, output);
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      session.logProgress("prepare");
      new PrepareJob(spark, settings, PrepareJob.Hooks.NONE).run();
      return 0;
    }
  }

  static PrepareSettings settings(Config conf, List<String> inputs, String output) {
    inputs.forEach(path -> Secrets.refuseCredentialsInUri("--input", path));
    Secrets.refuseCredentialsInUri("--output", output);
    PrepareSettings s = PrepareSettings.from(conf.getConfig("rlhf.prepare"));
    if (!inputs.isEmpty()) {
      s = s.withInput(inputs);
    }
    if (output != null) {
      s = s.withOutput(output);
    }
    return s;
  }
}
