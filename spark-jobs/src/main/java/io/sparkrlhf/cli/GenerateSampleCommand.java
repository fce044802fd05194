package io.sparkrlhf.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.Secrets;
import io.sparkrlhf.datasets.sample.SafetySampleGenerator;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.output.FolderContents;
import io.sparkrlhf.jobs.output.OutputGuard;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate-sample", mixinStandardHelpOptions = true,
    description = "Write a deterministic synthetic StackExchange dump (real Posts.xml format, planted preference signal), and a small HH-RLHF style safety set.")
public final class GenerateSampleCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(GenerateSampleCommand.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ConfigOptions config;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Replaces rlhf.sample.output.")
  String output;

  @Option(names = "--questions-per-site", paramLabel = "N", description = "Replaces rlhf.sample.questions-per-site.")
  Integer questionsPerSite;

  @Override
  public Integer call() {
    Config sample = config.load().getConfig("rlhf.sample");
    String out = output != null ? output : sample.getString("output");
    Secrets.refuseCredentialsInUri("--output", out);
    SampleDumpGenerator.Summary summary = generate(sample, out, questionsPerSite, new Configuration());
    LOG.info("generate-sample: wrote {} ({} bytes): {} questions, {} answers, {} malformed rows",
        summary.files(), summary.bytes(), summary.questions(), summary.answers(), summary.malformedRows());
    return 0;
  }

  /** The safety set's folder under the sample's output (prepare it with input.format = hh-rlhf). */
  public static final String SAFETY_DIR = "safety";

  static SampleDumpGenerator.Summary generate(Config sample, String out, Integer questionsPerSite, Configuration hadoop) {
    String compression = sample.getString("compression").toUpperCase(Locale.ROOT);
    SampleDumpGenerator.Compression c = switch (compression) {
      case "NONE" -> SampleDumpGenerator.Compression.NONE;
      case "GZIP", "GZ" -> SampleDumpGenerator.Compression.GZIP;
      case "BZIP2", "BZ2" -> SampleDumpGenerator.Compression.BZIP2;
      default -> throw new IllegalArgumentException(
          "rlhf.sample.compression must be none, gzip or bzip2, found '" + sample.getString("compression") + "'");
    };
    SampleDumpGenerator.Options options = new SampleDumpGenerator.Options(
        sample.getStringList("sites"),
        questionsPerSite != null ? questionsPerSite : sample.getInt("questions-per-site"),
        sample.getLong("seed"), c, sample.getBoolean("malformed"));
    OutputGuard.claim(OutputKind.SAMPLE_DUMP, out, List.of(), false, false, hadoop);
    SampleDumpGenerator.Summary summary = SampleDumpGenerator.write(out, options, hadoop);
    int safetyPrompts = sample.getInt("safety-prompts");
    if (safetyPrompts > 0) {
      SafetySampleGenerator.Summary safety =
          SafetySampleGenerator.write(out + "/" + SAFETY_DIR, safetyPrompts, options.seed(), hadoop);
      LOG.info("generate-sample: wrote the safety set {} ({} rows, {} harmful requests, {} bad rows)", safety.file(),
          safety.rows(), safety.harmful(), safety.badRows());
    }
    writeManifest(out, options, summary, hadoop);
    return summary;
  }

  /**
   * Whether {@code out} holds what {@link #generate} would write now: the same generator version,
   * questions per site and seed, as its manifest says (false when it has none).
   */
  static boolean holdsCurrentSample(String out, Config sample, Configuration hadoop) {
    Path file = new Path(out, FolderContents.MANIFEST);
    try {
      org.apache.hadoop.fs.FileSystem fs = file.getFileSystem(hadoop);
      if (!fs.exists(file)) {
        return false;
      }
      com.fasterxml.jackson.databind.JsonNode m;
      try (java.io.InputStream in = fs.open(file)) {
        m = JSON.readTree(in);
      }
      return m.path("generator_version").asInt(1) == SampleDumpGenerator.VERSION
          && m.path("options").path("questionsPerSite").asInt() == sample.getInt("questions-per-site")
          && m.path("options").path("seed").asLong() == sample.getLong("seed");
    } catch (IOException e) {
      return false;
    }
  }

  /** Says what the folder is, so that no other command writes into it and generate-sample may replace it. */
  private static void writeManifest(String out, SampleDumpGenerator.Options options, SampleDumpGenerator.Summary summary,
      Configuration hadoop) {
    ObjectNode m = JSON.createObjectNode();
    m.put("format_version", 1);
    m.put(OutputKind.FIELD, OutputKind.SAMPLE_DUMP.manifestValue());
    m.put("generator_version", SampleDumpGenerator.VERSION);
    m.putPOJO("options", options);
    m.putPOJO("summary", summary);
    m.put("created_at", Instant.now().toString());
    Path file = new Path(out, FolderContents.MANIFEST);
    try {
      AtomicFiles.replace(file.getFileSystem(hadoop), file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
