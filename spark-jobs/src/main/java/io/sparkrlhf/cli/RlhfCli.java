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
    description = "RLHF on Apache Spark: prepare StackExchange data, then SFT, reward modelling and PPO.",
    subcommands = {PrepareCommand.class, SftCommand.class, RewardCommand.class, PpoCommand.class, GenerateSampleCommand.class, GenerateCommand.class,
        MergeAdapterCommand.class,
        PipelineCommand.class, CommandLine.HelpCommand.class})
public final class RlhfCli implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RlhfCli.class);

  public static void main(String[] args) {
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
  static CommandLine commandLine(java.io.PrintWriter err) {
    CommandLine cli = new CommandLine(new RlhfCli()).setErr(err);
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

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"rlhf " + CodeVersion.current().get("version")};
    }
  }
}
