package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.cli.RlhfCli;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.output.TestFolders;
import io.sparkrlhf.spark.LogCapture;
import io.sparkrlhf.storage.GenerationCommitter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A training run keeps the prepared generation it started on: across a refresh, a resume, and into the next stage. */
@org.junit.jupiter.api.extension.ExtendWith(io.sparkrlhf.spark.SharedSpark.class)
class PinnedDataTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Configuration conf = new Configuration();
  @TempDir Path dir;

  @Test
  void aResumeReadsTheRecordedGenerationAndARunNamesTheDataItTrainedOn() throws Exception {
    GenerationCommitter prepare = new GenerationCommitter(dir.resolve("prepared").toString(), conf, 2);
    String first = commit(prepare);
    Path run = Files.createDirectories(dir.resolve("sft"));
    Files.writeString(run.resolve("_run.json"), "{\"kind\":\"sft\",\"" + PinnedData.FIELD + "\":\"" + first + "\"}");
    String second = commit(prepare); // the weekly refresh

    String root = dir.resolve("prepared").toString();
    assertEquals(second, PinnedData.open(root, "-d", run.toString(), false, conf).location(), "a new run: the live data");
    try (LogCapture log = new LogCapture()) {
      assertEquals(first, PinnedData.open(root, "-d", run.toString(), true, conf).location(), "a resume: its own data");
      assertTrue(log.text().contains("resuming " + run + " on the data it started with, " + first), log.text());
    }
    assertEquals(first, PinnedData.open(run.toString(), "-d", dir.resolve("reward").toString(), false, conf).location(),
        "-d <a training run>: the data that run trained on");

    commit(prepare); // keep-generations 2: the first is pruned
    IllegalArgumentException gone = assertThrows(IllegalArgumentException.class,
        () -> PinnedData.open(root, "-d", run.toString(), true, conf));
    assertTrue(gone.getMessage().contains("cannot resume " + run + ": it trains on the prepared generation " + first
        + ", which no longer exists"), gone.getMessage());
  }

  @Test
  void aStoppedSftRunResumesOnItsGenerationAfterARefresh() throws Exception {
    Path prepared = TestFolders.copy(Path.of(TrainingFixtures.prepared()), dir.resolve("prepared"));
    PreparedDataset live = PreparedDataset.open(prepared.toString(), conf);
    Path output = dir.resolve("runs").resolve("manual__2026-01-01T000000").resolve("sft");
    String[] common = {"-d", prepared.toString(), "-o", output.toString(), "--set", "sft.max-steps=2",
        "--set", "sft.global-batch=4", "--set", "sft.micro-batch=2", "--set", "sft.eval-max-examples=4"};

    Result stopped = rlhf(concat("sft", "--resume", "--stop-after", "1"), common);
    assertEquals(0, stopped.code, stopped.err);
    assertTrue(stopped.out.contains("rlhf sft: status=stopped step=1 checkpoint="), stopped.out);
    assertEquals(live.location(), JSON.readTree(output.resolve("_run.json").toFile()).path(PinnedData.FIELD).asText());

    String refreshed = refresh(prepared, live.generation());
    assertEquals(refreshed, PreparedDataset.open(prepared.toString(), conf).generation());
    Result resumed = rlhf(concat("sft", "--resume"), common);
    assertEquals(0, resumed.code, resumed.err);
    assertTrue(resumed.out.contains("rlhf sft: status=finished step=2"), resumed.out);
    assertEquals(live.generation(), JSON.readTree(output.resolve("_manifest.json").toFile()).path("data_generation").asText(),
        "trained to the end on the generation it started with");
  }

  private record Result(int code, String out, String err) {}

  private static Result rlhf(String[] head, String[] tail) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = RlhfCli.commandLine(new PrintWriter(err, true)).setOut(new PrintWriter(out, true));
    String[] args = concat(head, tail);
    return new Result(cli.execute(args), out.toString(), err.toString());
  }

  private static String[] concat(String first, String... rest) {
    return concat(new String[] {first}, rest);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A new live generation with the same tables (as a refresh from a new dump would commit), named after the old one. */
  private static String refresh(Path prepared, String old) throws Exception {
    String name = GenerationCommitter.PREFIX + "29991231T000000Z-refresh";
    Path copy = TestFolders.copy(prepared.resolve(old), prepared.resolve(name));
    String manifest = Files.readString(copy.resolve("_manifest.json")).replace(old, name);
    for (Path folder : new Path[] {copy, prepared}) {
      Files.writeString(folder.resolve("_manifest.json"), manifest);
      Files.deleteIfExists(folder.resolve("._manifest.json.crc")); // Hadoop's local checksum of the old text
    }
    return name;
  }

  private String commit(GenerationCommitter committer) throws Exception {
    GenerationCommitter.Generation g = committer.begin();
    Files.createDirectories(Path.of(g.child("sft_packed/train").replace("file:", "")));
    committer.commit(g, "{\"kind\":\"prepared-dataset\",\"generation\":\"" + g.name() + "\"}");
    Thread.sleep(1100); // generation names order by their second
    return PreparedDataset.open(g.path().getParent().toString(), conf).location();
  }
}
