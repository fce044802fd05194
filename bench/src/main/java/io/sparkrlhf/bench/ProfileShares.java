package io.sparkrlhf.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a prepare run's CPU goes, from a Java Flight Recorder file: each execution sample of a
 * Spark task thread is charged to the first frame, leaf first, that belongs to a known phase
 * (a JDK frame is charged only when a rule names it, so {@code String.indexOf} under the
 * tokenizer counts as tokenising). Prints each phase's share of the samples, and the time spent
 * in garbage collection beside them.
 *
 * <p>Usage: {@code bench/prepare-benchmark.sh --jfr run.jfr ...}, then {@code bench/profile-shares.sh run.jfr [--top 25]}.
 */
public final class ProfileShares {
  /** Leaf-first rules: the first rule a frame's class matches names its phase. */
  private static final List<Map.Entry<String, String>> RULES = List.of(
      Map.entry("java.util.zip.CRC32", "page checksums (CRC32)"),
      Map.entry("org.xerial.snappy", "compression"),
      Map.entry("com.github.luben.zstd", "compression"),
      Map.entry("io.airlift.compress", "compression"),
      Map.entry("org.apache.parquet", "Parquet encoding"),
      Map.entry("org.apache.spark.sql.execution.datasources.parquet", "Parquet encoding"),
      Map.entry("io.sparkrlhf.model.tokenizer", "tokenising"),
      Map.entry("org.jsoup", "HTML to text"),
      Map.entry("io.sparkrlhf.datasets.stackexchange.HtmlToText", "HTML to text"),
      Map.entry("io.sparkrlhf.datasets.stackexchange.SimpleHtmlTree", "HTML to text"),
      Map.entry("io.sparkrlhf.datasets.stackexchange.RowAttributeScanner", "XML row parsing"),
      Map.entry("com.ctc.wstx", "XML row parsing"),
      Map.entry("org.apache.hadoop.shaded.com.ctc.wstx", "XML row parsing"),
      Map.entry("javax.xml.stream", "XML row parsing"),
      Map.entry("com.sun.org.apache.xerces", "XML row parsing"),
      Map.entry("io.sparkrlhf.datasets.stackexchange.PostRowParser", "XML row parsing"),
      Map.entry("org.apache.hadoop.util.LineReader", "reading lines"),
      Map.entry("org.apache.hadoop.mapreduce.lib.input", "reading lines"),
      Map.entry("org.apache.hadoop.io.Text", "reading lines"),
      Map.entry("org.apache.spark.sql.catalyst.CatalystTypeConverters", "Row to InternalRow"),
      Map.entry("org.apache.spark.sql.catalyst.encoders", "Row to InternalRow"),
      Map.entry("org.apache.spark.sql.catalyst.expressions.GeneratedClass", "Spark SQL generated code"),
      Map.entry("org.apache.spark.sql.catalyst.expressions", "Spark SQL expressions"),
      Map.entry("org.apache.spark.util.collection.unsafe.sort", "sort"),
      Map.entry("org.apache.spark.sql.execution.UnsafeExternalRowSorter", "sort"),
      Map.entry("org.apache.spark.shuffle", "shuffle"),
      Map.entry("org.apache.spark.storage", "shuffle and block I/O"),
      Map.entry("org.apache.spark.serializer", "serialisation"),
      Map.entry("com.esotericsoftware", "serialisation"),
      Map.entry("io.sparkrlhf.datasets.prepare", "threads, pairs, packing"),
      Map.entry("io.sparkrlhf.datasets.stackexchange", "reading lines"),
      Map.entry("org.apache.spark.sql", "Spark SQL other"),
      Map.entry("org.apache.spark", "Spark other"),
      Map.entry("scala.", "Spark other"),
      Map.entry("org.apache.hadoop", "Hadoop I/O"));

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: ProfileShares <recording.jfr> [--top N] [--threads REGEX]");
    }
    int top = 0;
    String threads = "Executor task launch worker.*";
    for (int i = 1; i < args.length; i += 2) {
      switch (args[i]) {
        case "--top" -> top = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (use --top, --threads)");
      }
    }
    Predicate<String> threadFilter = java.util.regex.Pattern.compile(threads).asMatchPredicate();
    Map<String, Long> phases = new TreeMap<>();
    Map<String, Long> leaves = new TreeMap<>();
    long samples = 0;
    double gcSeconds = 0;
    try (RecordingFile file = new RecordingFile(Path.of(args[0]))) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.GarbageCollection")) {
          gcSeconds += e.getDuration().toNanos() / 1e9;
        } else if (type.equals("jdk.ExecutionSample")) {
          String thread = e.getThread("sampledThread") == null ? "" : e.getThread("sampledThread").getJavaName();
          RecordedStackTrace stack = e.getStackTrace();
          if (stack == null || thread == null || !threadFilter.test(thread)) {
            continue;
          }
          samples++;
          phases.merge(phase(stack.getFrames()), 1L, Long::sum);
          if (top > 0 && !stack.getFrames().isEmpty()) {
            RecordedFrame leaf = stack.getFrames().get(0);
            leaves.merge(leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName(), 1L, Long::sum);
          }
        }
      }
    }
    System.out.printf("%d execution samples of threads matching %s; garbage collection %.1f s (all threads)%n",
        samples, threads, gcSeconds);
    print(phases, samples, Integer.MAX_VALUE);
    if (top > 0) {
      System.out.println("top leaf methods:");
      print(leaves, samples, top);
    }
  }

  static String phase(List<RecordedFrame> leafFirst) {
    for (RecordedFrame f : leafFirst) {
      if (f.getMethod() == null) {
        continue;
      }
      String cls = f.getMethod().getType().getName();
      for (Map.Entry<String, String> rule : RULES) {
        if (cls.startsWith(rule.getKey())) {
          return rule.getValue();
        }
      }
    }
    return "other";
  }

  private static void print(Map<String, Long> counts, long total, int limit) {
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    Map<String, Long> shown = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
      shown.put(e.getKey(), e.getValue());
    }
    shown.forEach((k, v) -> System.out.printf("  %5.1f%%  %s%n", 100.0 * v / Math.max(1, total), k));
  }
}
