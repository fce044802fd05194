package io.sparkrlhf.jobs.prepare;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Small helpers shared by the prepare job tests. */
final class PrepareFixtures {
  private PrepareFixtures() {}

  static SampleDumpGenerator.Summary sample(SparkSession spark, String dir, int questionsPerSite,
      SampleDumpGenerator.Compression compression) {
    return SampleDumpGenerator.write(dir, new SampleDumpGenerator.Options(SampleDumpGenerator.DEFAULT_SITES,
        questionsPerSite, 11L, compression, true), spark.sparkContext().hadoopConfiguration());
  }

  /** The tests' overrides: small blocks so packing is exercised, a sizeable eval split. */
  static final List<String> TEST_OVERRIDES = List.of("prepare.seq-len=512", "prepare.split.eval-fraction=0.2",
      "prepare.max-prompt-tokens=200", "prepare.max-pair-tokens=400", "prepare.pack-tokens-per-partition=20000");

  /** Settings for tests: {@link #TEST_OVERRIDES}, then {@code overrides}. */
  static PrepareSettings settings(List<String> inputs, String output, String... overrides) {
    List<String> all = new ArrayList<>(TEST_OVERRIDES);
    all.addAll(List.of(overrides));
    Config conf = RlhfConfig.load(List.of(), all);
    return PrepareSettings.from(conf.getConfig("rlhf.prepare")).withInput(inputs).withOutput(output);
  }

  static Set<String> pairKeys(SparkSession spark, PreparedDataset out) {
    Set<String> keys = new HashSet<>();
    for (String split : new String[] {"train", "eval"}) {
      for (Row r : spark.read().parquet(out.table("preference_pairs/" + split))
          .select("site", "qid", "chosen_answer_id", "rejected_answer_id").collectAsList()) {
        keys.add(r.getString(0) + "/" + r.getLong(1) + ":" + r.getLong(2) + ">" + r.getLong(3));
      }
    }
    return keys;
  }

  /** Set equality with a short message: sizes and a few differences, not both sets in full. */
  static void assertSameKeys(Set<String> expected, Set<String> actual) {
    Set<String> missing = new HashSet<>(expected);
    missing.removeAll(actual);
    Set<String> extra = new HashSet<>(actual);
    extra.removeAll(expected);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new AssertionError("expected " + expected.size() + " keys, found " + actual.size() + "; missing e.g. "
          + missing.stream().limit(5).toList() + ", unexpected e.g. " + extra.stream().limit(5).toList());
    }
  }

  static int[] ints(Row row, String column) {
    List<Integer> list = row.getList(row.fieldIndex(column));
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }
}
