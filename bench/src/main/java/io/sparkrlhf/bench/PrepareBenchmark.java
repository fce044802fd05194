package io.sparkrlhf.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.prepare.QuestionThread;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.datasets.stackexchange.ParsedLine;
import io.sparkrlhf.datasets.stackexchange.PostRowParser;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.model.prompt.PromptTemplate;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * prepare's throughput against the tokenizer's, in one run on the same machine:
 * <ol>
 *   <li>generate a synthetic dump of at least {@code --mb} MB (kept between runs);
 *   <li>tokenizer only: the texts the job tokenizes (each rendered prompt, each non-empty answer),
 *       extracted untimed, then tokenised on {@code --cores} threads, timed after a warm-up;
 *   <li>end to end: {@code PrepareJob} on Spark {@code local[cores]} (read, parse, HTML to text,
 *       score, pair, tokenise, pack, write Parquet, commit), after a warm-up run on a small dump.
 * </ol>
 * Prints MB/s per core, tokens/s for both, and their ratio; writes the same as JSON. Each run also
 * prints the process's CPU time and MB per CPU-second, which other load on the machine does not skew.
 *
 * <p>Usage: {@code bench/prepare-benchmark.sh [--mb 500] [--cores 2] [--work /tmp/rlhf-bench] [--repeat 1]
 * [--jfr run.jfr] [--conf spark.key=value]... [--ab spark.key=value]}; {@code --repeat} runs the job that many times and reports the
 * fastest, {@code --ab spark.key=value} alternates runs without and with that setting (paired in one run),
 * {@code --jfr} records the last end-to-end run alone with Flight Recorder, for {@link ProfileShares}.
 */
public final class PrepareBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static void main(String[] args) throws Exception {
    int mb = 500;
    int cores = Runtime.getRuntime().availableProcessors();
    Path work = Path.of("/tmp/rlhf-bench");
    Path jfr = null;
    List<String> sparkConf = new ArrayList<>();
    int repeat = 1;
    String ab = null;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        case "--cores" -> cores = Integer.parseInt(args[i + 1]);
        case "--work" -> work = Path.of(args[i + 1]);
        case "--jfr" -> jfr = Path.of(args[i + 1]);
        case "--conf" -> sparkConf.add(args[i + 1]);
        case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
        case "--ab" -> ab = args[i + 1];
        default -> throw new IllegalArgumentException(
            "unknown option " + args[i] + " (use --mb, --cores, --work, --jfr, --conf, --repeat, --ab)");
      }
    }
    Configuration hadoop = new Configuration();
    // Named by the generator's version, so a dump an older generator left is not measured.
    Path dump = work.resolve("dump-" + mb + "mb-v" + SampleDumpGenerator.VERSION);
    List<Path> files = ensureDump(dump, mb, hadoop);
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    System.out.printf("dump: %s, %.1f MB in %d files%n", dump, bytes / 1e6, files.size());

    PrepareSettings settings = PrepareSettings.from(RlhfConfig.load(List.of(), List.of()).getConfig("rlhf.prepare"));
    TextTokenizer tokenizer = TokenizerSpec.gpt2().load();
    List<String> texts = jobTexts(files, new PromptTemplate(settings.promptTemplate()));
    tokenize(texts.subList(0, texts.size() / 20), tokenizer, cores); // warm-up
    long t0 = System.nanoTime();
    long tokens = tokenize(texts, tokenizer, cores);
    double tokSeconds = (System.nanoTime() - t0) / 1e9;
    long textChars = texts.stream().mapToLong(String::length).sum();
    int textCount = texts.size();
    texts = null;
    System.out.printf("tokenizer only: %d texts (%.1f M characters, %.2f characters per token), %d tokens in %.1f s "
        + "on %d threads: %.0f tokens/s (%.0f per thread)%n", textCount, textChars / 1e6, (double) textChars / tokens,
        tokens, tokSeconds, cores, tokens / tokSeconds, tokens / tokSeconds / cores);

    SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("prepare-benchmark")
        .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", String.valueOf(4 * cores))
        .getOrCreate();
    for (String kv : sparkConf) {
      spark.conf().set(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    Path warmDump = work.resolve("warmup-dump-v" + SampleDumpGenerator.VERSION);
    if (!Files.isDirectory(warmDump)) {
      SampleDumpGenerator.write(warmDump.toString(), new SampleDumpGenerator.Options(
          SampleDumpGenerator.DEFAULT_SITES, 2000, 1L, SampleDumpGenerator.Compression.NONE, true), hadoop);
    }
    new PrepareJob(spark, settings.withInput(List.of(warmDump.toString())).withOutput(work.resolve("warmup-out").toString()),
        PrepareJob.Hooks.NONE).run();

    Recording recording = jfr == null ? null : new Recording(jdk.jfr.Configuration.getConfiguration("profile"));
    if (recording != null) {
      recording.setDestination(jfr);
    }
    // Runs repeated in one JVM: the fastest is reported (this machine's noise only ever adds time).
    double e2eSeconds = Double.MAX_VALUE;
    ObjectNode manifest = null;
    double[] fastestByVariant = {Double.MAX_VALUE, Double.MAX_VALUE};
    int runs = repeat * (ab == null ? 1 : 2);
    for (int r = 0; r < runs; r++) {
      if (recording != null && r == runs - 1) {
        recording.start(); // the last run only: the JIT has warmed up on the ones before
      }
      int variant = ab == null ? 0 : r % 2;
      if (ab != null) { // A: the key unset, B: set; alternated so drift hits both alike
        String key = ab.substring(0, ab.indexOf('='));
        if (variant == 0) {
          spark.conf().unset(key);
        } else {
          spark.conf().set(key, ab.substring(ab.indexOf('=') + 1));
        }
      }
      long cpu0 = processCpuNanos();
      long t1 = System.nanoTime();
      ObjectNode m = new PrepareJob(spark,
          settings.withInput(List.of(dump.toString())).withOutput(work.resolve("prepared").toString()), PrepareJob.Hooks.NONE).run();
      double s = (System.nanoTime() - t1) / 1e9;
      double cpu = (processCpuNanos() - cpu0) / 1e9;
      System.out.printf("end-to-end run %d%s: %.1f s (%.2f MB/s per core); CPU %.1f s (%.2f MB per CPU-second)%n", r + 1,
          ab == null ? "" : variant == 0 ? " (A: default)" : " (B: " + ab + ")", s, bytes / 1e6 / s / cores, cpu,
          bytes / 1e6 / cpu);
      fastestByVariant[variant] = Math.min(fastestByVariant[variant], s);
      System.out.println("  job phases (s): " + m.get("timings_s"));
      if (s < e2eSeconds) {
        e2eSeconds = s;
        manifest = m;
      }
    }
    if (recording != null) {
      recording.close(); // writes the destination
      System.out.println("profile of the last end-to-end run: " + jfr + " (bench/profile-shares.sh " + jfr + ")");
    }
    spark.stop();
    if (ab != null) {
      System.out.printf("A/B, fastest of %d each: A %.2f s, B (%s) %.2f s: B/A %.3f%n", repeat, fastestByVariant[0], ab,
          fastestByVariant[1], fastestByVariant[1] / fastestByVariant[0]);
    }

    double mbPerSecPerCore = bytes / 1e6 / e2eSeconds / cores;
    double e2eTokensPerSec = tokens / e2eSeconds;
    double ratio = tokSeconds / e2eSeconds;
    System.out.printf("end to end, fastest of %d: %.1f s: %.2f MB/s per core (%d cores), %.0f tokens/s%n",
        repeat, e2eSeconds, mbPerSecPerCore, cores, e2eTokensPerSec);
    System.out.printf("end-to-end / tokenizer-only throughput: %.1f%% (goal >= 75%%)%n", 100 * ratio);
    System.out.println("job phases (s): " + manifest.get("timings_s"));

    ObjectNode result = JSON.createObjectNode();
    result.put("input_mb", bytes / 1e6);
    result.put("cores", cores);
    result.put("texts", textCount);
    result.put("text_chars", textChars);
    result.put("tokens", tokens);
    result.put("tokenizer_only_s", tokSeconds);
    result.put("tokenizer_only_tokens_per_s", tokens / tokSeconds);
    result.put("end_to_end_s", e2eSeconds);
    result.put("end_to_end_tokens_per_s", e2eTokensPerSec);
    result.put("end_to_end_mb_per_s_per_core", mbPerSecPerCore);
    result.put("ratio", ratio);
    result.set("job_timings_s", manifest.get("timings_s"));
    result.set("tables", manifest.get("tables"));
    Files.writeString(work.resolve("prepare-benchmark.json"), JSON.writeValueAsString(result));
    System.out.println("wrote " + work.resolve("prepare-benchmark.json"));
  }

  /**
   * This process's CPU time (all threads, JIT and GC included): the job's cost on a machine where
   * other processes take turns on the cores, which wall time per core is not.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static List<Path> ensureDump(Path dump, int mb, Configuration hadoop) throws IOException {
    List<String> sites = List.of("cooking.stackexchange.com", "gardening.stackexchange.com");
    if (!Files.isDirectory(dump)) {
      Path probe = Files.createTempDirectory("probe");
      SampleDumpGenerator.Summary s = SampleDumpGenerator.write(probe.toString(),
          new SampleDumpGenerator.Options(sites, 2000, 3L, SampleDumpGenerator.Compression.NONE, true), hadoop);
      double bytesPerQuestion = s.bytes() / (2.0 * 2000);
      int perSite = (int) Math.ceil(mb * 1_000_000.0 / sites.size() / bytesPerQuestion * 1.02);
      System.out.printf("generating %d questions per site (~%.0f bytes each) ...%n", perSite, bytesPerQuestion);
      SampleDumpGenerator.write(dump.toString(),
          new SampleDumpGenerator.Options(sites, perSite, 42L, SampleDumpGenerator.Compression.NONE, true), hadoop);
    }
    List<Path> files = new ArrayList<>();
    for (String site : sites) {
      files.add(dump.resolve(site).resolve("Posts.xml"));
    }
    return files;
  }

  /** What the job tokenises: each question's rendered prompt and each non-empty answer. */
  private static List<String> jobTexts(List<Path> files, PromptTemplate template) throws IOException {
    PostRowParser parser = new PostRowParser(1_000_000);
    List<String> texts = new ArrayList<>();
    for (Path f : files) {
      try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.ISO_8859_1)) {
        String raw;
        while ((raw = in.readLine()) != null) {
          String line = new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
          if (parser.parse(line) instanceof ParsedLine.Post p) {
            if (p.isQuestion()) {
              texts.add(template.render(QuestionThread.questionText(p.title(), p.body())));
            } else if (!p.body().isBlank()) {
              texts.add(p.body().strip());
            }
          }
        }
      }
    }
    return texts;
  }

  private static long tokenize(List<String> texts, TextTokenizer tokenizer, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> parts = new ArrayList<>();
      int chunk = (texts.size() + threads - 1) / threads;
      for (int t = 0; t < threads; t++) {
        List<String> slice = texts.subList(Math.min(texts.size(), t * chunk), Math.min(texts.size(), (t + 1) * chunk));
        parts.add(pool.submit(() -> {
          long n = 0;
          for (String s : slice) {
            n += tokenizer.encode(s).length;
          }
          return n;
        }));
      }
      long total = 0;
      for (Future<Long> f : parts) {
        total += f.get();
      }
      return total;
    } finally {
      pool.shutdown();
    }
  }
}
