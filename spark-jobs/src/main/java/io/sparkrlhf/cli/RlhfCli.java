package io.sparkrlhf.cli;

import io.sparkrlhf.conf.Secrets;
import io.sparkrlhf.engine.TrainingDivergedException;
import io.sparkrlhf.spark.CodeVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rlhf} command: one subcommand per job. */
@Command(
    name = "rlhf",
    mixinStandardHelpOptions = true,
    versionProvider = RlhfCli.Version.class,
    description = "RLHF on Apache Spark: prepare StackExchange data, then SFT, reward modelling and PPO.",
    subcommands = {PrepareCommand.class, SftCommand.class, RewardCommand.class, PpoCommand.class, GenerateSampleCommand.class,
        PipelineCommand.class, CommandLine.HelpCommand.class})
public final class RlhfCli implements Runnable {
  /** A training run stopped because its loss, evaluation or weights were not finite; nothing of it was committed. */
  public static final int EXIT_DIVERGED = 4;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code (tests call this rather than main). */
  public static int execute(String... args) {
    return execute(new java.io.PrintWriter(System.err, true), args);
  }

  public static int execute(java.io.PrintWriter err, String... args) {
    return commandLine(err).execute(args);
  }

  /** The command line with its exit codes: 2 bad input or configuration, 4 a training run diverged. */
  static CommandLine commandLine(java.io.PrintWriter err) {
    CommandLine cli = new CommandLine(new RlhfCli()).setErr(err);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof TrainingDivergedException) {
        cmd.getErr().println("rlhf: " + Secrets.redact(e.getMessage()));
        return EXIT_DIVERGED;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        cmd.getErr().println("rlhf: " + Secrets.redact(e.getMessage()));
        return 2;
      }
      throw e;
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
