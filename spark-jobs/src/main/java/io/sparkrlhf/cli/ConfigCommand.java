package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.ResolvedConfig;
import io.sparkrlhf.spark.SubmitSettings;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf config}: the configuration a command would run with, fully resolved (defaults, every
 * {@code --config} file with what it includes, every {@code --set}), checked as a command checks it.
 * Printed with secret values redacted; {@code --write FILE} writes it whole for a job to read
 * (the submit scripts ship that one file instead of a file and the presets it includes);
 * {@code --refuse-secrets} refuses secret-looking Spark settings for a file others can read.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Print the fully resolved configuration (secrets redacted), or write it to a file for a cluster job.")
public final class ConfigCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOptions config;

  @Option(names = "--write", paramLabel = "FILE",
      description = "Write the resolved configuration, secrets included (owner-only file), to FILE instead of printing it; "
          + "read it back with --config FILE.")
  File write;

  @Option(names = "--spark-submit-conf", paramLabel = "COMMAND",
      description = "Print the Spark settings spark-submit needs for COMMAND (sizes, resources, one task per executor "
          + "for training), one key=value per line, secrets left out (the submit scripts use this).")
  String submitFor;

  @Option(names = "--refuse-secrets",
      description = "Refuse (exit 2, naming them) secret-looking Spark settings: for a resolved file that others can read "
          + "(deploy/k8s/submit.sh ships it in a Kubernetes ConfigMap).")
  boolean refuseSecrets;

  @Override
  public Integer call() {
    Config conf = config.load();
    if (refuseSecrets) {
      refuseSecrets(conf);
    }
    if (submitFor != null) {
      SubmitSettings.forCommand(conf, submitFor).forEach(spec.commandLine().getOut()::println);
      spec.commandLine().getOut().flush();
      if (write == null) {
        return ExitCodes.OK;
      }
    }
    if (write == null) {
      spec.commandLine().getOut().print(ResolvedConfig.render(ResolvedConfig.redacted(conf)));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    try {
      ResolvedConfig.write(conf, write.toPath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the resolved configuration to " + write + ": " + e.getMessage(), e);
    }
    spec.commandLine().getErr().println("rlhf config: wrote the resolved configuration to " + write);
    return ExitCodes.OK;
  }

  private static void refuseSecrets(Config conf) {
    List<String> secrets = SubmitSettings.secretSettings(conf);
    if (!secrets.isEmpty()) {
      throw new IllegalArgumentException("rlhf.spark.conf sets " + String.join(", ", secrets) + ", whose name looks secret: "
          + "the resolved configuration must not carry it where others can read it (on Kubernetes it travels in a "
          + "ConfigMap). Give s3a credentials to the pods instead (a Kubernetes secret as environment, or IRSA: README, "
          + "\"Credentials for s3a\"); a setting that only looks secret can go in spark-defaults.conf in the client's "
          + "SPARK_CONF_DIR.");
    }
  }
}
