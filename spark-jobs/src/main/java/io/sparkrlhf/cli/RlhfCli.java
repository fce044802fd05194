package io.sparkrlhf.cli;

import io.sparkrlhf.conf.Secrets;
import io.sparkrlhf.spark.CodeVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rlhf} command: one subcommand per job. */
@Command(
    name = "rlhf",
    mixinStandardHelpOptions = true,
    versionProvider = RlhfCli.Version.class,
    description = "RLHF on Apache Spark: prepare StackExchange data, then SFT, reward modelling and PPO, or DPO; "
        + "best-of-n sampling, evaluation and generation.",
    subcommands = {PrepareCommand.class, SftCommand.class, RewardCommand.class, PpoCommand.class, DpoCommand.class,
        BestOfNCommand.class, EvalCommand.class, GenerateCommand.class, GenerateSampleCommand.class,
        MergeAdapterCommand.class, PipelineCommand.class, ConfigCommand.class, CommandLine.HelpCommand.class})
public final class RlhfCli implements java.util.concurrent.Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RlhfCli.class);

  @picocli.CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * The client-side entry point ({@code bin/rlhf}): exits with the command's code. Started by
   * spark-submit in cluster mode, it behaves as {@link RlhfDriver} instead (returns normally on
   * success, throws on failure), since a driver calling {@code System.exit} makes YARN report the
   * application as failed.
   */
  public static void main(String[] args) {
    if (RlhfDriver.inClusterMode()) {
      RlhfDriver.main(args);
      return;
    }
    System.exit(execute(args));
  }

  /**
   * Runs the CLI and returns its exit code ({@link ExitCodes}; tests call this rather than main). A
   * failure prints one or two lines naming what is wrong; its stack trace goes to the log.
   */
  public static int execute(String... args) {
    return execute(new java.io.PrintWriter(System.err, true), args);
  }

  public static int execute(java.io.PrintWriter err, String... args) {
    return commandLine(err).execute(args);
  }

  /** The command line with its exception handlers ({@link ExitCodes}). */
  public static CommandLine commandLine(java.io.PrintWriter err) {
    CommandLine cli = new CommandLine(new RlhfCli()).setErr(err);
    showDefaults(cli);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      FailureReport report = FailureReport.of(e);
      // The trace goes to the log as text, redacted: exception messages may quote a secret.
      LOG.error("rlhf {} failed (exit code {}): {}", cmd.getCommandName(), report.exitCode(),
          Secrets.redact(stackTrace(e)));
      cmd.getErr().println("rlhf: " + Secrets.redact(report.message()));
      if (report.exitCode() == ExitCodes.FAILED) {
        cmd.getErr().println("rlhf: " + LogFiles.current().map(f -> "the full trace is in " + f)
            .orElse("the full trace is in the log"));
      }
      return report.exitCode();
    });
    cli.setParameterExceptionHandler((e, unparsed) -> { // picocli's, with the message redacted: it quotes arguments
      CommandLine cmd = e.getCommandLine();
      cmd.getErr().println(Secrets.redact(e.getMessage()));
      if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr())) {
        cmd.usage(cmd.getErr());
      }
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    });
    return cli;
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(trace));
    return trace.toString();
  }

  /** Every command's help shows its options' defaults and where the configuration's defaults are. */
  private static void showDefaults(CommandLine cli) {
    cli.getCommandSpec().usageMessage().showDefaultValues(true);
    if (cli.getCommandSpec().mixins().containsKey("config")) {
      cli.getCommandSpec().usageMessage().footer(
          "", "Every other setting comes from the configuration; `rlhf config` prints it,",
          "resolved: rlhf-reference.conf (in the jar), each --config file, each --set.");
    }
    cli.getSubcommands().values().forEach(RlhfCli::showDefaults);
  }

  /** A bare {@code rlhf}: the usage, on standard error, and exit code 2 (no command given). */
  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    cli.getErr().println("rlhf: no command given");
    cli.usage(cli.getErr());
    return ExitCodes.REFUSED;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      java.util.Map<String, String> v = CodeVersion.current();
      return new String[] {"rlhf " + v.get("version") + " (git " + v.get("git_commit") + ")"};
    }
  }
}
