package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RlhfCliTest {
  @TempDir Path dir;

  @Test
  void unknownKeyFailsWithExitCode2AndAMessageBeforeSparkStarts() {
    StringWriter err = new StringWriter();
    int code = RlhfCli.execute(new PrintWriter(err, true), "prepare", "--set", "prepare.seqlen=5", "-o", dir.resolve("o").toString());
    assertEquals(2, code);
    assertTrue(err.toString().contains("unknown configuration key 'rlhf.prepare.seqlen'"), err.toString());
    assertTrue(!Files.exists(dir.resolve("o")));
  }

  @Test
  void noSecretReachesTheTerminalOrTheLog() {
    String secret = "AbC/123+xyz";
    try (LogCapture log = new LogCapture()) {
      StringWriter key = new StringWriter();
      assertEquals(2, RlhfCli.execute(new PrintWriter(key, true), "sft", "--set", "spark.hadoop.fs.s3a.secret.key=" + secret));
      assertTrue(key.toString().contains("'rlhf.spark.hadoop.fs.s3a.secret.key'"), key.toString());

      StringWriter unmatched = new StringWriter(); // picocli quotes arguments it cannot place
      assertEquals(2, RlhfCli.execute(new PrintWriter(unmatched, true), "sft", "--sett",
          "spark.hadoop.fs.s3a.secret.key=" + secret));
      assertTrue(unmatched.toString().contains("--sett"), unmatched.toString());

      StringWriter uri = new StringWriter();
      assertEquals(2, RlhfCli.execute(new PrintWriter(uri, true), "prepare", "-i", "s3a://AKIAKEY:" + secret + "@b/dump",
          "-o", dir.resolve("o").toString()));
      assertTrue(uri.toString().contains("--input: credentials inside a URI are refused (s3a://<redacted>@b/dump)"),
          uri.toString());
      StringWriter output = new StringWriter();
      assertEquals(2, RlhfCli.execute(new PrintWriter(output, true), "sft", "-o", "s3a://AKIAKEY:" + secret + "@b/sft"));
      assertTrue(output.toString().contains("s3a://<redacted>@b/sft"), output.toString());

      for (String shown : List.of(key.toString(), unmatched.toString(), uri.toString(), output.toString(), log.text())) {
        assertFalse(shown.contains(secret) || shown.contains("AKIAKEY"), shown);
      }
    }
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void aDivergedTrainingRunExitsWith5AndItsMessage() {
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = RlhfCli.commandLine(new PrintWriter(err, true));
    cli.addSubcommand(new Diverging()).setErr(new PrintWriter(err, true)); // setErr reaches the subcommands it finds

    assertEquals(ExitCodes.DIVERGED, cli.execute("diverging"));
    assertEquals(5, ExitCodes.DIVERGED, "the documented code");
    assertEquals("rlhf: " + Diverging.MESSAGE, err.toString().strip());
  }

  /** A training command whose run diverges, as the engine reports it. */
  @picocli.CommandLine.Command(name = "diverging")
  static final class Diverging implements java.util.concurrent.Callable<Integer> {
    static final String MESSAGE = "sft: the evaluation after step 6 is not finite (loss NaN over 20 examples)";

    @Override
    public Integer call() {
      throw new io.sparkrlhf.engine.TrainingDivergedException(MESSAGE);
    }
  }

  @Test
  void generateSampleWritesADump() {
    StringWriter err = new StringWriter();
    int code = RlhfCli.execute(new PrintWriter(err, true), "generate-sample", "-o", dir.resolve("dump").toString(),
        "--questions-per-site", "5", "--set", "sample.compression=gzip");
    assertEquals(0, code, err.toString());
    assertTrue(Files.exists(dir.resolve("dump/cooking.stackexchange.com/Posts.xml.gz")));
  }

  @Test
  void helpListsTheSubcommands() {
    StringWriter out = new StringWriter();
    new picocli.CommandLine(new RlhfCli()).setOut(new PrintWriter(out)).execute("--help");
    assertTrue(out.toString().contains("prepare") && out.toString().contains("generate-sample"), out.toString());
    assertTrue(out.toString().contains("sft") && out.toString().contains("reward"), out.toString());
  }

  @Test
  void trainingCommandsRejectBadFlagsAndKeysBeforeSparkStarts() {
    StringWriter err = new StringWriter();
    int both = RlhfCli.execute(new PrintWriter(err, true), "sft", "--resume", "--overwrite", "-o", dir.resolve("s").toString());
    assertEquals(2, both);
    assertTrue(err.toString().contains("--resume and --overwrite"), err.toString());
    StringWriter err2 = new StringWriter();
    int typo = RlhfCli.execute(new PrintWriter(err2, true), "reward", "--set", "reward.max-lenght=64");
    assertEquals(2, typo);
    assertTrue(err2.toString().contains("did you mean 'rlhf.reward.max-length'"), err2.toString());
    assertTrue(!Files.exists(dir.resolve("s")));
  }
}
