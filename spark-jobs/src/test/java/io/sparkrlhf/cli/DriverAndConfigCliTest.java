package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.engine.CheckpointStore;
import io.sparkrlhf.engine.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The driver's main under spark-submit's cluster mode, the command line's conventions, and {@code rlhf config}. */
class DriverAndConfigCliTest {
  private static final String SECRET = "Zz9/secretValue+1";
  @TempDir Path dir;

  @Test
  void clusterModeDriverReturnsNormallyOnSuccessAndThrowsWithTheExitCodeOnFailure() throws Exception {
    Path conf = write("ok.conf", "rlhf.prepare.seq-len = 512\n");
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      RlhfDriver.main(new String[] {"config", "-c", conf.toString()}); // returns: no System.exit, no exception
    } finally {
      System.setOut(out);
    }
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("seq-len=512"), printed.toString());

    RlhfDriver.CommandFailedException failed = assertThrows(RlhfDriver.CommandFailedException.class,
        () -> RlhfDriver.main(new String[] {"prepare", "--set", "prepare.seqlen=5", "--set",
            "spark.hadoop.fs.s3a.secret.key=" + SECRET, "-o", dir.resolve("o").toString()}));
    assertEquals(ExitCodes.REFUSED, failed.exitCode());
    assertTrue(failed.getMessage().startsWith("rlhf prepare failed with exit code 2: "), failed.getMessage());
    assertTrue(failed.getMessage().contains("unknown configuration key 'rlhf.prepare.seqlen'"), failed.getMessage());
    assertFalse(failed.getMessage().contains(SECRET), failed.getMessage());
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void rlhfCliMainBehavesAsTheDriverWhenSparkSubmitSaysClusterMode() throws Exception {
    Path conf = write("ok.conf", "rlhf.prepare.seq-len = 256\n");
    String before = System.getProperty(RlhfDriver.DEPLOY_MODE);
    PrintStream out = System.out;
    System.setProperty(RlhfDriver.DEPLOY_MODE, "cluster");
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      RlhfCli.main(new String[] {"config", "-c", conf.toString()}); // would end the test JVM if it called System.exit
      RlhfDriver.CommandFailedException failed = assertThrows(RlhfDriver.CommandFailedException.class,
          () -> RlhfCli.main(new String[] {"config", "-c", dir.resolve("missing.conf").toString()}));
      assertEquals(ExitCodes.REFUSED, failed.exitCode());
      assertTrue(failed.getMessage().contains("configuration file does not exist"), failed.getMessage());
    } finally {
      System.setOut(out);
      if (before == null) {
        System.clearProperty(RlhfDriver.DEPLOY_MODE);
      } else {
        System.setProperty(RlhfDriver.DEPLOY_MODE, before);
      }
    }
  }

  @Test
  void bareRlhfPrintsUsageAndExits2() {
    StringWriter err = new StringWriter();
    assertEquals(2, RlhfCli.execute(new PrintWriter(err, true)));
    assertTrue(err.toString().contains("no command given"), err.toString());
    assertTrue(err.toString().contains("Usage: rlhf"), err.toString());
    assertTrue(err.toString().contains("config"), "lists the commands: " + err);
  }

  @Test
  void helpShowsDefaultsAndConfigIsSpelledConfigNotConf() {
    StringWriter out = new StringWriter();
    CommandLine cli = RlhfCli.commandLine(new PrintWriter(new StringWriter(), true)).setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute("sft", "--help"));
    String help = out.toString();
    assertTrue(help.contains("-c, --config=FILE"), help);
    assertTrue(help.matches("(?s).*--stop-after=STEPS.*Default: -1.*"), help);
    assertTrue(help.contains("`rlhf config` prints it"), help);
    assertFalse(help.contains("Default: []"), help);
    assertFalse(help.contains("--conf="), help);

    StringWriter err = new StringWriter();
    assertEquals(2, RlhfCli.execute(new PrintWriter(err, true), "config", "--conf", "x.conf"));
    assertTrue(err.toString().contains("Unknown options: '--conf'"), err.toString());
    assertTrue(err.toString().contains("Possible solutions: --config"), err.toString());
  }

  @Test
  void configPrintsTheResolvedConfigurationWithSecretsRedactedAndIncludesApplied() throws Exception {
    write("models/tiny.conf", "rlhf.prepare.tokenizer { kind = hf, path = \"/models/tiny/tokenizer.json\" }\n"
        + "rlhf.sft.max-steps = 77\n");
    Path user = write("cluster.conf", "include \"models/tiny.conf\"\n"
        + "rlhf.spark.conf { \"spark.hadoop.fs.s3a.secret.key\" = \"" + SECRET + "\" }\n"
        + "rlhf.sft.output = \"hdfs:///runs/a\"\n");
    StringWriter out = new StringWriter();
    CommandLine cli = RlhfCli.commandLine(new PrintWriter(new StringWriter(), true)).setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute("config", "-c", user.toString(), "--set", "sft.micro-batch=3"));
    String shown = out.toString();
    assertFalse(shown.contains(SECRET), shown);
    assertTrue(shown.contains("\"spark.hadoop.fs.s3a.secret.key\"=\"<redacted>\""), shown);
    assertTrue(shown.contains("max-steps=77"), "from the included preset: " + shown);
    assertTrue(shown.contains("micro-batch=3"), shown);
    assertTrue(shown.contains("/models/tiny/tokenizer.json"), shown);
    assertTrue(shown.contains("eval-every="), "defaults included: " + shown);

    // --write: the one file a cluster job needs, secrets kept (it must run with them), owner-only.
    Path resolved = dir.resolve("ship").resolve("rlhf.conf");
    Files.createDirectories(resolved.getParent());
    assertEquals(0, RlhfCli.execute(new PrintWriter(new StringWriter(), true), "config", "-c", user.toString(),
        "--set", "sft.micro-batch=3", "--write", resolved.toString()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(resolved)));
    Config original = RlhfConfig.load(List.of(user.toFile()), List.of("sft.micro-batch=3"));
    assertEquals(77, original.getInt("rlhf.sft.max-steps"));
    Files.delete(dir.resolve("models/tiny.conf")); // the shipped file stands alone
    Config reread = RlhfConfig.load(List.of(resolved.toFile()), List.of());
    assertEquals(original.getConfig("rlhf").root().unwrapped(), reread.getConfig("rlhf").root().unwrapped());
  }

  @Test
  void aDeliberateStopIsASuccessThatSaysItStopped() {
    Trainer.Result stopped = result(7, false);
    StringWriter out = new StringWriter();
    assertEquals(0, RunStatus.report("sft", stopped, new PrintWriter(out, true)));
    assertEquals("rlhf sft: status=stopped step=7 checkpoint=/runs/a/checkpoints/step-7 (stopped as asked by "
        + "--stop-after; continue with --resume)", out.toString().strip());
    assertEquals("rlhf ppo: status=finished step=9 checkpoint=/runs/a/checkpoints/step-9",
        RunStatus.line("ppo", result(9, true)));
  }

  private static Trainer.Result result(long step, boolean finished) {
    return new Trainer.Result(null, null, step, 0, List.of(),
        Optional.of(new CheckpointStore.Committed(step, new org.apache.hadoop.fs.Path("/runs/a/checkpoints/step-" + step))),
        finished, List.of());
  }

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, text);
  }

}
