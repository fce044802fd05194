package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/** The options every subcommand shares: HOCON files and key=value overrides. */
public final class ConfigOptions {
  @Option(names = {"-c", "--config"}, paramLabel = "FILE", showDefaultValue = Visibility.NEVER,
      description = "HOCON file(s), later ones win (e.g. conf/local.conf). Unknown keys are an error. "
          + "(Not --conf: that is spark-submit's.)")
  List<File> files = new ArrayList<>();

  @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", showDefaultValue = Visibility.NEVER,
      description = "Override one key, relative to rlhf. (e.g. prepare.seq-len=512). Applied after --config.")
  List<String> overrides = new ArrayList<>();

  public Config load() {
    return RlhfConfig.load(files, overrides);
  }
}
