package io.sparkrlhf.datasets.hh;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import io.sparkrlhf.datasets.paired.PairedTable;
import io.sparkrlhf.datasets.prepare.StableHash;
import io.sparkrlhf.datasets.tables.BadRecordsTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Anthropic HH-RLHF style JSON Lines ({@code chosen}, {@code rejected}: full transcripts) as the rows
 * a paired table gives ({@code site, qid, question, response_j, response_k}): the question is the
 * shared transcript prefix, used as the prompt text as it is (no template), and the qid a stable
 * hash of it, so that pairs of one prompt form one thread. Rows that cannot be split go to bad
 * records with their {@link HhTranscriptPair} reason.
 */
public final class HhRlhfTable {
  private HhRlhfTable() {}

  public static final String SITE = "hh-rlhf";
  public static final List<String> REQUIRED = List.of("chosen", "rejected");

  private static final StructType SPLIT = DataTypes.createStructType(List.of(
      DataTypes.createStructField("site", DataTypes.StringType, false),
      DataTypes.createStructField("qid", DataTypes.LongType, true),
      DataTypes.createStructField("question", DataTypes.StringType, true),
      DataTypes.createStructField("response_j", DataTypes.StringType, true),
      DataTypes.createStructField("response_k", DataTypes.StringType, true),
      DataTypes.createStructField("reason", DataTypes.StringType, true),
      DataTypes.createStructField("detail", DataTypes.StringType, true),
      DataTypes.createStructField("source_file", DataTypes.StringType, false),
      DataTypes.createStructField("raw_row", DataTypes.StringType, false)));

  /** Checks every path exists and has the required fields before any Spark job runs. */
  public static PairedTable.Input read(SparkSession spark, List<String> paths) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> all = null;
    for (String path : paths) {
      Path p = new Path(path);
      try {
        if (!p.getFileSystem(conf).exists(p)) {
          throw new IllegalArgumentException("input path does not exist: " + path);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read hh-rlhf input " + path + ": " + e.getMessage(), e);
      }
      Dataset<Row> one = spark.read().json(path);
      List<String> columns = Arrays.asList(one.columns());
      List<String> missing = REQUIRED.stream().filter(c -> !columns.contains(c)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("hh-rlhf input " + path + " lacks field(s) " + missing + " (JSON Lines with "
            + "'chosen' and 'rejected' transcripts); found " + columns);
      }
      Dataset<Row> sel = one.select(col("chosen").cast("string"), col("rejected").cast("string"),
          input_file_name().as("source_file"));
      all = all == null ? sel : all.unionByName(sel);
    }
    JavaRDD<Row> split = all.javaRDD().map(HhRlhfTable::splitRow);
    Dataset<Row> rows = spark.createDataFrame(split, SPLIT);
    Dataset<Row> good = rows.filter(col("reason").isNull())
        .select(col("site"), col("qid"), col("question"), col("response_j"), col("response_k"));
    Dataset<Row> bad = rows.filter(col("reason").isNotNull())
        .select(col("source_file").as(BadRecordsTable.SOURCE_FILE),
            org.apache.spark.sql.functions.lit(-1L).as(BadRecordsTable.OFFSET),
            col("reason").as(BadRecordsTable.REASON), col("detail").as(BadRecordsTable.DETAIL),
            col("raw_row").as(BadRecordsTable.RAW_ROW));
    return new PairedTable.Input(good, bad);
  }

  private static Row splitRow(Row r) {
    String chosen = r.getString(0);
    String rejected = r.getString(1);
    String file = r.getString(2);
    String raw = ("{\"chosen\": " + quote(chosen) + ", \"rejected\": " + quote(rejected) + "}");
    raw = raw.substring(0, Math.min(raw.length(), BadRecordsTable.RAW_ROW_LIMIT));
    HhTranscriptPair.Split s = HhTranscriptPair.split(chosen, rejected);
    if (s.pair() == null) {
      return RowFactory.create(SITE, null, null, null, null, s.badReason(), s.detail(), file, raw);
    }
    HhTranscriptPair p = s.pair();
    return RowFactory.create(SITE, StableHash.of(p.prompt()) & Long.MAX_VALUE, p.prompt(), p.chosen(), p.rejected(),
        null, null, file, raw);
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
