package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every subcommand shares: HOCON files and key=value overrides. */
public final class ConfigOptions {
  @Option(names = {"-c", "--conf"}, paramLabel = "FILE",
      description = "HOCON file(s), later ones win (e.g. conf/local.conf). Unknown keys are an error.")
  List<File> files = new ArrayList<>();

  @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
      description = "Override one key, relative to rlhf. (e.g. prepare.seq-len=512). Applied after --conf.")
  List<String> overrides = new ArrayList<>();

  public Config load() {
    return RlhfConfig.load(files, overrides);
  }
}
