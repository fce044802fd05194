package io.sparkrlhf.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;

/**
 * The driver's main class under {@code spark-submit --deploy-mode cluster} (YARN, Kubernetes,
 * Airflow's SparkSubmitOperator): returns normally when the command succeeds and throws
 * {@link CommandFailedException} when it fails. A driver that calls {@code System.exit} makes the
 * YARN ApplicationMaster report the application as FAILED (exit 16) even after a success, and
 * Airflow then retries it; a thrown exception is reported as the application's diagnostics.
 * {@code bin/rlhf} keeps {@link RlhfCli#main}, which exits with the command's code.
 */
public final class RlhfDriver {
  /** Set by spark-submit in the driver's JVM (as a system property) when it runs on the cluster. */
  static final String DEPLOY_MODE = "spark.submit.deployMode";

  private RlhfDriver() {}

  public static void main(String[] args) {
    StringWriter shown = new StringWriter();
    PrintWriter err = new PrintWriter(new Tee(new PrintWriter(System.err, true), shown), true);
    int code = RlhfCli.execute(err, args);
    if (code != ExitCodes.OK) {
      throw new CommandFailedException(commandName(args), code, shown.toString().strip());
    }
  }

  static boolean inClusterMode() {
    return "cluster".equals(System.getProperty(DEPLOY_MODE));
  }

  /** The subcommand's name (never an argument's value: those may be secrets). */
  private static String commandName(String[] args) {
    return args.length > 0 && !args[0].startsWith("-") ? args[0] : "";
  }

  /** A command that ended with a non-zero exit code; its message is what the command printed (already redacted). */
  public static final class CommandFailedException extends RuntimeException {
    private final int exitCode;

    CommandFailedException(String command, int exitCode, String printed) {
      super("rlhf" + (command.isEmpty() ? "" : " " + command) + " failed with exit code " + exitCode
          + (printed.isEmpty() ? "" : ": " + printed));
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /** Writes to both writers. */
  private static final class Tee extends Writer {
    private final Writer a;
    private final Writer b;

    Tee(Writer a, Writer b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(char[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }

    @Override
    public void close() throws java.io.IOException {
      flush();
    }
  }
}
