package io.sparkrlhf.jobs.prepare;

import io.sparkrlhf.datasets.prepare.PrepareTables;
import io.sparkrlhf.datasets.stackexchange.DumpFiles;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What stops a prepare run before its commit: an input file with no posts, more bad rows than
 * {@code max-bad-fraction}, or a table that came out empty. Garbage must never replace a good
 * generation, and an empty generation would prune the good ones. Each message names the file or
 * table and says that nothing was committed.
 */
final class PrepareChecks {
  private PrepareChecks() {}

  /** A dump file that yields no well-formed row is not a Posts.xml (binary, empty, truncated, another table). */
  static void requirePostsInEveryFile(List<DumpFiles.DumpFile> files, Map<String, PrepareTables.SourceCounts> bySite,
      String output) {
    for (DumpFiles.DumpFile f : files) {
      PrepareTables.SourceCounts c = bySite.getOrDefault(f.site(), new PrepareTables.SourceCounts(0, Map.of()));
      if (c.rows() == 0) {
        String found = c.bad() == 0 ? "no <row> lines at all"
            : "only " + c.bad() + " malformed lines: " + reasons(c.badByReason());
        throw new IllegalArgumentException("prepare: " + f.path() + " holds no posts (" + found
            + "): it is not a StackExchange Posts.xml; fix it or leave it out of the input" + unchanged(output));
      }
    }
  }

  /** {@code goodRows} well-formed input rows beside {@code badByReason}; {@code worstFile} says where most bad rows are. */
  static void requireBadShareAtMost(double maxBadFraction, long goodRows, Map<String, Long> badByReason,
      String worstFile, String output) {
    long bad = badByReason.values().stream().mapToLong(Long::longValue).sum();
    long total = goodRows + bad;
    if (total > 0 && bad > maxBadFraction * total) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "prepare: %d of %d input rows (%.1f %%) are bad records (%s), more than prepare.max-bad-fraction = %s%s:"
              + " fix the input, or raise max-bad-fraction if they are expected%s",
          bad, total, 100.0 * bad / total, reasons(badByReason), maxBadFraction,
          worstFile == null ? "" : "; most are in " + worstFile, unchanged(output)));
    }
  }

  /** {@code whyEmpty} explains an empty table from the counts before it; {@code advice} says what to change. */
  static void requireRows(String table, long rows, String whyEmpty, String advice, Map<String, Long> drops,
      String output) {
    if (rows == 0) {
      throw new IllegalArgumentException("prepare: table " + table + " came out empty: " + whyEmpty
          + (drops.isEmpty() ? "" : " (dropped: " + reasons(drops) + ")") + ": " + advice + unchanged(output));
    }
  }

  /** The largest counts first, e.g. "invalid_utf8 12, bad_xml 1". */
  static String reasons(Map<String, Long> counts) {
    return new TreeMap<>(counts).entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(4)
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", ")) + (counts.size() > 4 ? ", ..." : "");
  }

  private static String unchanged(String output) {
    return "; nothing was committed (the live generation of " + output + " is unchanged)";
  }
}
