package io.sparkrlhf.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.cli.RlhfCli;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.output.TestFolders;
import io.sparkrlhf.spark.SharedSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 case 2, as the weekly refresh meets it: garbage input fails with exit code 2 and one line
 * naming the file or table, commits nothing and prunes nothing, so the one good generation stays
 * live through any number of bad refreshes (keep-generations 1).
 */
@ExtendWith(SharedSpark.class)
class PrepareBadInputTest {
  @TempDir Path dir;
  Path out;
  SampleDumpGenerator.Summary sample;

  private record Run(int code, String message) {}

  /** `rlhf prepare` with the prepare tests' settings and keep-generations 1. */
  private Run prepare(Path input, String... overrides) {
    List<String> args = new ArrayList<>(List.of("prepare", "-i", input.toString(), "-o", out.toString(),
        "--set", "prepare.keep-generations=1"));
    for (String o : PrepareFixtures.TEST_OVERRIDES) {
      args.addAll(List.of("--set", o));
    }
    for (String o : overrides) {
      args.addAll(List.of("--set", o));
    }
    StringWriter err = new StringWriter();
    int code = RlhfCli.execute(new PrintWriter(err, true), args.toArray(String[]::new));
    return new Run(code, err.toString().strip());
  }

  @BeforeEach
  void oneGoodGeneration() {
    out = dir.resolve("prepared");
    sample = PrepareFixtures.sample(SharedSpark.session(), dir.resolve("good").toString(), 40,
        SampleDumpGenerator.Compression.NONE);
    Run good = prepare(dir.resolve("good"));
    assertEquals(0, good.code(), good.message());
  }

  private static Path siteFile(Path dump, byte[] content) throws IOException {
    Path file = Files.createDirectories(dump.resolve("cooking.stackexchange.com")).resolve("Posts.xml");
    Files.write(file, content);
    return file;
  }

  @Test
  void binaryEmptyOrRowlessPostsXmlFailsNamingTheFileAndTheGoodGenerationStaysLive() throws Exception {
    Map<String, String> before = TestFolders.snapshot(out);
    byte[] binary = new byte[64 * 1024];
    new Random(7).nextBytes(binary);
    Map<String, byte[]> garbage = Map.of(
        "binary", binary,
        "empty", new byte[0],
        "rowless", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n</posts>\n".getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, byte[]> g : garbage.entrySet()) {
      Path file = siteFile(dir.resolve(g.getKey()), g.getValue());

      Run run = prepare(dir.resolve(g.getKey()));

      assertEquals(2, run.code(), g.getKey() + ": " + run.message());
      assertOneLine(run.message());
      assertTrue(run.message().contains(file.toString()) && run.message().contains("holds no posts"),
          g.getKey() + ": " + run.message());
      assertTrue(run.message().contains("nothing was committed"), run.message());
      assertEquals(before, TestFolders.snapshot(out), g.getKey() + ": nothing committed, written or pruned");
    }
    assertGoodGenerationReadable();
  }

  @Test
  void moreBadRowsThanMaxBadFractionFailsWithTheShare() throws Exception {
    Map<String, String> before = TestFolders.snapshot(out);
    long rows = 0;
    for (String file : sample.files()) {
      rows += inputRows(Path.of(file.replace("file:", "")));
    }

    Run run = prepare(dir.resolve("good"), "prepare.max-bad-fraction=0.01");

    assertEquals(2, run.code(), run.message());
    assertOneLine(run.message());
    assertTrue(run.message().contains(sample.malformedRows() + " of " + rows + " input rows"), run.message());
    assertTrue(run.message().contains("prepare.max-bad-fraction = 0.01"), run.message());
    assertEquals(before, TestFolders.snapshot(out), "nothing committed, written or pruned");
    assertGoodGenerationReadable();
  }

  @Test
  void aTableThatComesOutEmptyFailsNamingIt() throws Exception {
    Map<String, String> before = TestFolders.snapshot(out);
    siteFile(dir.resolve("no-pairs"), String.join("\n",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<posts>",
        "  <row Id=\"1\" PostTypeId=\"1\" Score=\"3\" Title=\"Salt?\" Body=\"&lt;p&gt;How much salt?&lt;/p&gt;\" />",
        "  <row Id=\"2\" PostTypeId=\"2\" ParentId=\"1\" Score=\"5\" Body=\"&lt;p&gt;A pinch.&lt;/p&gt;\" />",
        "</posts>", "").getBytes(StandardCharsets.UTF_8));

    Run run = prepare(dir.resolve("no-pairs"), "prepare.split.eval-fraction=0");

    assertEquals(2, run.code(), run.message());
    assertOneLine(run.message());
    assertTrue(run.message().contains("table preference_pairs/train came out empty"), run.message());
    assertEquals(before, TestFolders.snapshot(out), "nothing committed, written or pruned");
    assertGoodGenerationReadable();
  }

  /** Lines of a Posts.xml that are rows (posts or malformed ones), not the declaration or the root element. */
  private static long inputRows(Path file) throws IOException {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
      return lines.map(l -> l.replace("\u00EF\u00BB\u00BF", "").strip())
          .filter(l -> l.startsWith("<") && !l.startsWith("<?xml") && !l.startsWith("<posts") && !l.startsWith("</posts"))
          .count();
    }
  }

  private static void assertOneLine(String message) {
    assertTrue(message.startsWith("rlhf: ") && !message.contains("\n"), message);
  }

  /** The first run's generation is still the only one, live, with every table readable. */
  private void assertGoodGenerationReadable() throws IOException {
    SparkSession spark = SharedSpark.session();
    PreparedDataset live = PreparedDataset.open(out.toString(), spark.sparkContext().hadoopConfiguration());
    try (Stream<Path> entries = Files.list(out)) {
      assertEquals(List.of(live.generation()),
          entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gen-")).toList());
    }
    for (String table : List.of("sft_packed/train", "preference_pairs/train", "rl_prompts/eval", "bad_records")) {
      assertEquals(live.manifest().at("/tables/" + table.replace("/", "~1") + "/rows").asLong(),
          spark.read().parquet(live.table(table)).count(), table);
    }
  }
}
