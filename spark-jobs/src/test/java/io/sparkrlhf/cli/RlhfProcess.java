package io.sparkrlhf.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code rlhf} command in its own JVM as {@code bin/rlhf} does (the same JVM flags and
 * {@code conf/log4j2.properties}), so a test sees what a person sees: the exit code, the terminal
 * (stderr) and the log file.
 */
final class RlhfProcess {
  /** What a run left: its exit code, everything it printed, and its log file's text ("" when none). */
  record Result(int exitCode, String terminal, String log) {
    /** The terminal's lines that are not log lines (those start with the time, HH:mm:ss). */
    List<String> commandLines() {
      return terminal.lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d .*") && !l.startsWith("WARNING: "))
          .toList();
    }

    /** For assertion messages: the terminal and the end of the log. */
    String describe() {
      return "exit " + exitCode + "; terminal:\n" + terminal + "\nlog (end):\n"
          + log.substring(Math.max(0, log.length() - 4000));
    }
  }

  private RlhfProcess() {}

  static Result run(Path workDir, String... args) {
    Path config = Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize();
    if (!Files.isRegularFile(config)) {
      throw new IllegalStateException("run from the spark-jobs module: no " + config);
    }
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path log = workDir.resolve("rlhf.log");
    Path terminal = workDir.resolve("terminal.txt");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
        "--add-modules=jdk.incubator.vector", "-Dio.netty.tryReflectionSetAccessible=true", "-Dai.djl.offline=true",
        "-Dlog4j2.configurationFile=" + config, "-Drlhf.log.file=" + log,
        "-Dspark.driver.bindAddress=127.0.0.1", "-Dspark.driver.host=127.0.0.1", "-Dspark.ui.enabled=false",
        "-cp", classpath, RlhfCli.class.getName()));
    command.addAll(List.of(args));
    try {
      Files.createDirectories(workDir);
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(terminal.toFile())
          .directory(new File(workDir.toString())).start();
      if (!p.waitFor(8, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("rlhf " + String.join(" ", args) + " did not finish in 8 minutes");
      }
      return new Result(p.exitValue(), Files.readString(terminal),
          Files.exists(log) ? Files.readString(log) : "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
