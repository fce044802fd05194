package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
